#pragma once

// An open-loop schedule on an io thread: slot n is due `n / rate` seconds after start(),
// whatever the answers do. The owner sends what is due, then waits for the next slot;
// the wait is never shorter than 100 us, so high rates go out in small bursts instead of
// one wake-up per message. Times are ns on the owner's clock, which starts at `origin_ns`
// of steady_ns().

#include <cstdint>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace parley::bench {

class pacer {
public:
  pacer(boost::asio::io_context& io, int64_t origin_ns);

  void start(double per_second, int64_t now);
  void stop() { timer_.cancel(); }

  /// How many slots are due at `now`: slot 0 is due at start().
  uint64_t due(int64_t now) const;
  /// When slot `n` was due.
  int64_t slot_time(uint64_t n) const;

  /// Calls `f` on the io thread once slot `next` is due (the first one not sent yet).
  template <class F>
  void wait_for(uint64_t next, int64_t now, F f) {
    arm(next, now);
    timer_.async_wait([f](boost::system::error_code ec) {
      if (!ec)
        f();
    });
  }

private:
  void arm(uint64_t next, int64_t now);

  boost::asio::steady_timer timer_;
  int64_t origin_ns_;
  int64_t start_ = 0;
  double per_ns_ = 0;
};

} // namespace parley::bench
