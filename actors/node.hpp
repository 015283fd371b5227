#pragma once

// Assembles a node's supervision tree (DESIGN.md, "Actors on one node"):
//
//   node (one_for_one)
//    |- store       SQLite writer, detached                         permanent
//    |- directory   users, keys, presence                           permanent
//    |- notifier    offline push (only with --push-webhook)           permanent
//    |- mailboxes   supervisor of mailbox:<user>, started on demand  permanent
//    |- fanout      one message into many of this node's mailboxes   permanent
//    |- groups      supervisor of group:<gid>, started on demand     permanent
//    |- sessions    supervisor of session:<user>, one per connection permanent
//    |- media       media blobs on disk, detached (with a media root)  permanent
//    |- membership  mesh join, heartbeats, node up/down (clustered)  permanent
//    `- handoff     keeps data where the hash ring says              permanent
//
// Each is registered in the actor system's registry under its name, so that a restarted
// child is found again by everyone who looks it up.

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/mailbox.hpp"
#include <optional>

#include "actors/media.hpp"

#include "actors/node_metrics.hpp"
#include "actors/push_queue.hpp"
#include "actors/push_transport.hpp"
#include "runtime/config.hpp"
#include "runtime/membership.hpp"

namespace parley {

struct local_virtual_actors;  // actors/placement.hpp

struct node_tree_settings {
  store_settings store;
  mailbox_settings mailbox;
  /// The store runs on its own thread; unit tests on CAF's deterministic scheduler
  /// turn that off.
  bool store_detached = true;
  /// Where users are placed; null for a node of its own (unit tests).
  cluster_view* cluster = nullptr;
  /// Where the mailbox and group supervisors list their running children; null: nowhere
  /// (every router then asks the supervisors).
  local_virtual_actors* local = nullptr;
  /// Present when the node joins a mesh: membership is then part of the tree. Services
  /// and load are filled in by start_node_tree.
  std::optional<membership_settings> membership;
  /// With --push-webhook: the transport the push notifier posts through. None: no
  /// notifier, and mailboxes do not look for one.
  std::shared_ptr<push_transport> push;
  push_settings push_limits;
  /// The media blob store; with an empty root the node runs no media actor.
  media_settings media;
};

/// Spawns the node supervisor with its children; returns it (registered as "node").
caf::actor start_node_tree(caf::actor_system& sys, const node_tree_settings& settings,
                           node_metrics* metrics);

/// Forgets the registered names, so that the actor system can be destroyed (the
/// registry holds strong references). Call after the tree has stopped.
void unregister_node_tree(caf::actor_system& sys);

} // namespace parley
