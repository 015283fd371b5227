#pragma once

// Inside the store: its state, its buffered writes, and the group commit (store_commit.cpp)
// that the file of its handlers (store.cpp) calls. Nothing outside those two includes
// this header. The store is the only actor that touches persistence/.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/node_metrics.hpp"
#include "persistence/checkpointer.hpp"
#include "persistence/group_store.hpp"
#include "persistence/mailbox_store.hpp"
#include "persistence/replica_store.hpp"
#include "persistence/sqlite_db.hpp"
#include "persistence/user_store.hpp"
#include "runtime/answered_promise.hpp"

namespace parley {

namespace store_detail {

// Answered even if the store stops with the write buffered (runtime/answered_promise).
using store_promise = answered_promise<caf::response_promise>;

struct append_op {
  mailbox_row row;
  store_promise promise;
};

// Copies of other nodes' items and changes: one message per turn of their primary's
// copier (actors/copier.hpp).
struct copies_op {
  std::vector<mailbox_row> rows;
  std::vector<item_change> changes;
  store_promise promise;
};
// Changes alone, in a message that wants no answer.
struct changes_op {
  std::vector<item_change> changes;
};
struct status_op {
  int64_t seq;
  int status;
};

struct erase_op {
  int64_t seq;
};
struct put_user_op {
  user_row row;
  store_promise promise;
};
struct touch_op {
  std::string user;
  int64_t last_seen;
};
// A receipt handed over on its primary, erased on a replica: addressed by its identity.
struct receipt_erase_op {
  std::string owner, peer, group, id;
  int status;
};
struct merge_op {
  std::string owner;
  mailbox_dump copy;
  store_promise promise;
};
struct drop_op {
  std::string owner;
  store_promise promise;
};

struct group_put_op {
  group_row row;
  store_promise promise;
};
struct group_drop_op {
  std::string gid;
  store_promise promise;
};

using write_op = std::variant<append_op, copies_op, changes_op, status_op, erase_op, put_user_op,
                              touch_op, receipt_erase_op, merge_op, drop_op, group_put_op,
                              group_drop_op>;

} // namespace store_detail

struct store_state {
  static inline const char* name = "store";

  std::unique_ptr<sqlite_db> db;
  std::optional<mailbox_store> mailboxes;
  std::optional<user_store> users;
  std::optional<replica_store> copies;
  std::optional<group_store> groups;
  // Owners whose rows a merge changed in the batch being committed: a mailbox running
  // here must read them (a copy may arrive after it loaded).
  std::vector<std::string> merged_owners;
  std::deque<store_detail::write_op> batch;  // taken from the front, max_ops_per_commit at a time
  std::deque<store_detail::touch_op> touches;  // last_seen updates, committed a few at a time
  bool flush_queued = false;
  std::unique_ptr<checkpointer> checkpoints;
  bool pass_timer_set = false;  // a tick asks for a background pass (store_commit.cpp)
  int wal_restart_frames = 0;
  // The background passes completed when the WAL was first seen full (none: not full).
  std::optional<uint64_t> wal_full_at_pass;
  node_metrics* metrics = nullptr;
  // Injected fault: until delay_until, every commit waits this long first (a slow disk).
  std::chrono::milliseconds delay{0};
  std::chrono::steady_clock::time_point delay_until;
};

namespace store_detail {

using self_ptr = caf::stateful_actor<store_state>*;

// -- store_commit.cpp -----------------------------------------------------------------

/// Buffers a write; a flush queued behind it commits it.
void buffer(self_ptr self, write_op op);

/// Queues a flush message (once) behind everything waiting in the store's mailbox.
void queue_flush(self_ptr self);

/// The tick a commit without a background pass set: asks for one now.
void pass_timer_fired(self_ptr self);
/// The flush message that queue_flush sent has come: commits the next batch.
void flush(self_ptr self);

/// Before a read: every buffered write is committed (last_seen updates may wait).
void commit_buffered(self_ptr self);

/// Before reading users, and at the end: everything buffered, the last_seen updates too.
void flush_all(self_ptr self);

/// Copies the WAL into the database through the store's own connection; the next commit
/// then starts the WAL over. False when busy (the background checkpoint runs) or failed.
bool checkpoint_here(self_ptr self, const char* why);

} // namespace store_detail

} // namespace parley
