#pragma once

// Notices client connections that went silent: a client frozen (SIGSTOP, a hung app) or
// cut off without a FIN keeps its TCP connection up, and its user would stay `online`
// for good. The kernel answers TCP keepalives for a frozen process, so only a
// WebSocket ping tells: a connection silent for half the timeout is pinged, and one
// still silent half a timeout after its ping is closed, which ends its session.
//
// One sweep per node instead of a timer per connection: a waiting timer costs more
// bytes than an idle connection can spare (docs/benchmarks.md, idle memory). A sweep
// sends at most max_pings_per_sweep pings: clients that connected together fall silent
// together, and thousands of sends in one handler would hold every actor (the worker
// runs the sockets too). For the same reason a sweep checks at most
// checks_per_turn connections per handler and posts the rest behind whatever waits
// (a node holds up to 20,000 connections).

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace parley {

/// A connection the watch sweeps; called on the Asio thread only.
class idle_watched {
public:
  enum class check { alive, pinged, done };

  virtual ~idle_watched() = default;
  /// The sweep at `now` (steady_ms). A connection silent for half of `timeout` pings its
  /// client, if `may_ping` (pings per sweep are bounded); one still silent half a
  /// timeout after its ping closes itself, and is done (the watch drops it).
  virtual check check_idle(int64_t now, std::chrono::milliseconds timeout, bool may_ping) = 0;
};

class idle_watch {
public:
  static constexpr int max_pings_per_sweep = 256;
  static constexpr size_t checks_per_turn = 1024;

  /// `timeout`: how long a client may stay silent before its connection is closed.
  idle_watch(boost::asio::io_context& io, std::chrono::milliseconds timeout);

  /// Asio thread only, like the sweep.
  void watch(std::weak_ptr<idle_watched> connection);

  /// Starts sweeping, every quarter of the timeout (at most a second).
  void start();

private:
  /// Starts the next sweep a quarter of the timeout from now.
  void arm();
  /// Checks the next checks_per_turn connections of the sweep under way; the rest in a
  /// later turn, then arms the next sweep.
  void sweep_on();

  std::chrono::milliseconds timeout_;
  boost::asio::steady_timer timer_;
  std::deque<std::weak_ptr<idle_watched>> watched_;
  // The sweep under way.
  size_t next_ = 0;  // position in watched_ of the next connection to check
  int pings_left_ = 0;
  int64_t sweep_now_ = 0;  // steady_ms at its start
};

} // namespace parley
