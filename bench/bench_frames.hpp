#pragma once

// The frames the bench writes, and the message ids it reads back. A message id carries
// its sender's sequence number, its recipient's user number and its send time
// ("<seq>_<to>_<ns>", within PROTOCOL.md's 64 chars of [A-Za-z0-9_-]), so ack, msg and
// receipt each tell their latency and pair without a lookup table.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

/// `b<run>-<n>`: lowercase, short, and unique per run so runs against one node never
/// log in as each other (which would `replace` sessions).
std::string user_name(std::string_view run, uint32_t n);

/// The `n` of a user_name; nothing for any other id.
std::optional<uint32_t> user_number(std::string_view user);

/// A random run tag of `size` characters of [a-z0-9].
std::string run_tag(size_t size);

/// Answers a challenge: a fresh Ed25519 key pair signs "parley-auth-v1:<nonce>:<user>".
std::string hello_frame(std::string_view user, std::string_view nonce);

/// Logs in again with the token of an earlier welcome, as a client does after its node
/// died (PROTOCOL.md section 2): no key pair, no signature.
std::string token_hello_frame(std::string_view user, std::string_view token);

/// Appends a one-to-one send to user number `to` (named `to_name`) whose id is
/// "<seq>_<to>_<sent_ns>". `body` needs no escaping.
void append_send(std::string& out, uint64_t seq, uint32_t to, std::string_view to_name,
                 int64_t sent_ns, std::string_view body);

/// Appends a group send: the id is "<seq>_<group>_<sent_ns>", the group's number in the
/// place of a recipient's, so parse_message_id reads it back the same way.
void append_group_send(std::string& out, uint64_t seq, uint32_t group, std::string_view gid,
                       int64_t sent_ns, std::string_view body);

/// `{"op":"group_create",...}` with `members` (the creator is added by the node).
std::string group_create_frame(std::string_view id, std::string_view name,
                               const std::vector<std::string>& members);

/// Confirms a message; `group` names the group of a group message (empty: none).
void append_delivered(std::string& out, std::string_view from, std::string_view id,
                      std::string_view group = {});

struct message_id {
  uint64_t seq = 0;
  uint32_t to = 0;
  int64_t sent_ns = 0;
};

/// Reads an id written by append_send; nothing for anyone else's.
std::optional<message_id> parse_message_id(std::string_view id);

} // namespace parley::bench
