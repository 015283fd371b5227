#pragma once

// What a parley::client reports to its application: plain values built from the server
// frames of PROTOCOL.md section 3. They carry copies, so a callback may keep them.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace parley {

/// The `welcome` of a successful login.
struct welcome_info {
  std::string user;
  std::string node;                // id of the node serving this session
  std::vector<std::string> nodes;  // client URLs of all live nodes
  int64_t server_time = 0;         // ms since the epoch
};

/// A `msg` pushed by the server. The client reports each (from, id) once.
struct incoming_message {
  std::string id;
  std::string from;
  std::string to;
  std::string group;  // empty for one-to-one
  std::string body;
  std::string meta;   // a JSON object as text, "{}" when the sender gave none
  int64_t ts = 0;     // the time the server accepted it (the sender's ack ts)
};

/// How far one of our messages got at a recipient.
enum class delivery_status { delivered, read };

const char* to_string(delivery_status s);

/// A `receipt` for one of our messages.
struct receipt_info {
  std::string id;     // our message id
  std::string to;     // the recipient (in a group: the member)
  std::string group;  // empty for one-to-one
  delivery_status status = delivery_status::delivered;
  int64_t ts = 0;
};

/// An answer to `presence`, or a change pushed after `subscribe`.
struct presence_info {
  std::string user;
  bool online = false;
  int64_t last_seen = 0;  // ms since the epoch of the user's last frame; 0 if never
};

/// An answer to `key`.
struct key_info {
  std::string user;
  std::string public_key;  // raw 32 bytes (Ed25519)
};

/// An answer to `ping`.
struct pong_info {
  int64_t server_time = 0;
  int64_t round_trip_ms = 0;
};

/// A failed request: `code` is a PROTOCOL.md error code, or one of the client's own
/// (`disconnected`, `stopped`) when the request never got an answer.
struct client_error {
  std::string code;
  std::string message;
};

/// What a request callback receives: the answer or the reason there is none.
template <class T>
using reply = std::variant<T, client_error>;

} // namespace parley
