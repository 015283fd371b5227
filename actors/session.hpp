#pragma once

// session:<user>: one per authenticated connection, wherever the client connected.
// Temporary: a dead session is never restarted, the client reconnects.
//
//   logging_in --(directory accepts)--> running --(closed | replaced)--> gone
//        \--(auth_failed)--> gone
//
// From the connection: the request structs of frames.hpp (refused_request and
// client_alive included), (closed_atom), and (written_atom, std::vector<int64_t>) for
// receipts its socket has written. From the mailbox: (push_atom, mailbox_item). From the
// directory: (replaced_atom), (presence_atom, presence_info) for a change of a watched
// user, (presence_atom, presence_info, true) for where one stands when a directory takes
// the subscription (actors/session_presence.cpp), and (seen_atom) -> int64_t.

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "runtime/cluster_view.hpp"
#include "actors/node_metrics.hpp"

namespace parley {

struct local_virtual_actors;  // actors/placement.hpp

struct session_state;

struct session_settings {
  std::string node_id;
  const cluster_view* cluster = nullptr;  // none: everything is on this node
  double frames_per_second = 2000;  // sustained rate limit per session
  double frame_burst = 4000;
  const local_virtual_actors* local = nullptr;  // none: routers ask the supervisors
};

caf::behavior session(caf::stateful_actor<session_state>* self, session_args args,
                      session_settings settings, node_metrics* metrics);

/// Spawns a session and hands it to the node's session supervisor.
caf::actor spawn_session(caf::actor_system& sys, session_args args,
                         const session_settings& settings, node_metrics* metrics);

} // namespace parley
