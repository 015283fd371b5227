#pragma once

// One io thread and its share of the users: logs them in with a bounded number of logins
// in flight, then drives traffic, flat out (a window of unacked sends per user) or paced
// (an open-loop schedule). Recipients answer every msg with `delivered` at once, since the
// erase and the receipt it causes are part of the work being measured. User i connects to
// server i % n of a cluster.
//
// A user's connection, in a failover run (without one, a cut connection stays cut):
//
//   logging in --welcome--> online --cut--> reconnecting --welcome--> online
//                                             |    ^
//                                             `----'  connect or login failed: next server,
//                                                     after a backoff
//
// Reconnecting logs in with the token of the first welcome and resends every unacked send
// with its id; an `unavailable` answer resends it too, after a short pause.
//
// The main thread talks to a driver only through posts and futures; all state below is
// touched on the driver's own thread.

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/bench_frames.hpp"
#include "bench/bench_options.hpp"
#include "bench/delivery_ledger.hpp"
#include "bench/failover_stats.hpp"
#include "bench/io_runner.hpp"
#include "bench/load_plan.hpp"
#include "bench/pacer.hpp"
#include "bench/run_stats.hpp"
#include "bench/server_frame.hpp"
#include "bench/ws_client.hpp"

namespace parley::bench {

/// What every driver shares, read-only except for the measuring flag and the kill time.
struct run_plan : load_plan {
  options opts;
  std::atomic<int64_t> kill_ns{-1};  // when the failover kill was sent; -1: not yet
  std::atomic<int64_t> window_start_ns{0};  // since origin_ns; set before measuring
};

class load_driver final : public io_runner, private ws_handler {
public:
  /// Drives users [first, first + count) of `plan`.
  load_driver(run_plan& plan, uint32_t first, uint32_t count);
  // Stops the io thread before the users it serves go.
  ~load_driver() { stop(); }
  load_driver(const load_driver&) = delete;
  load_driver& operator=(const load_driver&) = delete;

  void log_in_all();
  void start_traffic();
  void stop_traffic();
  void close_all();
  /// The window's figures; the window is closed by clearing plan.measuring first.
  std::future<window_stats> take_window();
  std::future<run_totals> totals();
  std::future<failover_stats> failover();
  // start() and stop() (connections still open are dropped): io_runner.

  // -- after stop() ----
  /// Points sent[u] at the records of each user u of this driver.
  void lend_records(std::vector<std::vector<sent_record>*>& sent);
  const std::vector<arrival>& arrivals() const { return arrivals_; }

private:
  struct user {
    std::unique_ptr<ws_client> client;
    uint32_t number = 0;       // global user number
    uint32_t server = 0;       // index of the server it is connected or connecting to
    bool logged_in = false;    // the first login succeeded
    bool online = false;       // the current connection got its welcome
    std::string token;         // from the first welcome
    std::vector<sent_record> sent;  // by sequence number
    uint64_t first_unacked = 0;     // every send below this is acked or refused
    // -- failover ----
    uint32_t reconnect_attempts = 0;
    bool cut = false;           // the kill cut its connection
    bool cut_served = false;    // acked again after reconnecting
    bool sent_after_kill = false;
    bool served_after_kill = false;
  };

  // -- ws_handler ----
  void on_open(ws_client& c) override;
  void on_text(ws_client& c, std::string& text) override;
  void on_closed(ws_client& c, const close_info& info) override;

  // -- login ----
  void start_logins();
  void connect(user& u);
  void on_login_frame(user& u, const server_frame& f);

  // -- reconnecting (load_reconnect.cpp) ----
  void on_cut(user& u, bool was_online);
  void reconnect_later(user& u, int64_t delay_ns);
  void on_reconnected(user& u);
  void resend_later(user& u, uint64_t seq);
  void resend(user& u, uint64_t seq);
  void note_failover_ack(user& u, sent_record& rec);
  bool cut_by_kill(const user& u) const;

  // -- traffic ----
  void on_ack(user& u, const server_frame& f);
  void on_msg(user& u, const server_frame& f);
  void on_receipt(user& u, const server_frame& f);
  void on_error(user& u, const server_frame& f);
  sent_record* record_of(user& u, std::string_view id);
  void send_one(user& u);
  void write_send(user& u, uint64_t seq);
  void pace();
  uint32_t pick_recipient(uint32_t sender);
  bool measuring() const { return plan_.measuring.load(std::memory_order_acquire); }
  int64_t kill_time() const { return plan_.kill_ns.load(std::memory_order_acquire); }
  int64_t now() const;

  run_plan& plan_;
  pacer pacer_;
  std::vector<user> users_;
  // Connections replaced by a reconnect: kept until the end, since their completion
  // handlers may still be queued.
  std::vector<std::unique_ptr<ws_client>> retired_;
  uint32_t next_login_ = 0;
  uint32_t logins_in_flight_ = 0;
  bool traffic_ = false;
  bool closing_ = false;       // close_all() ran: no new logins
  uint64_t paced_ = 0;        // sends issued by the pacer so far
  size_t next_sender_ = 0;
  uint64_t rng_;
  uint32_t acks_ = 0;         // first acks so far: the next one's rank
  std::unordered_set<uint64_t> seen_;  // message_key of every msg that arrived here
  std::vector<arrival> arrivals_;
  server_frame frame_;        // reused: its parsed value keeps its memory
  std::string out_;           // the frame being built
  window_stats window_;
  run_totals totals_;
  failover_stats failover_;
};

} // namespace parley::bench
