#pragma once

// fanout: puts one message into many mailboxes of this node. A group's actor sends one
// request per node holding members' mailboxes instead of one per member, so a message
// to a group of a thousand crosses to each other node once.
//
//   (deliver_many_atom, std::vector<std::string> users, mailbox_item) -> int64_t ts
//       answered once every user's mailbox committed the item: the earliest ts they
//       report (a repeat reports the time it was first stored). Fails with
//       `unavailable` if any mailbox did not commit, a mailbox that does not know its
//       owner included (members are registered users, and accounts are never deleted).
//
// Registered as "fanout"; other nodes find it among a member's services.

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

struct local_virtual_actors;  // actors/placement.hpp

struct fanout_state;

caf::behavior fanout(caf::stateful_actor<fanout_state>* self, const cluster_view* cluster,
                     const local_virtual_actors* local);

/// Spawns the fanout actor linked to `sup` and registers it.
caf::actor start_fanout(caf::local_actor* sup, const cluster_view* cluster,
                        const local_virtual_actors* local = nullptr);

} // namespace parley
