#pragma once

// What the client port's handlers need from the node: the actor system to reach actors,
// the authority for tokens, and the settings sessions start with.

#include <functional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/node_metrics.hpp"
#include "actors/session.hpp"
#include "net/auth.hpp"
#include "net/idle_watch.hpp"

namespace parley {

struct gateway_context {
  caf::actor_system& sys;
  node_metrics& metrics;
  authority& auth;
  session_settings session;
  /// Client URLs of the live nodes, for `welcome`.
  std::function<std::vector<std::string>()> client_urls;
  /// Closes WebSocket clients that went silent; none when null.
  idle_watch* idle = nullptr;
};

} // namespace parley
