#pragma once

// What a parley::client is told once, before it starts: who it is, where the servers
// are, how patiently it reconnects, and whom it reports to.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/client_events.hpp"
#include "net/client_identity.hpp"
#include "net/client_keyring.hpp"
#include "net/client_reconnect.hpp"

namespace parley {

struct client_options {
  std::string user;                  // ^[a-z0-9_.-]{1,32}$
  identity_keys keys;
  std::vector<std::string> servers;  // ws://HOST:PORT/v1/ws, tried in this order
  backoff_settings backoff;          // 200 ms doubling to 5 s, full jitter
  /// From opening the TCP connection to `welcome`; past it the attempt counts as failed.
  std::chrono::milliseconds login_timeout{10'000};
  /// Silence after which the client sends a WebSocket ping; a ping still unanswered a
  /// heartbeat later ends the connection (a node that hangs, or vanished without
  /// closing its sockets, is noticed within three heartbeats). Zero turns it off.
  std::chrono::milliseconds heartbeat{15'000};
  /// Wait before a send refused with `unavailable` or `rate_limited` is written again.
  std::chrono::milliseconds resend_delay{1'000};
  /// A JSON object as text, sent as `device` with key logins (<= 1 KiB); empty for none.
  std::string device;
  /// How many recent messages and receipts are remembered to drop repeats.
  size_t dedup_capacity = 20'000;
  /// Peers' pinned identity keys (trust on first use); null keeps them in memory for
  /// the life of the client.
  std::shared_ptr<key_store> pinned_keys;
};

/// The application's callbacks. All run on the client's io thread (or the strand of
/// the external io_context); none runs after stop() returns. Each may be left empty.
struct client_callbacks {
  std::function<void(const welcome_info&)> on_connected;
  /// A session that reached `welcome` ended, or the client gave up for good
  /// (`replaced`, `auth_failed`); `reason` says which.
  std::function<void(const std::string& reason)> on_disconnected;
  // An attempt to connect (or to log in) failed before the session was up; the client
  // tries the next node after a backoff.
  std::function<void(const std::string& url, const std::string& reason)> on_connect_failed;
  /// The message `id` is durable at the server; `ts` is its server time.
  std::function<void(const std::string& id, int64_t ts)> on_ack;
  /// A message, decrypted; one that could not be says so in `e2e_error`.
  std::function<void(const incoming_message&)> on_message;
  std::function<void(const receipt_info&)> on_receipt;
  /// Changes of users given to subscribe().
  std::function<void(const presence_info&)> on_presence;
  /// A peer's identity key is not the pinned one: reported once per new key.
  std::function<void(const key_change&)> on_key_changed;
  /// A refused send or subscribe (`id` is its id), or a session-wide error (empty id).
  std::function<void(const std::string& id, const std::string& code,
                     const std::string& message)>
    on_error;
};

} // namespace parley
