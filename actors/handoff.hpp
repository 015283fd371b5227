#pragma once

// handoff: keeps every user's data on the nodes the hash ring names for it.
//
// It watches membership. On every change of the cluster it tells the mailboxes and the
// sessions (they find out whether they must move), then, once the cluster has been
// quiet for a moment, walks every user this node holds data of:
//
//   this node is the user's primary   -> copy the mailbox and the user record to the
//                                         replicas (one may be new: a node died, or joined)
//   this node is no longer among the   -> copy them to the nodes that are, then drop the
//   user's nodes                          local mailbox rows
//   this node is a replica             -> nothing: the primary copies
//
// Copies merge monotonically on the receiving side, so a repeated or concurrent handoff
// does no harm. A pass that sees the cluster change again starts over.
//
// Messages besides the membership's:
//   (copy_atom, user)          -> unit     copy the user's data to its replicas now
//   (drop_replica_atom, user)  -> node id  fault: the user's first replica loses its
//                                          copy, which the primary then copies again
// Registered as "handoff"; other nodes find it among a member's services.

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/node_metrics.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

struct handoff_state;

caf::behavior handoff(caf::stateful_actor<handoff_state>* self, const cluster_view* cluster,
                      node_metrics* metrics);

/// Spawns the handoff actor linked to `sup`.
caf::actor start_handoff(caf::local_actor* sup, const cluster_view* cluster,
                         node_metrics* metrics);

} // namespace parley
