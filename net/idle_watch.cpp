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
    sweep();
    arm();
  });
}

void idle_watch::sweep() {
  auto now = steady_ms();
  int pings_left = max_pings_per_sweep;
  for (size_t i = 0; i < watched_.size();) {
    auto connection = watched_[i].lock();
    auto result = connection ? connection->check_idle(now, timeout_, pings_left > 0)
                             : idle_watched::check::done;
    if (result == idle_watched::check::pinged)
      --pings_left;
    if (result != idle_watched::check::done) {
      ++i;
      continue;
    }
    watched_[i] = std::move(watched_.back());
    watched_.pop_back();
  }
}

} // namespace parley
