#pragma once

// The copies of a group record on the nodes the hash ring names for the group. Records
// carry a version and a store keeps only the newest it was given, so writing a record
// everywhere, in any order and any number of times, converges. Used by group:<gid> on
// every change and by the handoff after the cluster changed.

#include <functional>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "actors/messages.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

/// Writes `rec` into the store of every node of `nodes` (this node's own included when
/// listed); done(true) once all committed it, done(false) if one could not.
void put_group_copies(caf::event_based_actor* self, const cluster_snapshot& snap,
                      const group_record& rec, const std::vector<std::string>& nodes,
                      std::function<void(bool)> done);

/// Reads the record of `gid` from the stores of `nodes` and hands the newest to `done`
/// (version 0 when none has it). Nodes out of reach count as having none.
void newest_group_copy(caf::event_based_actor* self, const cluster_snapshot& snap,
                       const std::string& gid, const std::vector<std::string>& nodes,
                       std::function<void(group_record)> done);

} // namespace parley
