#pragma once

// What the io threads count. Each thread fills its own copies; the main thread merges
// them after asking each thread for a snapshot, so no counter is shared while hot.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/latency_histogram.hpp"

namespace parley::bench {

/// Counted only while the measurement window is open (warmup and drain excluded).
struct window_stats {
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t received = 0;  // msg frames at recipients
  uint64_t receipts = 0;  // delivered receipts back at senders
  latency_histogram ack;      // send -> ack at the sender
  latency_histogram e2e;      // send -> msg at the recipient
  latency_histogram receipt;  // send -> receipt back at the sender
  latency_histogram pacing_lag;  // paced mode: how late a send left after its slot
  // --slices: ack latency by the slice of the window the ack came in (30 KB a slice).
  std::vector<latency_histogram> ack_by_slice;

  void merge(const window_stats& other);
};

/// Counted over the whole run, to find lost messages and failures. Every count of messages
/// counts each (sender, id) once, however often it was resent, acked or pushed.
struct run_totals {
  uint64_t users = 0;
  uint64_t logged_in = 0;
  uint64_t login_failed = 0;
  uint64_t open = 0;          // connections not yet ended
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t send_errors = 0;   // sends refused by an error frame (`unavailable` is retried)
  uint64_t received = 0;
  uint64_t receipts = 0;
  uint64_t resent = 0;             // sends repeated with their id
  uint64_t duplicate_acks = 0;
  uint64_t duplicate_msgs = 0;     // pushed again after a reconnect, dropped by (sender, id)
  uint64_t duplicate_receipts = 0;
  uint64_t unknown_frames = 0;
  std::map<std::string, uint64_t> errors;       // error frames, by code
  std::map<std::string, uint64_t> disconnects;  // unplanned connection ends, by cause

  void merge(const run_totals& other);

  /// A connection that ended before its welcome.
  void count_failed_login(const char* why);
  /// A connection that ended unplanned: `why`, with the close status when there was one.
  void count_disconnect(const char* why, uint16_t code);

  /// True when every send is answered, every acked message arrived and every arrival
  /// produced a receipt.
  bool settled() const {
    return acked + send_errors >= sent && received >= acked && receipts >= received;
  }
};

} // namespace parley::bench
