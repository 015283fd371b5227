#pragma once

// copier: carries what this node's mailboxes commit to their replicas' stores. Every
// mailbox that is primary for its owner hands it each new item (and each delivered/read
// change); it sends each replica store one message per turn with all of them, so flat
// out a few cluster messages carry what would be one per item. It runs on the worker
// beside the mailboxes, not behind the local store: a mailbox's local commit and its
// copies go out together, and the ack waits for the later of the two.
//
//   (replicate_atom, std::string owner, mailbox_item, std::vector<caf::actor> stores)
//       -> (empty) once every store committed its copy; an error when one refused, went
//          down, or the view shows its node down (the mailbox then copies it itself)
//   (status_atom, item_change, std::vector<caf::actor> stores) -> (empty) at once
//       the change goes with the next copies; alone, in a message that wants no answer
//       (answered only so that a sender whose copier is gone can tell: the registry
//       keeps a stopped actor's handle until its restart replaces it)
//   (view_changed_atom, uint64_t epoch)   from the membership
//
// To a store: (replicate_atom, std::vector<copied_item>, std::vector<item_change>) -> ()
// and (replicate_atom, std::vector<item_change>) (actors/store.hpp).
//
// No CAF timeout on these requests, as on the rest of the message path (architecture.md,
// "The cluster"): a store that answers nothing is one that is gone, and its down message
// (or the view, for a node that hangs) fails what it holds.
//
// Registered as "copier".

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

struct copier_state;

caf::behavior copier(caf::stateful_actor<copier_state>* self, const cluster_view* cluster);

/// Spawns the copier linked to `sup` and registers it.
caf::actor start_copier(caf::local_actor* sup, const cluster_view* cluster);

} // namespace parley
