#include "bench/load_driver.hpp"

// The traffic half of load_driver: sends, and what the answers to them are worth.

#include <algorithm>

#include <boost/asio/post.hpp>

#include "bench/bench_frames.hpp"

namespace parley::bench {

// -- traffic --------------------------------------------------------------------------

void load_driver::start_traffic() {
  boost::asio::post(io_, [this] {
    traffic_ = true;
    if (plan_.opts.rate <= 0) {
      for (auto& u : users_)
        for (uint32_t i = 0; i < plan_.opts.window && u.online; ++i)
          send_one(u);
      return;
    }
    double share = static_cast<double>(users_.size()) / plan_.opts.users;
    pacer_.start(plan_.opts.rate * share, now());
    paced_ = 0;
    pace();
  });
}

void load_driver::stop_traffic() {
  boost::asio::post(io_, [this] {
    traffic_ = false;
    pacer_.stop();
  });
}

void load_driver::pace() {
  if (!traffic_)
    return;
  auto t = now();
  auto due = pacer_.due(t);
  while (paced_ < due) {
    user* sender = nullptr;
    for (size_t tries = 0; tries < users_.size() && !sender; ++tries) {
      auto& candidate = users_[next_sender_];
      next_sender_ = (next_sender_ + 1) % users_.size();
      if (candidate.online && candidate.client->is_open())
        sender = &candidate;
    }
    if (!sender) {
      paced_ = due;  // nobody can send: the slots are lost, not saved for a burst later
      break;
    }
    if (measuring())
      window_.pacing_lag.record(t - pacer_.slot_time(paced_));
    send_one(*sender);
    ++paced_;
  }
  pacer_.wait_for(paced_, t, [this] { pace(); });
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
  if (!u.online || !u.client->is_open())
    return;
  auto to = pick_recipient(u.number);
  auto seq = u.sent.size();
  u.sent.push_back(sent_record{now(), to});
  write_send(u, seq);
  ++totals_.sent;
  if (measuring())
    ++window_.sent;
  if (!u.sent_after_kill && kill_time() >= 0) {
    u.sent_after_kill = true;
    ++failover_.sent_after_kill;
  }
}

// The id carries the first send's time, so a resend's ack counts from the first send.
void load_driver::write_send(user& u, uint64_t seq) {
  const auto& rec = u.sent[seq];
  out_.clear();
  append_send(out_, seq, rec.to, plan_.names[rec.to], rec.sent_ns, plan_.body);
  u.client->send_text(out_);
}

sent_record* load_driver::record_of(user& u, std::string_view id) {
  auto parsed = parse_message_id(id);
  if (!parsed || parsed->seq >= u.sent.size()) {
    ++totals_.unknown_frames;
    return nullptr;
  }
  return &u.sent[parsed->seq];
}

void load_driver::on_ack(user& u, const server_frame& f) {
  auto* rec = record_of(u, f.id);
  if (!rec)
    return;
  if (rec->ack_rank != 0) {
    ++totals_.duplicate_acks;
    return;
  }
  rec->ack_rank = ++acks_;
  ++totals_.acked;
  if (measuring()) {
    ++window_.acked;
    auto t = now();
    window_.ack.record(t - rec->sent_ns);
    if (plan_.opts.slice_s > 0) {
      auto slice_ns = static_cast<int64_t>(plan_.opts.slice_s * 1e9);
      auto index = static_cast<size_t>(
        std::max<int64_t>(0, t - plan_.window_start_ns.load(std::memory_order_acquire))
        / slice_ns);
      if (window_.ack_by_slice.size() <= index)
        window_.ack_by_slice.resize(index + 1);
      window_.ack_by_slice[index].record(t - rec->sent_ns);
    }
  }
  if (plan_.opts.failover())
    note_failover_ack(u, *rec);
  while (u.first_unacked < u.sent.size()
         && (u.sent[u.first_unacked].ack_rank != 0 || u.sent[u.first_unacked].refused))
    ++u.first_unacked;
  if (traffic_ && plan_.opts.rate <= 0)
    send_one(u);
}

// After a reconnect the node may push a message again: it is answered with `delivered`
// again (the node pushes until it hears that) but counted once, as a client shows it once.
void load_driver::on_msg(user& u, const server_frame& f) {
  auto id = parse_message_id(f.id);
  auto sender = user_number(f.from);
  if (!id || !sender) {
    ++totals_.unknown_frames;
    return;
  }
  if (seen_.insert(message_key(*sender, id->seq)).second) {
    ++totals_.received;
    arrivals_.push_back(arrival{*sender, u.number, id->seq});
    if (measuring()) {
      ++window_.received;
      window_.e2e.record(now() - id->sent_ns);
    }
  } else {
    ++totals_.duplicate_msgs;
  }
  out_.clear();
  append_delivered(out_, f.from, f.id);
  u.client->send_text(out_);
}

void load_driver::on_receipt(user& u, const server_frame& f) {
  auto* rec = f.status == "delivered" ? record_of(u, f.id) : nullptr;
  if (!rec) {
    if (f.status != "delivered")
      ++totals_.unknown_frames;
    return;
  }
  if (rec->receipt) {
    ++totals_.duplicate_receipts;
    return;
  }
  rec->receipt = true;
  ++totals_.receipts;
  if (measuring()) {
    ++window_.receipts;
    window_.receipt.record(now() - rec->sent_ns);
  }
}

// Only sends carry ids here. `unavailable` means the node could not reach durability yet
// and the same id may be sent again (PROTOCOL.md section 3). Any other error refuses the
// send, and its slot is not refilled: after rate_limited that would only hammer the
// limiter; the error count shows the window shrank.
void load_driver::on_error(user& u, const server_frame& f) {
  ++totals_.errors[std::string{f.code}];
  if (f.id.empty())
    return;
  auto* rec = record_of(u, f.id);
  if (!rec || rec->ack_rank != 0 || rec->refused)
    return;
  if (f.code == "unavailable") {
    resend_later(u, static_cast<uint64_t>(rec - u.sent.data()));
    return;
  }
  rec->refused = true;
  ++totals_.send_errors;
}

} // namespace parley::bench
