#pragma once

// What a parley::client reports to its application: plain values built from the server
// frames of PROTOCOL.md section 3. They carry copies, so a callback may keep them.

#include <cstdint>
#include <optional>
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

/// An encrypted file a message refers to (docs/protocol.md, "Media"): where the
/// ciphertext is and how to open and check it. fetch_media() does all of that.
struct media_ref {
  std::string url;     // "/v1/media/<sha256 hex of the ciphertext>" on any node
  std::string key;     // raw 32 bytes, crypto_secretbox key
  std::string nonce;   // raw 24 bytes
  uint64_t size = 0;   // bytes of the plaintext file
  std::string mime;    // e.g. "image/png"
  std::string name;    // the sender's file name, made safe (e2e::safe_file_name)
  std::string sha256;  // lowercase hex of the plaintext file
};

/// A `msg` pushed by the server, decrypted. The client reports each (from, id) once.
struct incoming_message {
  std::string id;
  std::string from;
  std::string to;
  std::string group;  // empty for one-to-one
  std::string body;   // the text; empty for media and for undecryptable messages
  std::optional<media_ref> media;  // set for a file
  /// Empty when the body was decrypted and authenticated. Otherwise why it was not,
  /// and `body` is empty: "undecryptable" (not for us, tampered with, or sealed with
  /// another key), "not_encrypted" (a plaintext body: never shown), "unknown_sender"
  /// (the sender's key cannot be found), "unsupported" (decrypted, but an inner format
  /// this client does not know), "misdirected" (it opens, but was sealed for another
  /// sender, recipient or message id: the server reflected or replayed it).
  std::string e2e_error;
  std::string meta;   // a JSON object as text, "{}" when the sender gave none (not encrypted)
  int64_t ts = 0;     // the time the server accepted it (the sender's ack ts)
};

/// How far one of our messages got at a recipient.
enum class delivery_status { delivered, read };

const char* to_string(delivery_status s);

/// A `receipt` for one of our messages.
struct receipt_info {
  std::string id;     // our message id (one receipt per member in a group)
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

/// A peer whose identity key is not the one pinned for it (trust on first use). Sends
/// to it are refused with `key_changed`, and its messages that only the new key opens
/// are held, until client::trust_key(user, new_key).
struct key_change {
  std::string user;
  std::string old_key;  // raw 32 bytes: the pinned key
  std::string new_key;  // raw 32 bytes: what the server gives now
};

/// A group as `group_info` (or `group_create`) describes it.
struct group_info {
  std::string group;
  std::string name;
  std::string owner;
  std::vector<std::string> members;
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
