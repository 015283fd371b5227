#pragma once

// Every group message of a run, as its sender and its group's members saw it, and the
// check that needs all of them: each acked message reached every other member of its
// group exactly once, and each member got each sender's messages in the order they were
// acked (PROTOCOL.md section 4: per pair, arrival in ack order). A sender has at most one
// unacked send, so ack order is its send order, which is its sequence numbers.

#include <cstdint>
#include <string>
#include <vector>

namespace parley::bench {

/// What a sender knows about one of its group sends (indexed by its sequence number).
struct group_send {
  int64_t sent_ns = 0;     // relative to the run's origin
  bool acked = false;
  bool refused = false;    // answered by an error
  uint32_t receipts = 0;   // delivered receipts back, one per member
  uint32_t delivered = 0;  // members that got it, set by the check
};

/// One msg frame as a member received it, repeats included.
struct group_arrival {
  uint32_t member = 0;
  uint32_t sender = 0;
  uint64_t seq = 0;
};

struct group_ledger {
  uint32_t group_size = 0;
  std::vector<std::vector<group_send>> sent;  // by user number
  std::vector<group_arrival> arrivals;        // in the order they came
};

struct group_findings {
  uint64_t acked = 0;
  uint64_t expected = 0;           // acked * (group size - 1)
  uint64_t delivered = 0;          // first arrivals of acked messages
  uint64_t lost = 0;               // acked, and a member never got it
  uint64_t duplicates = 0;         // the same message again at a member
  uint64_t reordered = 0;          // arrived after a later message of its sender
  uint64_t delivered_unacked = 0;  // arrived, never acked (or refused)
  uint64_t misdelivered = 0;       // at a user outside the sender's group, or the sender
  uint64_t unknown = 0;            // no such send
  uint64_t without_receipt = 0;    // member deliveries whose receipt never came back
  std::vector<std::string> samples;  // the first few problems, for a repro

  bool clean() const {
    return lost == 0 && duplicates == 0 && reordered == 0 && delivered_unacked == 0
           && misdelivered == 0 && unknown == 0;
  }
};

/// Sets each send's `delivered`; `names[u]` names user u in the samples.
group_findings check_group_deliveries(group_ledger& ledger, const std::vector<std::string>& names);

} // namespace parley::bench
