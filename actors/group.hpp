#pragma once

// group:<gid>: one group chat, on the group's primary node. A virtual actor like a
// mailbox: started on first use by the group supervisor, stopped when idle, and after a
// crash restarted from the store.
//
//   loading --(newest of the local and the replicas' copies)--> running
//
// Every change is committed on all the group's nodes before it is answered, so a node
// that takes over has the group as its last answer left it. A send fans out into each
// member's mailbox (the sender's own excepted) and is answered once every one of them
// committed it; the members then confirm to the sender's mailbox as for any message,
// with the group in the receipt.
//
// Messages (running); `user` is who asks:
//   (group_create_atom, group_record proposal)   -> group_record   a new group
//   (group_add_atom, user, std::vector<string>)  -> group_record   owner only
//   (group_remove_atom, user, std::vector<string>) -> group_record owner only
//   (group_leave_atom, user)                     -> group_record
//   (group_info_atom, user)                      -> group_record   members only
//   (group_send_atom, mailbox_item)              -> int64_t ts     from a member
//   (view_changed_atom, uint64_t)                                  stop if moved away
// Errors: unknown_group, not_member, forbidden, unknown_user, too_large, unavailable.

#include <chrono>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/node_metrics.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

struct group_state;

struct group_settings {
  std::chrono::seconds idle_after{60};
  size_t max_members = 1024;
  const cluster_view* cluster = nullptr;  // none: a node of its own, no copies
};

caf::behavior group(caf::stateful_actor<group_state>* self, std::string gid,
                    group_settings settings, node_metrics* metrics);

/// Spawns group:<gid> linked to its supervisor `sup`.
caf::actor spawn_group(caf::local_actor* sup, const std::string& gid,
                       const group_settings& settings, node_metrics* metrics);

} // namespace parley
