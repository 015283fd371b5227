#include "bench/load_driver.hpp"

// The traffic half of load_driver: sends, and what the answers to them are worth.

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <boost/asio/post.hpp>

#include "bench/bench_frames.hpp"

namespace parley::bench {

namespace {

// The pacer never sleeps less than this: at high rates it sends small bursts instead of
// waking once per message.
constexpr int64_t min_pace_gap_ns = 100'000;

} // namespace

// -- traffic --------------------------------------------------------------------------

void load_driver::start_traffic() {
  boost::asio::post(io_, [this] {
    traffic_ = true;
    if (plan_.opts.rate <= 0) {
      for (auto& u : users_)
        for (uint32_t i = 0; i < plan_.opts.window && u.logged_in; ++i)
          send_one(u);
      return;
    }
    double share = static_cast<double>(users_.size()) / plan_.opts.users;
    rate_per_ns_ = plan_.opts.rate * share * 1e-9;
    pace_start_ = now();
    paced_ = 0;
    pace();
  });
}

void load_driver::stop_traffic() {
  boost::asio::post(io_, [this] {
    traffic_ = false;
    pacer_.cancel();
  });
}

void load_driver::pace() {
  if (!traffic_)
    return;
  auto t = now();
  auto due = static_cast<uint64_t>(static_cast<double>(t - pace_start_) * rate_per_ns_);
  while (paced_ < due) {
    user* sender = nullptr;
    for (size_t tries = 0; tries < users_.size() && !sender; ++tries) {
      auto& candidate = users_[next_sender_];
      next_sender_ = (next_sender_ + 1) % users_.size();
      if (candidate.logged_in && candidate.client->is_open())
        sender = &candidate;
    }
    if (!sender) {
      paced_ = due;  // nobody can send: the slots are lost, not saved for a burst later
      break;
    }
    if (measuring()) {
      auto slot = pace_start_ + static_cast<int64_t>(static_cast<double>(paced_) / rate_per_ns_);
      window_.pacing_lag.record(t - slot);
    }
    send_one(*sender);
    ++paced_;
  }
  auto next = pace_start_ + static_cast<int64_t>(static_cast<double>(paced_ + 1) / rate_per_ns_);
  next = std::max(next, t + min_pace_gap_ns);
  pacer_.expires_at(std::chrono::steady_clock::time_point{
    std::chrono::nanoseconds{next + plan_.origin_ns}});
  pacer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      pace();
  });
}

uint32_t load_driver::pick_recipient(uint32_t sender) {
  // xorshift64*: the recipient choice must cost nothing next to a send.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  auto r = static_cast<uint32_t>(((rng_ * 0x2545F4914F6CDD1DULL) >> 32) % (plan_.opts.users - 1));
  return r >= sender ? r + 1 : r;
}

void load_driver::send_one(user& u) {
  if (!u.client || !u.client->is_open())
    return;
  auto to = pick_recipient(u.number);
  out_.clear();
  append_send(out_, u.next_seq++, to, plan_.names[to], now(), plan_.body);
  u.client->send_text(out_);
  ++totals_.sent;
  if (measuring())
    ++window_.sent;
}

void load_driver::on_ack(user& u, const server_frame& f) {
  auto id = parse_message_id(f.id);
  if (!id) {
    ++totals_.unknown_frames;
    return;
  }
  ++totals_.acked;
  if (id->to < u.to_recipient.size())
    check_order(u.to_recipient[id->to], *id, plan_.names[u.number], plan_.names[id->to], "acked",
                totals_.ack_order_violations);
  if (measuring()) {
    ++window_.acked;
    window_.ack.record(now() - id->sent_ns);
  }
  if (traffic_ && plan_.opts.rate <= 0)
    send_one(u);
}

void load_driver::on_msg(user& u, const server_frame& f) {
  auto id = parse_message_id(f.id);
  if (!id) {
    ++totals_.unknown_frames;
    return;
  }
  ++totals_.received;
  if (measuring()) {
    ++window_.received;
    window_.e2e.record(now() - id->sent_ns);
  }
  if (auto sender = user_number(f.from); sender && *sender < u.from_sender.size())
    check_order(u.from_sender[*sender], *id, f.from, plan_.names[u.number], "delivered",
                totals_.order_violations);
  out_.clear();
  append_delivered(out_, f.from, f.id);
  u.client->send_text(out_);
}

// Per (sender, recipient) pair, sequence numbers must rise. A sender writes a pair's sends
// in order on one socket, so a chat user expects acks and arrivals in that order; PROTOCOL.md
// section 4 promises arrival in ack order. Checking both sides tells which one broke.
void load_driver::check_order(pair_order& pair, const message_id& id, std::string_view from,
                              std::string_view to, const char* what, uint64_t& violations) {
  ++pair.seen;
  if (id.seq + 1 > pair.next_seq) {
    pair.next_seq = static_cast<uint32_t>(id.seq + 1);
    return;
  }
  ++violations;
  if (totals_.order_samples.size() >= max_order_samples)
    return;
  // Which frame of the pair it was tells whether only a pair's first messages are hit.
  char detail[96];
  std::snprintf(detail, sizeof(detail), " (frame %u of the pair, sent at +%.3f s)", pair.seen,
                static_cast<double>(id.sent_ns) / 1e9);
  totals_.order_samples.push_back(std::string{from} + " -> " + std::string{to} + " " + what
                                  + " seq " + std::to_string(id.seq) + " after seq "
                                  + std::to_string(pair.next_seq - 1) + detail);
}

void load_driver::on_receipt(const server_frame& f) {
  auto id = parse_message_id(f.id);
  if (!id || f.status != "delivered") {
    ++totals_.unknown_frames;
    return;
  }
  ++totals_.receipts;
  if (measuring()) {
    ++window_.receipts;
    window_.receipt.record(now() - id->sent_ns);
  }
}

void load_driver::on_error(const server_frame& f) {
  ++totals_.errors[std::string{f.code}];
  if (f.id.empty())
    return;
  // Only sends carry ids here. The slot is not refilled: after rate_limited that would
  // only hammer the limiter; the error count shows the window shrank.
  ++totals_.send_errors;
}

} // namespace parley::bench
