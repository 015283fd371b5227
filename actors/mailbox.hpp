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
// To the attached session: (push_atom, mailbox_item).

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/node_metrics.hpp"

namespace parley {

struct mailbox_state;

struct mailbox_settings {
  std::chrono::seconds idle_after{60};  // stop after this long without use
  size_t inbox_batch = 1000;            // items per long-poll answer
};

caf::behavior mailbox(caf::stateful_actor<mailbox_state>* self, std::string owner,
                      mailbox_settings settings, node_metrics* metrics);

/// Spawns mailbox:<owner> linked to its supervisor `sup`.
caf::actor spawn_mailbox(caf::local_actor* sup, const std::string& owner,
                         const mailbox_settings& settings, node_metrics* metrics);

} // namespace parley
