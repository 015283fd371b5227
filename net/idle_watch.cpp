#include "net/idle_watch.hpp"

#include <algorithm>

#include "runtime/clock.hpp"

namespace parley {

idle_watch::idle_watch(boost::asio::io_context& io, std::chrono::milliseconds timeout)
  : timeout_(timeout), timer_(io) {
}

void idle_watch::watch(std::weak_ptr<idle_watched> connection) {
  watched_.push_back(std::move(connection));
}

void idle_watch::start() {
  arm();
}

void idle_watch::arm() {
  // A quarter of the timeout, at most a second: a silent client is closed within
  // that much after its timeout.
  timer_.expires_after(std::min<std::chrono::milliseconds>(timeout_ / 4,
                                                           std::chrono::seconds{1}));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec)
      return;
    // One clock for the whole sweep: every turn of it judges silence alike.
    next_ = 0;
    sweep_now_ = steady_ms();
    pings_left_ = max_pings_per_sweep;
    sweep_on();
  });
}

void idle_watch::sweep_on() {
  // A connection that is done is replaced by the last one, which is then checked in its
  // place: the end moves in, and each connection is checked once.
  for (size_t checked = 0; checked < checks_per_turn && next_ < watched_.size(); ++checked) {
    auto connection = watched_[next_].lock();
    auto result = connection ? connection->check_idle(sweep_now_, timeout_, pings_left_ > 0)
                             : idle_watched::check::done;
    if (result == idle_watched::check::pinged)
      --pings_left_;
    if (result != idle_watched::check::done) {
      ++next_;
      continue;
    }
    watched_[next_] = std::move(watched_.back());
    watched_.pop_back();
  }
  if (next_ >= watched_.size()) {
    arm();
    return;
  }
  // The rest in a later handler, after whatever waits meanwhile (on the timer, expired
  // at once: one handler of ours is pending at any time, as between sweeps).
  timer_.expires_after(std::chrono::milliseconds{0});
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      sweep_on();
  });
}

} // namespace parley
