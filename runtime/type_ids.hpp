#pragma once

// The runtime's block of CAF type IDs. actors/messages.hpp continues from its end.

#include <caf/type_id.hpp>

#include <string>
#include <vector>

#include "runtime/cluster_view.hpp"

namespace parley {
struct child_spec;
} // namespace parley

CAF_BEGIN_TYPE_ID_BLOCK(parley_runtime, caf::first_custom_type_id)
  CAF_ADD_ATOM(parley_runtime, parley, start_child_atom, "startchild")
  CAF_ADD_ATOM(parley_runtime, parley, ensure_child_atom, "ensurechld")
  CAF_ADD_ATOM(parley_runtime, parley, lookup_child_atom, "lookupchld")
  CAF_ADD_ATOM(parley_runtime, parley, adopt_child_atom, "adoptchild")
  CAF_ADD_ATOM(parley_runtime, parley, stop_child_atom, "stopchild")
  CAF_ADD_ATOM(parley_runtime, parley, count_children_atom, "countchild")
  CAF_ADD_ATOM(parley_runtime, parley, broadcast_atom, "broadcast")
  CAF_ADD_ATOM(parley_runtime, parley, tell_child_atom, "tellchild")
  // membership
  CAF_ADD_TYPE_ID(parley_runtime, (parley::member_info))
  CAF_ADD_TYPE_ID(parley_runtime, (std::vector<std::string>))
  CAF_ADD_ATOM(parley_runtime, parley, join_atom, "join")
  CAF_ADD_ATOM(parley_runtime, parley, heartbeat_atom, "heartbeat")
  CAF_ADD_ATOM(parley_runtime, parley, watch_atom, "watch")
  CAF_ADD_ATOM(parley_runtime, parley, view_changed_atom, "viewchange")
  CAF_ADD_ATOM(parley_runtime, parley, partition_atom, "partition")
CAF_END_TYPE_ID_BLOCK(parley_runtime)

// A child spec holds a std::function: it only ever travels between local actors.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::child_spec)
