#pragma once

// Inside session:<user>: its state, and the helpers shared by the file of its handlers
// (session.cpp) and the file of its presence subscriptions (session_presence.cpp).
// Nothing outside those two includes this header.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/mailbox_router.hpp"
#include "actors/placement.hpp"
#include "actors/session.hpp"
#include "runtime/token_bucket.hpp"

namespace parley {

// Where a watched user stands as far as this session knows: what directories told it,
// which is what its client was told, except the first answer (subscribing pushes nothing).
struct watched_user {
  std::string user;
  bool known = false;  // false until a directory answered
  bool online = false;
  int64_t last_seen = 0;
};

struct session_state {
  static inline const char* name = "session";

  session_state() : limiter(1, 1) {}
  ~session_state() {
    if (metrics)
      metrics->sessions.add(-1);
  }

  // What only the login and the welcome need, dropped once the client is welcomed: an
  // idle session keeps only what it uses (memory per idle session is a target,
  // docs/benchmarks.md).
  struct login_data {
    std::string key;  // raw public key of a key login; empty for a token login
    std::string token;
    std::vector<std::string> nodes;
    std::string node_id;
  };

  std::string user;
  std::shared_ptr<client_link> link;
  std::unique_ptr<login_data> login;
  const cluster_view* cluster = nullptr;  // none: everything is on this node
  const local_virtual_actors* local = nullptr;
  node_metrics* metrics = nullptr;
  token_bucket limiter;
  lazy_router found;  // mailboxes this session sent to or attached to
  mailbox_router& router() { return found.get(cluster, local, 1024, mailbox_actors, true); }
  lazy_router found_groups;  // groups this session used
  mailbox_router& groups() { return found_groups.get(cluster, local, 64, group_actors); }
  caf::actor own_mailbox;
  caf::actor own_directory;  // the directory that knows this session is online
  std::vector<watched_user> watched;  // users this session subscribed to, by name
  int64_t last_frame_ms = 0;
  int64_t last_reported_ms = 0;
  bool corked = false;  // frames are held back until our flush message comes
  bool renew_queued = false;  // a retry of renew_subscriptions waits in our mailbox
  uint16_t renew_attempt = 0;  // failed renewals since the last change of the cluster
};

namespace session_detail {

using self_ptr = caf::stateful_actor<session_state>*;

inline constexpr auto directory_timeout = std::chrono::seconds{10};

// -- session.cpp ----------------------------------------------------------------------

/// The directory serving `user`: on the user's primary node.
caf::actor directory_of(self_ptr self, const std::string& user);
/// Sends a frame to the client; true if it was written at once.
bool send_frame(self_ptr self, outgoing_frame frame);
/// Answers request `id` with `err`, as PROTOCOL.md names it.
void send_error(self_ptr self, std::string id, const caf::error& err);

// -- session_presence.cpp -------------------------------------------------------------

enum class presence_news {
  change,     // pushed by the user's directory: the client hears it
  snapshot,   // where the user stands, from a directory that took our subscription
  rechecked,  // a snapshot's offline, asked again after offline_grace
};

/// A client's `subscribe`.
void subscribe(self_ptr self, const subscribe_request& req);
/// After a change of the cluster, or a failed renewal: subscribe again everywhere.
void renew_subscriptions(self_ptr self);
/// What a directory tells us about a watched user; the client hears what differs.
void presence_changed(self_ptr self, const presence_info& p, presence_news news);
/// The second look at a watched user a snapshot said offline.
void check_offline(self_ptr self, const std::string& user);

} // namespace session_detail

} // namespace parley
