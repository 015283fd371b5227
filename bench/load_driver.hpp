#pragma once

// One io thread and its share of the users: logs them in with a bounded number of logins
// in flight, then drives traffic, flat out (a window of unacked sends per user) or paced
// (an open-loop schedule). Recipients answer every msg with `delivered` at once, since the
// erase and the receipt it causes are part of the work being measured.
//
// The main thread talks to a driver only through posts and futures; all state below is
// touched on the driver's own thread.

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/bench_frames.hpp"
#include "bench/bench_options.hpp"
#include "bench/run_stats.hpp"
#include "bench/server_frame.hpp"
#include "bench/ws_client.hpp"

namespace parley::bench {

/// What every driver shares, read-only except for the measuring flag.
struct run_plan {
  options opts;
  boost::asio::ip::tcp::endpoint server;
  std::string host_header;
  std::vector<std::string> names;  // user ids, by global user number
  std::string body;
  int64_t origin_ns = 0;           // send times in ids are relative to this
  std::atomic<bool> measuring{false};
};

/// What one side of a (sender, recipient) pair has seen, for the order check.
struct pair_order {
  uint32_t next_seq = 0;  // the highest sequence number seen + 1
  uint32_t seen = 0;      // frames seen on the pair
};

class load_driver final : private ws_handler {
public:
  /// Drives users [first, first + count) of `plan`.
  load_driver(run_plan& plan, uint32_t first, uint32_t count);
  ~load_driver();
  load_driver(const load_driver&) = delete;
  load_driver& operator=(const load_driver&) = delete;

  void start();
  void log_in_all();
  void start_traffic();
  void stop_traffic();
  void close_all();
  /// The window's figures; the window is closed by clearing plan.measuring first.
  std::future<window_stats> take_window();
  std::future<run_totals> totals();
  /// Stops the io thread; connections still open are dropped.
  void stop();

private:
  struct user {
    std::unique_ptr<ws_client> client;
    uint32_t number = 0;      // global user number
    bool logged_in = false;
    uint64_t next_seq = 0;
    // The order checks, per pair: by sender for msgs received, by recipient for acks;
    // empty when too many users.
    std::vector<pair_order> from_sender;
    std::vector<pair_order> to_recipient;
  };

  // -- ws_handler ----
  void on_open(ws_client& c) override;
  void on_text(ws_client& c, std::string& text) override;
  void on_closed(ws_client& c, const close_info& info) override;

  // -- login ----
  void start_logins();
  void on_login_frame(user& u, const server_frame& f);

  // -- traffic ----
  void on_ack(user& u, const server_frame& f);
  void on_msg(user& u, const server_frame& f);
  void on_receipt(const server_frame& f);
  void on_error(const server_frame& f);
  void check_order(pair_order& pair, const message_id& id, std::string_view from,
                   std::string_view to, const char* what, uint64_t& violations);
  void send_one(user& u);
  void pace();
  uint32_t pick_recipient(uint32_t sender);
  bool measuring() const { return plan_.measuring.load(std::memory_order_relaxed); }
  int64_t now() const;

  template <class F>
  auto call(F f) -> std::future<decltype(f())>;

  run_plan& plan_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer pacer_;
  std::vector<user> users_;
  uint32_t next_login_ = 0;
  uint32_t logins_in_flight_ = 0;
  bool traffic_ = false;
  bool closing_ = false;       // close_all() ran: no new logins
  int64_t pace_start_ = 0;
  uint64_t paced_ = 0;        // sends issued by the pacer so far
  double rate_per_ns_ = 0;
  size_t next_sender_ = 0;
  uint64_t rng_;
  server_frame frame_;        // reused: its parsed value keeps its memory
  std::string out_;           // the frame being built
  window_stats window_;
  run_totals totals_;
  std::thread thread_;
};

} // namespace parley::bench
