#pragma once

// mailbox:<user>: the transient store of everything waiting for one user. A virtual
// actor: started on first use by the mailbox supervisor, stopped when idle, and after a
// crash restarted from what the store committed.
//
//   loading --(snapshot)--> running          (a registered user)
//           \-------------> unknown_user --(attach: the user registered)--> running
//
// Messages (running):
//   (deliver_atom, mailbox_item)        -> int64_t ts   a message for the owner; answered
//                                          once committed (a repeated (sender, group, id)
//                                          answers the original ts and is not delivered)
//   (receipt_atom, mailbox_item)        -> unit         a receipt for the owner
//   (confirm_atom, confirm_request)                     the owner's delivered / read
//   (attach_atom, caf::actor session)   -> unit         push everything to this session
//   (inbox_atom, int64_t wait_ms)       -> std::vector<mailbox_item>   REST long poll
//   (handed_atom, std::vector<int64_t>)                 receipts the session's socket wrote
//   (view_changed_atom, uint64_t)                       the cluster changed: stop if the
//                                                       owner is now served elsewhere
// To the attached session: (push_atom, mailbox_item).
// To the push notifier, for a new message while no session is attached:
// (notify_atom, push_notice), fire and forget.
//
// In a cluster the mailbox runs on the owner's primary node and keeps the copies on the
// replicas in step: a message is acked once the local store and every replica's store
// committed it; delivered/read and handed-over receipts are applied to the copies by the
// message's identity. On start it first merges in the replicas' copies, so a node that
// takes over (or comes back with an old or empty data dir) serves the newest state.

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/node_metrics.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

struct local_virtual_actors;  // actors/placement.hpp

struct mailbox_state;

struct mailbox_settings {
  std::chrono::seconds idle_after{60};  // stop after this long without use
  size_t inbox_batch = 1000;            // messages, and receipts, per long-poll answer
  const cluster_view* cluster = nullptr;  // none: a node of its own, no copies
  bool push = false;  // a push notifier runs (--push-webhook): tell it of offline messages
  const local_virtual_actors* local = nullptr;  // none: routers ask the supervisors
};

caf::behavior mailbox(caf::stateful_actor<mailbox_state>* self, std::string owner,
                      mailbox_settings settings, node_metrics* metrics);

/// Spawns mailbox:<owner> linked to its supervisor `sup`.
caf::actor spawn_mailbox(caf::local_actor* sup, const std::string& owner,
                         const mailbox_settings& settings, node_metrics* metrics);

} // namespace parley
