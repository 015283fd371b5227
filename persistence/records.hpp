#pragma once

// The rows Parley keeps in SQLite, as plain structs. The store actor converts between
// these and the message types of actors/messages.hpp.

#include <cstdint>
#include <string>

namespace parley {

/// One row of a user's mailbox: a message waiting for delivery, the tombstone of a
/// delivered one (kept 24 h for dedup and receipt state, without body), or a receipt.
struct mailbox_row {
  int64_t seq = 0;  // arrival order across the whole node
  std::string owner;
  int kind = 0;     // 0 message, 1 receipt
  std::string peer; // message: its sender; receipt: the member who received it
  std::string msg_id;
  std::string group;
  int status = 0;   // message: 0 waiting, 1 delivered, 2 read; receipt: 1 or 2
  int64_t ts = 0;
  std::string body;
  std::string meta;
};

struct user_row {
  std::string user;
  std::string key;  // raw 32-byte Ed25519 public key
  int64_t created = 0;
  int64_t last_seen = 0;
};

} // namespace parley
