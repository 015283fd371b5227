#include "bench/load_driver.hpp"

// The failover half of load_driver: reconnecting to the next node, resending what was not
// acked, and timing how long after the kill each client was served again.

#include <algorithm>
#include <chrono>

#include <boost/asio/post.hpp>

namespace parley::bench {

namespace {

// The first reconnect goes out at once (the next node is up; waiting only adds to the
// failover time), the following ones back off, as the client library does.
constexpr int64_t first_backoff_ns = 50'000'000;
constexpr int64_t max_backoff_ns = 1'000'000'000;
constexpr uint32_t max_reconnect_attempts = 30;
// After `unavailable` the node has already waited for a dead node's mailbox; resending at
// once would mostly meet the same dead end before the ring has moved on.
constexpr int64_t unavailable_pause_ns = 100'000'000;

} // namespace

bool load_driver::cut_by_kill(const user& u) const {
  return plan_.opts.failover() && kill_time() >= 0 && u.server == plan_.opts.killed_server();
}

void load_driver::on_cut(user& u, bool was_online) {
  int64_t delay = 0;
  if (was_online) {
    if (cut_by_kill(u) && !u.cut) {
      u.cut = true;
      ++failover_.cut;
    }
    u.reconnect_attempts = 0;
  } else {
    ++failover_.reconnect_failures;
    if (++u.reconnect_attempts >= max_reconnect_attempts) {
      ++failover_.gave_up;
      return;
    }
    delay = std::min(first_backoff_ns << std::min(u.reconnect_attempts - 1, 5u), max_backoff_ns);
  }
  u.server = (u.server + 1) % static_cast<uint32_t>(plan_.servers.size());
  reconnect_later(u, delay);
}

// Posted even without a delay: on_cut runs inside the old connection's callback, which
// must not see its ws_client replaced under it.
void load_driver::reconnect_later(user& u, int64_t delay_ns) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  timer->expires_after(std::chrono::nanoseconds{delay_ns});
  timer->async_wait([this, &u, timer](boost::system::error_code ec) {
    if (!ec && !closing_)
      connect(u);
  });
}

void load_driver::on_reconnected(user& u) {
  if (u.cut) {
    ++failover_.reconnected;
    failover_.relogin.record(now() - kill_time());
  }
  // In order, so each pair's resends reach the node in their first order.
  for (auto seq = u.first_unacked; seq < u.sent.size(); ++seq) {
    const auto& rec = u.sent[seq];
    if (rec.ack_rank == 0 && !rec.refused)
      resend(u, seq);
  }
}

void load_driver::resend_later(user& u, uint64_t seq) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  timer->expires_after(std::chrono::nanoseconds{unavailable_pause_ns});
  timer->async_wait([this, &u, seq, timer](boost::system::error_code ec) {
    const auto& rec = u.sent[seq];
    // Offline, the reconnect resends it.
    if (!ec && !closing_ && u.online && rec.ack_rank == 0 && !rec.refused)
      resend(u, seq);
  });
}

void load_driver::resend(user& u, uint64_t seq) {
  u.sent[seq].resent = true;
  u.sent[seq].late_ack = true;
  ++totals_.resent;
  write_send(u, seq);
}

void load_driver::note_failover_ack(user& u, sent_record& rec) {
  auto kill = kill_time();
  if (kill < 0)
    return;
  auto t = now();
  if (rec.sent_ns < kill) {
    rec.late_ack = true;
    failover_.in_flight.record(t - kill);
  } else if (!u.served_after_kill) {
    u.served_after_kill = true;
    failover_.served.record(t - kill);
    failover_.served_send.record(t - rec.sent_ns);
  }
  if (u.cut && !u.cut_served) {
    u.cut_served = true;
    failover_.cut_served.record(t - kill);
  }
}

} // namespace parley::bench
