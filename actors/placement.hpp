#pragma once

// Where a user's actors live: the node that is primary for the user's key hosts its
// mailbox and its directory entry; the next nodes of the key's preference list hold
// copies. These helpers turn a cluster snapshot into actor handles: this node's own
// actors from the registry (they may have restarted since the snapshot), other nodes'
// from what they announced.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/duration.hpp>

#include "actors/messages.hpp"
#include "runtime/child_index.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

/// Requests between actors of one node carry no timeout: the receiver answers, or dies
/// and CAF answers for it with an error. A timeout costs an entry in CAF's clock per
/// request (a locked tree, kept until it fires), which at tens of thousands of messages
/// a second cost a fifth of a core and grew the heap. Only waits that may legitimately
/// stay unanswered (long polls) take one.
inline const caf::duration local_request{caf::infinite};

/// Requests to another node carry a timeout: a request to a node that died unanswered
/// waits for it (CAF 0.17 does not fail requests to a lost node's proxies).
inline const caf::duration remote_request{std::chrono::seconds{3}};

/// The mailbox and group actors running on this node, kept by their supervisors and
/// read by every router here (runtime/child_index.hpp says why).
struct local_virtual_actors {
  child_index mailboxes;
  child_index groups;
};

/// The current snapshot, or a one-node cluster of "self" when there is no view (unit
/// tests of single actors).
std::shared_ptr<const cluster_snapshot> snapshot_of(const cluster_view* view);

/// The snapshot an actor last used, fetched from the view again only when the epoch
/// moved: a per-message path then reads one atomic instead of taking the view's lock.
/// (Snapshots that only refresh load figures keep the epoch; placement ignores those.)
class snapshot_cache {
public:
  const cluster_snapshot& current(const cluster_view* view) {
    if (!snap_ || (view && view->epoch() != snap_->epoch()))
      snap_ = snapshot_of(view);
    return *snap_;
  }

private:
  std::shared_ptr<const cluster_snapshot> snap_;
};

/// The well-known actor `name` on `node`: registered here, announced by a peer, or
/// invalid when the node is down.
caf::actor service_on(caf::actor_system& sys, const cluster_snapshot& snap,
                      const std::string& node, caf::atom_value name);

/// The directory serving `user` now.
caf::actor directory_for(caf::actor_system& sys, const cluster_view* view,
                         const std::string& user);

/// The stores of the nodes that hold copies of `user`'s data besides this one, or
/// nothing when this node is not the user's primary.
std::vector<caf::actor> replica_stores(caf::actor_system& sys, const cluster_snapshot& snap,
                                       const std::string& user);

/// Whether this node serves `user` now.
bool is_primary_here(const cluster_snapshot& snap, const std::string& user);

/// Asks the membership to send `self` each new cluster view (view_changed_atom). While
/// the membership is not running yet, `self` gets watch_atom after `retry` and calls this
/// again.
template <class Self>
void watch_membership(Self* self, caf::timespan retry) {
  if (auto m = registered(self->system(), membership_name::value))
    self->send(m, watch_atom_v, caf::actor_cast<caf::actor>(self));
  else
    self->delayed_send(self, retry, watch_atom_v);
}

} // namespace parley
