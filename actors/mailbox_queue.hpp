#pragma once

// What a mailbox holds in memory, without any actor around it: the items waiting for the
// owner in arrival order, and the receipt state of each message the owner received.
// A message moves  waiting (sent) -> delivered -> read  and never back.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/frames.hpp"

namespace parley {

/// Delivered-but-unread messages a mailbox remembers for read receipts.
constexpr size_t delivered_kept_in_memory = 64;

class mailbox_queue {
public:
  explicit mailbox_queue(size_t delivered_capacity = delivered_kept_in_memory)
    : delivered_capacity_(delivered_capacity) {}

  /// Fills the queue from the store's snapshot (both in arrival order).
  void load(std::vector<mailbox_item> waiting, std::vector<mailbox_item> delivered);

  /// A committed item joins the queue. Items of a kind arrive in seq order; messages and
  /// receipts are numbered separately by the store.
  void append(mailbox_item item);

  /// Calls f(item) for the waiting items in the order they came: receipts and messages
  /// (numbered apart) merged by their times, each kind in arrival order, a receipt first
  /// at equal times; at most `limit_per_kind` of each kind, so that messages a client
  /// never confirms do not hold back the receipts that came after them.
  template <class F>
  void for_each(F f, size_t limit_per_kind = SIZE_MAX) const {
    auto r = receipts_.begin();
    auto m = messages_.begin();
    size_t receipts_left = limit_per_kind;
    size_t messages_left = limit_per_kind;
    for (;;) {
      bool receipt = r != receipts_.end() && receipts_left > 0;
      bool message = m != messages_.end() && messages_left > 0;
      if (receipt && (!message || r->second.ts <= m->second.ts)) {
        f((r++)->second);
        --receipts_left;
      } else if (message) {
        f((m++)->second);
        --messages_left;
      } else {
        return;
      }
    }
  }

  size_t size() const { return messages_.size() + receipts_.size(); }
  /// Messages waiting (receipts not counted).
  size_t messages() const { return messages_.size(); }
  bool empty() const { return messages_.empty() && receipts_.empty(); }

  struct confirm_result {
    enum outcome { changed, unchanged, unknown } what = unknown;
    int64_t seq = 0;
    receipt_status before = receipt_status::sent;
  };

  /// Applies `delivered` or `read` from the owner for the message (peer, group, id).
  /// `unknown` means the message is not in memory (ask the store); `unchanged` that it
  /// already reached `status`.
  confirm_result confirm(const std::string& peer, const std::string& group,
                         const std::string& id, receipt_status status);

  /// The group of the waiting message (peer, id), or nothing: for a `delivered` or
  /// `read` that leaves out the group (PROTOCOL.md names a message by sender and id).
  /// A scan of the waiting messages, done only when the exact key found nothing.
  std::optional<std::string> group_of(const std::string& peer, const std::string& id) const;

  /// Records a message the store found at `before` and that now reached `after`.
  void remember(const std::string& peer, const std::string& group, const std::string& id,
                int64_t seq, receipt_status after);

  /// Whether the item (by kind and seq) is waiting here.
  bool holds(const mailbox_item& item) const {
    const auto& items = item.kind == item_kind::receipt ? receipts_ : messages_;
    return items.count(item.seq) > 0;
  }

  /// The waiting message `id` from `peer` (in `group`), or null.
  const mailbox_item* waiting_message(const std::string& peer, const std::string& group,
                                      const std::string& id) const;

  /// The waiting receipt `seq`, or null.
  const mailbox_item* receipt(int64_t seq) const {
    auto i = receipts_.find(seq);
    return i == receipts_.end() ? nullptr : &i->second;
  }

  /// Removes the receipts among `seqs` still waiting; returns the ones removed.
  std::vector<int64_t> erase_receipts(const std::vector<int64_t>& seqs);

private:
  static std::string key_of(const std::string& peer, const std::string& group,
                            const std::string& id);
  void remember_delivered(const std::string& key, int64_t seq);

  // Delivered messages not yet read, newest last, as (hash of key, seq): a read usually
  // follows its delivered within seconds, and older ones are asked of the store. A small
  // flat ring keeps an idle mailbox at a few bytes (a std::deque allocates 600 at birth).
  // Keys are 64-bit hashes: two of 64 colliding is a 1 in 2^58 event.
  struct delivered_entry {
    size_t key_hash;
    int64_t seq;
  };

  size_t delivered_capacity_;
  std::map<int64_t, mailbox_item> messages_;            // waiting, by seq
  std::map<int64_t, mailbox_item> receipts_;            // waiting, by seq
  std::unordered_map<std::string, int64_t> waiting_seq_;  // message key -> seq
  std::vector<delivered_entry> delivered_;
  size_t delivered_next_ = 0;  // ring position of the next entry once full
};

} // namespace parley
