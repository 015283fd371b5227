#pragma once

// The store: the only actor that touches SQLite. It runs detached (its own thread) so
// that SQLite's blocking calls never hold a scheduler thread.
//
// Group commit: writes are buffered as they arrive and a flush message is queued behind
// them; the flush commits everything buffered in one transaction and only then answers
// the requests, so an answer means "committed". Whatever arrives during a commit is
// committed by the next one. Reads flush first, so they see every earlier write.
//
// Messages:
//   (append_atom, std::string owner, mailbox_item)      -> stored_ref
//       messages and receipts are numbered separately: a seq names a message or a
//       receipt depending on the item's kind
//   (status_atom, int64_t seq, receipt_status)            message delivered/read: body dropped
//   (erase_atom, int64_t seq)                             receipt handed over: row deleted
//   (load_atom, std::string owner)                      -> mailbox_snapshot
//   (find_atom, owner, peer, group, id)                 -> mailbox_item (seq 0: none);
//       an empty group finds a group message too when no one-to-one one matches
//   (put_user_atom, user_record)                        -> (empty) once committed
//   (touch_atom, std::string user, int64_t last_seen)     raise last_seen
//   (load_users_atom)                                   -> std::vector<user_record>
//   (dump_atom, owner)                                  -> mailbox_copy (every row)
//   (merge_atom, owner, mailbox_copy)                   -> int64_t rows changed
//   (erase_atom, owner, peer, group, id, receipt_status)   a replica's receipt handed over
//   (replicate_atom, std::vector<copied_item>, std::vector<item_change>) -> (empty)
//       a replica's part of its primary's commits (actors/copier.hpp), once committed;
//       a change raises the status of the copy it names (by identity), never lowers it
//   (replicate_atom, std::vector<item_change>)            the same for changes alone
//   (drop_atom, owner)                                  -> (empty) the owner's rows deleted
//   (owners_atom)                                       -> std::vector<std::string>
//   (delay_atom, int64_t ms, int64_t seconds)             fault: commits wait `ms` first
//   (group_put_atom, group_record)                      -> bool: stored (it was newer)
//   (group_get_atom, gid)                               -> group_record (version 0: none)
//   (group_list_atom)                                   -> std::vector<group_record>
//   (group_drop_atom, gid)                              -> (empty) the copy deleted

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/node_metrics.hpp"
#include "runtime/config.hpp"

namespace parley {

struct store_state;

caf::behavior store(caf::stateful_actor<store_state>* self, store_settings settings,
                    node_metrics* metrics);

/// Spawns the store linked to `sup` (on its own thread unless `detached` is false) and
/// registers it as "store".
caf::actor start_store(caf::local_actor* sup, const store_settings& settings,
                       node_metrics* metrics, bool detached = true);

} // namespace parley
