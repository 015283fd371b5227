#pragma once

// The io thread of parley-group-bench and all its users. Groups are blocks of users:
// group g holds users [g * N, (g + 1) * N), and its first member creates it with the
// others once everyone is logged in. Then members send group messages: flat out, each
// group keeps `window` unacked messages in flight; paced, slots go round-robin over the
// groups. Either way a member has at most one unacked send, and within a group the turn
// passes to the next free member. Every member answers each msg with `delivered` (with
// the group) at once: the erase and the receipt are part of the work measured.
//
//   logging in --all welcome--> creating groups --all ok--> traffic --> closing
//
// The main thread talks to the driver through posts and futures (io_runner.hpp); all state
// below is touched on the driver's own thread.

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "bench/group_ledger.hpp"
#include "bench/group_options.hpp"
#include "bench/io_runner.hpp"
#include "bench/load_plan.hpp"
#include "bench/pacer.hpp"
#include "bench/run_stats.hpp"
#include "bench/server_frame.hpp"
#include "bench/ws_client.hpp"

namespace parley::bench {

/// What the driver shares with the main thread (load_plan.hpp), and the flags.
struct group_plan : load_plan {
  group_options opts;
};

/// What only a group run counts.
struct group_progress {
  uint32_t created = 0;         // groups
  uint32_t create_failed = 0;   // refused, or `unavailable` too often
  uint64_t skipped_slots = 0;   // paced: every member of the slot's group was waiting
};

class group_driver final : public io_runner, private ws_handler {
public:
  explicit group_driver(group_plan& plan);
  // Stops the io thread before the users it serves go.
  ~group_driver() { stop(); }
  group_driver(const group_driver&) = delete;
  group_driver& operator=(const group_driver&) = delete;

  void log_in_all();
  void create_groups();
  void start_traffic();
  void stop_traffic();
  void close_all();
  /// The window's figures; the window is closed by clearing plan.measuring first.
  std::future<window_stats> take_window();
  std::future<run_totals> totals();
  std::future<group_progress> progress();
  // start() and stop() (connections still open are dropped): io_runner.

  // -- after stop() ----
  /// Every message sent and every msg received, checked (group_ledger.hpp).
  group_findings check() { return check_group_deliveries(ledger_, plan_.names); }

private:
  struct user {
    std::unique_ptr<ws_client> client;
    bool logged_in = false;
    bool busy = false;  // a send waits for its answer
  };
  struct group_slot {
    std::string gid;           // empty until created
    uint32_t next_sender = 0;  // member whose turn it is
    uint32_t in_flight = 0;
    uint32_t create_attempts = 0;
  };

  // -- ws_handler ----
  void on_open(ws_client& c) override;
  void on_text(ws_client& c, std::string& text) override;
  void on_closed(ws_client& c, const close_info& info) override;

  // -- login and setup ----
  void start_logins();
  void on_login_frame(uint32_t n, const server_frame& f);
  void send_create(uint32_t g);
  void on_create_answer(uint32_t g, const server_frame& f);

  // -- traffic ----
  bool send_in_group(uint32_t g);
  void pace();
  void on_ack(uint32_t n, const server_frame& f);
  void on_msg(uint32_t n, const server_frame& f);
  void on_receipt(uint32_t n, const server_frame& f);
  void on_error(uint32_t n, const server_frame& f);
  void write_send(uint32_t n, uint64_t seq);
  void resend_later(uint32_t n, uint64_t seq);
  group_send* send_of(uint32_t n, std::string_view id);
  void answered(uint32_t n);
  bool measuring() const { return plan_.measuring.load(std::memory_order_relaxed); }
  int64_t now() const;

  group_plan& plan_;
  uint32_t size_;  // members per group
  pacer pacer_;
  std::vector<user> users_;
  std::vector<group_slot> groups_;
  group_ledger ledger_;
  uint32_t next_login_ = 0;
  uint32_t logins_in_flight_ = 0;
  bool traffic_ = false;
  bool closing_ = false;
  uint64_t paced_ = 0;
  uint32_t next_group_ = 0;   // paced: the group whose turn it is
  group_progress progress_;
  server_frame frame_;
  std::string out_;
  window_stats window_;
  run_totals totals_;
};

} // namespace parley::bench
