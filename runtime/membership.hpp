#pragma once

// Cluster membership: which nodes form the mesh and which of them are up.
//
// Every node publishes its membership actor on the cluster port. To meet a node, the
// actor connects to that port through CAF's middleman (asynchronously), asks the
// published actor to `join`, and gets back that node's own description and the cluster
// ports of the peers it knows, which it then meets in turn: one seed is enough to learn
// the whole mesh.
//
//        connect(HOST:PORT) --> join(me) --> (them, their peers) --> monitor them
//                                                                    heartbeat both ways
//   up  ---- down_msg (connection lost) or no heartbeat for `down_after` ---->  down
//   down ---- reconnect to its cluster port, every `retry` -- join answered -->  up
//
// Each change publishes a new snapshot into the node's cluster_view and tells the
// watchers (view_changed_atom, epoch). Members that went down stay listed, as down.
//
// Messages:
//   (join_atom, member_info)      -> (member_info, std::vector<std::string> peer ports)
//   (heartbeat_atom, member_info)    a peer is alive; its services or load may have changed
//   (watch_atom, caf::actor)         send view changes to this actor until it is down
//   (partition_atom, node, seconds)  fault injection: treat the peer as down, and ignore
//                                    it, for that long

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "runtime/cluster_view.hpp"
#include "runtime/config.hpp"

namespace parley {

struct membership_settings {
  member_info self;  // services and load are filled by the functions below
  std::vector<endpoint> seeds;
  endpoint listen;
  unsigned replicas = 2;
  cluster_view* view = nullptr;
  /// The middleman to publish and connect through: CAF's plain one or its TLS one.
  caf::io::middleman_actor middleman;
  /// This node's well-known actors, read at every heartbeat (they may have restarted).
  std::function<std::map<std::string, caf::actor>()> services;
  /// Sessions and mailboxes running here, for the operator's view of the cluster.
  std::function<std::pair<int64_t, int64_t>()> load;
  /// Called with the bound cluster port (or 0 when it could not be bound).
  std::function<void(uint16_t)> on_published;
  /// The port bound first; a restarted membership actor publishes on it again.
  std::shared_ptr<std::atomic<uint16_t>> bound_port = std::make_shared<std::atomic<uint16_t>>(0);
  std::chrono::milliseconds heartbeat{500};
  std::chrono::milliseconds down_after{5000};
  std::chrono::milliseconds retry{1000};
};

struct membership_state;

caf::behavior membership(caf::stateful_actor<membership_state>* self,
                         membership_settings settings);

} // namespace parley

namespace parley {

/// Spawns the membership actor linked to `sup`; it publishes itself on settings.listen.
caf::actor spawn_membership(caf::local_actor* sup, membership_settings settings);

} // namespace parley
