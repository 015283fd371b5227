#pragma once

// What this node knows of the cluster, as an immutable snapshot: the members, which of
// them are up, and the hash ring over the up ones. The membership actor is the only
// writer; every other actor reads the current snapshot when it places a key. A snapshot
// never changes; a change publishes a new one with a higher epoch, so a reader can keep
// what it derived from a snapshot (a cached actor handle) until the epoch moves.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/node_id.hpp>
#include <caf/meta/type_name.hpp>

#include "runtime/hash_ring.hpp"

namespace parley {

/// One member as it announces itself. `services` are its well-known actors by name,
/// for other nodes to talk to; `load` figures are for the operator's view.
struct member_info {
  std::string id;
  std::string client;   // HOST:PORT of its client port
  std::string admin;    // HOST:PORT of its admin port
  std::string cluster;  // HOST:PORT of its cluster port
  std::map<std::string, caf::actor> services;
  int64_t sessions = 0;
  int64_t mailboxes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_info& x) {
  return f(caf::meta::type_name("member_info"), x.id, x.client, x.admin, x.cluster,
           x.services, x.sessions, x.mailboxes);
}

struct member_status {
  member_info info;
  bool up = false;
  int64_t changed_ms = 0;  // when it last went up or down
};

class cluster_snapshot {
public:
  cluster_snapshot(std::string self, std::vector<member_status> members, unsigned replicas,
                   uint64_t epoch);

  /// A cluster of this node alone.
  static std::shared_ptr<const cluster_snapshot> single(member_info self, unsigned replicas);

  const std::string& self() const { return self_; }
  uint64_t epoch() const { return epoch_; }
  unsigned replicas() const { return replicas_; }
  const std::vector<member_status>& members() const { return members_; }
  size_t up_count() const { return ring_.size(); }

  /// The up nodes that hold `key`: min(replicas, up nodes) of them, primary first.
  std::vector<std::string> owners(const std::string& key) const {
    return ring_.preference(key, replicas_);
  }

  /// The up node that serves `key` now (empty only if no node is up).
  const std::string& primary(const std::string& key) const;

  bool is_local(const std::string& node) const { return node == self_; }

  /// The live member `node`, or null when it is unknown or down.
  const member_info* up_member(const std::string& node) const;

  /// The well-known actor `service` of the up member `node`, or an invalid handle.
  caf::actor service(const std::string& node, const std::string& service) const;

private:
  std::string self_;
  std::vector<member_status> members_;
  unsigned replicas_;
  uint64_t epoch_;
  hash_ring ring_;
};

/// The CAF nodes of the members `snap` shows down (the nodes their services run on):
/// requests waiting on them will not be answered.
std::set<caf::node_id> nodes_shown_down(const cluster_snapshot& snap);

/// The current snapshot, shared between the membership actor (writer) and the rest of
/// the node (readers). Owned by the node, handed to whoever places keys.
class cluster_view {
public:
  explicit cluster_view(std::shared_ptr<const cluster_snapshot> initial)
    : current_(std::move(initial)), epoch_(current_->epoch()) {}

  std::shared_ptr<const cluster_snapshot> current() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return current_;
  }

  /// Cheap check whether anything derived from an older snapshot is stale.
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }

  void publish(std::shared_ptr<const cluster_snapshot> next) {
    std::lock_guard<std::mutex> guard{mutex_};
    current_ = std::move(next);
    epoch_.store(current_->epoch(), std::memory_order_release);
  }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const cluster_snapshot> current_;
  std::atomic<uint64_t> epoch_;
};

} // namespace parley
