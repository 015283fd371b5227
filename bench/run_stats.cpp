#include "bench/run_stats.hpp"

namespace parley::bench {

namespace {

void add_all(std::map<std::string, uint64_t>& into, const std::map<std::string, uint64_t>& from) {
  for (const auto& [key, n] : from)
    into[key] += n;
}

} // namespace

void window_stats::merge(const window_stats& other) {
  sent += other.sent;
  acked += other.acked;
  received += other.received;
  receipts += other.receipts;
  ack.merge(other.ack);
  e2e.merge(other.e2e);
  receipt.merge(other.receipt);
  pacing_lag.merge(other.pacing_lag);
  if (ack_by_slice.size() < other.ack_by_slice.size())
    ack_by_slice.resize(other.ack_by_slice.size());
  for (size_t i = 0; i < other.ack_by_slice.size(); ++i)
    ack_by_slice[i].merge(other.ack_by_slice[i]);
}

void run_totals::count_failed_login(const char* why) {
  ++login_failed;
  ++disconnects[std::string{"before login: "} + why];
}

void run_totals::count_disconnect(const char* why, uint16_t code) {
  std::string cause = why;
  if (code != 0)
    cause += " (status " + std::to_string(code) + ")";
  ++disconnects[cause];
}

void run_totals::merge(const run_totals& other) {
  users += other.users;
  logged_in += other.logged_in;
  login_failed += other.login_failed;
  open += other.open;
  sent += other.sent;
  acked += other.acked;
  send_errors += other.send_errors;
  received += other.received;
  receipts += other.receipts;
  resent += other.resent;
  duplicate_acks += other.duplicate_acks;
  duplicate_msgs += other.duplicate_msgs;
  duplicate_receipts += other.duplicate_receipts;
  unknown_frames += other.unknown_frames;
  add_all(errors, other.errors);
  add_all(disconnects, other.disconnects);
}

} // namespace parley::bench
