#pragma once

// The running children of one supervisor by id, readable by any actor of this node
// without a request to the supervisor. Routers of virtual actors (mailbox:<user>,
// group:<gid>) look here first: asking the supervisor costs a request and a reply on
// every first contact, and with many peers per user most contacts are first ones.
//
// The supervisor is the only writer. A handle read here may belong to a child that has
// just stopped: a request to it fails with request_receiver_down, and the caller then
// asks the supervisor, whose mailbox holds the child's exit before that request (with
// one CAF worker thread, as the node runs; with more, a retry may meet the stale handle
// once more and spend an attempt).

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>

namespace parley {

class child_index {
public:
  /// The running child `id`, or an invalid handle.
  caf::actor find(const std::string& id) const;

  /// Records `id` as running under `handle`; an invalid handle removes it.
  void set(const std::string& id, caf::actor handle);

  void clear();
  size_t size() const;

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, caf::actor> running_;
};

} // namespace parley
