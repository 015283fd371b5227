#pragma once

// Inside mailbox:<user>: its state, and the helpers shared by the file of its handlers
// (mailbox.cpp) and the file that keeps its copies on the replicas in step
// (mailbox_copies.cpp). Nothing outside those two includes this header.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/mailbox.hpp"
#include "actors/mailbox_queue.hpp"
#include "actors/mailbox_router.hpp"
#include "actors/placement.hpp"
#include "runtime/answered_promise.hpp"

namespace parley {

struct mailbox_state {
  struct inbox_waiter {
    uint64_t token;
    answered_promise<caf::response_promise> promise;  // a long poll (REST inbox)
  };

  static inline const char* name = "mailbox";

  ~mailbox_state() {
    if (metrics)
      metrics->mailbox_depth.add(-static_cast<int64_t>(queue.size()));
  }

  std::string owner;
  mailbox_settings settings;
  node_metrics* metrics = nullptr;
  mailbox_queue queue;
  lazy_router peers;  // mailboxes of the owner's peers, for receipts
  mailbox_router& router() {
    return peers.get(settings.cluster, settings.local, 64, mailbox_actors, true);
  }
  snapshot_cache placement;
  // Whether this node serves the owner and where the copies go, under the snapshot of
  // `epoch` (mailbox_copies.cpp works it out once per epoch).
  struct owner_placement {
    uint64_t epoch = 0;
    std::vector<caf::actor> replicas;
    bool known = false;
    bool primary_here = true;
  } placed;
  caf::actor store;
  caf::actor session;  // the owner's live session, if attached
  // REST long polls and replication retries, each under a token of next_token. Rare, so
  // made on first use: an idle mailbox carries one pointer for them (memory per idle
  // session is a target, docs/benchmarks.md).
  struct waits {
    std::vector<inbox_waiter> inbox;
    std::vector<std::pair<uint64_t, std::function<void()>>> retries;
  };
  std::unique_ptr<waits> waiting;
  waits& waits_made() {
    if (!waiting)
      waiting = std::make_unique<waits>();
    return *waiting;
  }
  bool polled() const { return waiting && !waiting->inbox.empty(); }
  uint64_t next_token = 0;
  size_t in_flight = 0;  // appends sent to the store, not yet answered
  // Receipts pushed to the session but not yet written by its socket, by negative
  // local numbers (stored receipts have positive seqs).
  std::map<int64_t, mailbox_item> unwritten;
  int64_t last_unwritten = 0;
  caf::actor_clock::time_point last_used;
};

using mailbox_self = caf::stateful_actor<mailbox_state>*;

namespace mailbox_detail {

// -- mailbox.cpp ----------------------------------------------------------------------

void touch(mailbox_self self);
void depth_changed(mailbox_self self, int64_t delta);
/// The store lost a write or went away: crash, to be restarted from what was committed.
void store_failed(mailbox_self self, const caf::error& err, const char* during);
/// A committed item joins the queue and goes to the live session.
void arrived(mailbox_self self, const mailbox_item& item);

// -- mailbox_copies.cpp ---------------------------------------------------------------

/// Stops the mailbox (true) when another node serves its owner now.
bool moved_away(mailbox_self self);
/// The replicas' stores, where the copies of an append or a change go (none when
/// another node serves the owner now).
std::vector<caf::actor> copy_stores(mailbox_self self);
/// Commits `item` in every replica's store, then calls done(true); done(false) when the
/// replicas stayed out of reach (or this node stopped being primary) through all tries.
void replicate(mailbox_self self, const mailbox_item& item, std::function<void(bool)> done);

/// What an append came to.
struct appended {
  caf::error error;     // our store's; then nothing else is set
  stored_ref ref;       // our store's answer
  mailbox_item item;    // numbered and timed as our store holds it
  bool copied = false;  // every replica committed it too
};
/// Whether `done` waits for the copies replicate() makes when the copier could not.
enum class copies_before { done, nothing };
/// Commits `item` in our store and, at the same time, in the replicas' stores (through
/// the copier, actors/copier.hpp); calls `done` once both answered. A copy the copier
/// could not make is made by replicate(): before `done` (copies_before::done: an ack
/// waits for it) or after it (a receipt is queued at once).
void append_everywhere(mailbox_self self, mailbox_item item, copies_before done_when,
                       std::function<void(appended&)> done);
/// Sends a delivered/read change to the replicas' stores (through the copier).
void copy_change(mailbox_self self, item_change change);
/// A new cluster view: stop if another node serves the owner now, else fail the
/// requests waiting on nodes it shows down.
void view_changed(mailbox_self self);
/// Tells the replicas that a receipt was handed over.
void erase_receipt_copies(mailbox_self self, const mailbox_item& receipt);
/// Merges the replicas' copies into the local store, then calls `then`.
void merge_copies_then_load(mailbox_self self, std::function<void()> then);
/// Takes in items a merge added to the local store after the mailbox loaded.
void take_merged(mailbox_self self);
/// Runs the retry registered under `token` (retry_atom).
void run_retry(mailbox_self self, uint64_t token);

} // namespace mailbox_detail

} // namespace parley
