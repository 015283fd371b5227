#pragma once

// The directory: every user's identity key and last seen time (durable, in the store),
// plus soft state rebuilt from live sessions: who is online, and who wants to hear when
// they come and go.
//
//   loading --(users read from the store)--> running
//
// Messages (running):
//   (login_atom, user, key, caf::actor session) -> login_reply | auth_failed
//       key empty: a token login, the user must exist. Otherwise trust on first use:
//       a new user's key is stored before the answer; a known user must bring that key.
//       The user's previous session, if any, gets (replaced_atom). An invalid session
//       handle only checks or registers the key (REST token requests).
//   (presence_atom, user)                       -> presence_info | unknown_user
//   (subscribe_atom, std::vector<std::string>, caf::actor subscriber) -> unit | unknown_user
//       first sends the subscriber (presence_atom, presence_info, true) per user: a snapshot
//       the subscriber then gets (presence_atom, presence_info) on every online change
//   (key_atom, user)                            -> std::string raw key | unknown_user
//   (seen_atom, user, int64_t ts)                  raises last_seen (from sessions)
//   (session_of_atom, user)                     -> caf::actor | unknown_user
//   (lookup_user_atom, user)                    -> user_record | unknown_user
//   (adopt_user_atom, user_record)              -> unit, once stored here
//       a copy from the user's primary node (or a handoff); an existing key is kept
//
// In a cluster each directory answers for the users whose primary is its node and
// keeps copies of the records of the users it is a replica for: a new user is stored on
// the replicas before the answer, last_seen follows every few seconds. A login for a
// user unknown here asks the replicas first (this node may be back from a failure with
// an old or empty data dir).

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

struct directory_state;

caf::behavior directory(caf::stateful_actor<directory_state>* self,
                        const cluster_view* cluster);

/// Spawns the directory linked to `sup` and registers it as "directory". `cluster` may
/// be null (a node of its own).
caf::actor start_directory(caf::local_actor* sup, const cluster_view* cluster = nullptr);

} // namespace parley
