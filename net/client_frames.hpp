#pragma once

// The client's half of the wire: the JSON text of client->server frames, and the
// server->client frames of PROTOCOL.md sections 2-3 decoded into plain values. No I/O,
// so every frame a client can meet is checked in one place.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/client_events.hpp"

namespace parley::client_wire {

// -- client -> server ------------------------------------------------------------------

/// `device` is a JSON object as text, or empty for none.
std::string hello_with_key(const std::string& user, const std::string& key_b64,
                           const std::string& sig_b64, const std::string& device);
/// True if `device` is a JSON object the server accepts in a hello (<= 1 KiB).
bool is_device_object(const std::string& device);
std::string hello_with_token(const std::string& user, const std::string& token);
/// Where a send goes: a user, or a group (then `group` is set).
struct target {
  std::string name;
  bool group = false;
};

/// `meta` must already be a JSON object as text; `body` is what the server carries.
std::string send(const std::string& id, const target& to, const std::string& body,
                 const std::string& meta);
/// The compact `meta` text of a send, or the error the server would answer; checks the
/// target and that `text` is UTF-8 too. Checking here matters: a frame the server closes
/// the connection for (not UTF-8, over 128 KiB, broken JSON) would otherwise be resent
/// after every reconnect, forever.
std::variant<std::string, client_error> checked_send(const target& to, const std::string& text,
                                                     const std::string& meta_json);
/// True for a group id the client can put in a frame (the server decides if it exists).
bool is_group_id(const std::string& group);
/// `delivered` or `read`; `group` empty for one-to-one.
std::string confirm(delivery_status status, const std::string& from, const std::string& id,
                    const std::string& group);
std::string presence(const std::string& id, const std::string& user);
std::string subscribe(const std::string& id, const std::vector<std::string>& users);
std::string key(const std::string& id, const std::string& user);
std::string ping(const std::string& id);
std::string group_create(const std::string& id, const std::string& name,
                         const std::vector<std::string>& members);
/// `op` is "group_add" or "group_remove".
std::string group_change(const char* op, const std::string& id, const std::string& group,
                         const std::vector<std::string>& users);
std::string group_leave(const std::string& id, const std::string& group);
std::string group_info(const std::string& id, const std::string& group);

// -- server -> client ------------------------------------------------------------------

struct challenge {
  std::string nonce;  // exactly as sent: it is signed as text
};

struct welcome {
  welcome_info info;
  std::string token;
};

struct ack {
  std::string id;
  int64_t ts = 0;
};

/// A pushed `presence` change (an answer to `presence` is an `ok`).
struct presence_change {
  presence_info info;
};

/// `ok` answers: which fields are set depends on the request it answers.
struct ok {
  std::string id;
  std::string user;
  bool has_presence = false;
  presence_info presence;
  std::string key;  // raw bytes of a `key` answer
  bool has_group = false;  // `group_create` and `group_info` answers
  parley::group_info group;
};

struct pong {
  std::string id;
  int64_t ts = 0;
};

struct error {
  std::string id;  // empty when the offending frame had none
  std::string code;
  std::string message;
};

/// Anything else: logged and skipped, so a newer server can add ops.
struct unknown {
  std::string why;
};

using server_frame = std::variant<unknown, challenge, welcome, ack, incoming_message,
                                  receipt_info, presence_change, ok, pong, error>;

server_frame decode(std::string_view text);

/// What a request (presence, key, subscribe, group ops, ping) gets back.
using answer = std::variant<ok, pong, client_error>;

} // namespace parley::client_wire
