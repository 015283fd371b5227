#pragma once

// The push notifier: tells a push gateway (what relays to APNs or FCM) that a message
// waits for an offline user (PROTOCOL.md section 4, --push-webhook). Runs on a node only
// with that flag, registered as "notifier"; mailboxes send it notices and never wait.
//
//   mailbox:<user> --(notify_atom, push_notice)--> notifier --post--> push_transport
//                                                     ^                     |
//                                                     +--(pushed_atom, ...)-+
//
// Messages:
//   (notify_atom, push_notice)                    a message waits for an offline user
//   (pushed_atom, user, bool ok, string detail)   the transport's outcome of one POST
//   (retry_atom, user)                            a backoff is over (to itself)
//   (tick_atom)                                   forget users whose window is over
//
// What is sent when, and what is dropped, is push_queue's: at most one notice per user
// per window, failed POSTs retried with exponential backoff up to max_attempts, a
// bounded queue. Counted in node_metrics (parley_push_*_total).

#include <memory>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/node_metrics.hpp"
#include "actors/push_queue.hpp"
#include "actors/push_transport.hpp"

namespace parley {

struct push_notifier_state {
  static inline const char* name = "notifier";

  std::shared_ptr<push_transport> transport;
  push_queue queue{push_settings{}};
  node_metrics* metrics = nullptr;
  bool tick_scheduled = false;
  bool gateway_failing = false;  // logged once per change, not per notice
};

caf::behavior push_notifier(caf::stateful_actor<push_notifier_state>* self,
                            std::shared_ptr<push_transport> transport,
                            push_settings settings, node_metrics* metrics);

/// Spawns the notifier linked to its supervisor `sup` and registers it as "notifier".
caf::actor start_push_notifier(caf::local_actor* sup, std::shared_ptr<push_transport> transport,
                               const push_settings& settings, node_metrics* metrics);

} // namespace parley
