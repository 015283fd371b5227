#pragma once

// Every message of a run, as its sender and its recipient saw it, and the checks that need
// all of them at once: nothing acked is lost, and each (sender, recipient) pair arrives in
// ack order (PROTOCOL.md section 4). The io threads fill their own records; the main
// thread checks them after the drivers stopped.
//
// A message's key is (sender, seq): the sender's sequence numbers run 0, 1, 2, ..., so its
// records are a vector indexed by seq. After a reconnect the node may push a message again
// (delivery is at least once); the recipient drops repeats of a key, as a client would.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

/// What a sender knows about one of its sends.
struct sent_record {
  int64_t sent_ns = 0;     // first send, relative to the run's origin
  uint32_t to = 0;         // recipient's user number
  uint32_t ack_rank = 0;   // when its first ack came, counted per io thread from 1; 0: not yet
  bool resent = false;     // sent again with its id (after a reconnect, or `unavailable`)
  bool late_ack = false;   // resent, or sent before the failover kill and acked after it
  bool refused = false;    // answered by an error other than `unavailable`
  bool receipt = false;    // its delivered receipt came back
  bool delivered = false;  // set by check_deliveries
};

/// The first arrival of a message at its recipient.
struct arrival {
  uint32_t sender = 0;
  uint32_t recipient = 0;
  uint64_t seq = 0;
};

/// Packs (sender, seq) into one word, for the recipients' sets of keys seen.
inline uint64_t message_key(uint32_t sender, uint64_t seq) {
  return (uint64_t{sender} << 40) | seq;
}

constexpr size_t max_problem_samples = 8;

struct delivery_findings {
  uint64_t acked = 0;
  uint64_t lost = 0;                // acked, never delivered
  uint64_t delivered_unacked = 0;   // delivered, never acked (acks cut off by a dead node)
  uint64_t delivered_refused = 0;   // delivered although the node refused the send
  uint64_t misdelivered = 0;        // arrived at someone other than its recipient
  uint64_t unknown = 0;             // arrived, but no such send was made
  uint64_t without_receipt = 0;     // delivered, its receipt never back
  // A pair's message that arrived after one acked later. A late ack (see sent_record) is
  // excepted as the earlier one: it tells when the client heard, not when the node
  // committed; a message committed before the kill may arrive first and be acked last.
  uint64_t order_violations = 0;
  // A pair's message acked before an earlier send of the pair (late acks excepted). A node
  // may do this after a failover (PROTOCOL.md promises arrival in ack order only).
  uint64_t ack_order_violations = 0;
  std::vector<std::string> samples;  // the first few problems, for a repro
};

/// `sent[u]` holds user u's records (nullptr: none), whose `delivered` flags it sets;
/// `arrivals` is every first arrival, each recipient's in the order they came. `names[u]`
/// is user u's id, for the samples.
delivery_findings check_deliveries(std::vector<std::vector<sent_record>*>& sent,
                                   const std::vector<arrival>& arrivals,
                                   const std::vector<std::string>& names);

} // namespace parley::bench
