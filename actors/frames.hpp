#pragma once

// PROTOCOL.md section 3 frames as plain structs: what a client asks of its session, and
// what the session sends back. net/ translates them to and from JSON; the session actor
// only ever sees these.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "runtime/errors.hpp"

namespace parley {

enum class item_kind : uint8_t { message = 0, receipt = 1 };

/// A message's state as its sender sees it. Receipts only move forward.
enum class receipt_status : uint8_t { sent = 0, delivered = 1, read = 2 };

inline const char* to_string(receipt_status s) {
  switch (s) {
    case receipt_status::sent: return "sent";
    case receipt_status::delivered: return "delivered";
    case receipt_status::read: return "read";
  }
  return "sent";
}

/// One entry of a user's mailbox: a message waiting for the owner, or a receipt
/// telling the owner that a peer received or read one of the owner's messages.
struct mailbox_item {
  int64_t seq = 0;   // position in the owner's mailbox, set by the store
  item_kind kind = item_kind::message;
  std::string peer;  // message: the sender; receipt: the member who received it
  std::string id;    // the sender's message id
  std::string group; // empty for one-to-one
  std::string body;  // message only
  std::string meta;  // message only: a JSON object as text, "{}" when absent
  int64_t ts = 0;    // message: accept time (its ack ts); receipt: the receipt's time
  receipt_status status = receipt_status::sent;  // receipt only: delivered or read
};

// -- client requests ---------------------------------------------------------------

struct send_request {
  std::string id;
  std::string to;
  std::string group;
  std::string body;
  std::string meta;
  int64_t arrived_ns = 0;  // steady clock, for the ack latency histogram
};

/// `delivered` or `read` from the recipient of a message.
struct confirm_request {
  std::string from;
  std::string id;
  std::string group;
  receipt_status status = receipt_status::delivered;
};

struct presence_request {
  std::string id;
  std::string user;
};

struct subscribe_request {
  std::string id;
  std::vector<std::string> users;
};

struct key_request {
  std::string id;
  std::string user;
};

struct ping_request {
  std::string id;
};

/// A frame the codec refused (malformed, unknown op, a field out of its limits): the
/// session answers it with the error, and it counts like any frame, for last_seen and
/// against the rate limit.
struct refused_request {
  std::string id;
  errc code = errc::bad_request;
  std::string message;
};

/// A frame the connection answered itself (a WebSocket ping): it counts for last_seen.
struct client_alive {};

struct group_create_request {
  std::string id;
  std::string name;
  std::vector<std::string> members;  // besides the creator
};

/// group_add, group_remove, group_leave and group_info: one group, some users.
enum class group_op : uint8_t { add = 0, remove = 1, leave = 2, info = 3 };

struct group_request {
  std::string id;
  group_op op = group_op::info;
  std::string group;
  std::vector<std::string> users;  // add and remove only
};

// -- frames to the client -----------------------------------------------------------

struct welcome_frame {
  std::string user;
  std::string node;
  std::string token;
  int64_t server_time = 0;
  std::vector<std::string> nodes;
};

struct ack_frame {
  std::string id;
  int64_t ts = 0;
};

/// A `msg` or `receipt` out of the mailbox of `owner`.
struct item_frame {
  std::string owner;
  mailbox_item item;
};

struct presence_frame {
  std::string id;  // empty for a pushed change, the request id for an answer
  std::string user;
  bool online = false;
  int64_t last_seen = 0;
};

struct key_frame {
  std::string id;
  std::string user;
  std::string key;  // raw 32 bytes; the codec writes base64
};

struct ok_frame {
  std::string id;
};

/// `ok` naming a group: its id after group_create, everything after group_info.
struct group_frame {
  std::string id;
  std::string group;
  bool details = false;  // name, owner and members too
  std::string name;
  std::string owner;
  std::vector<std::string> members;
};

struct pong_frame {
  std::string id;
  int64_t ts = 0;
};

struct error_frame {
  std::string id;  // empty when the offending frame had none
  errc code = errc::internal;
  std::string message;
};

using outgoing_frame = std::variant<welcome_frame, ack_frame, item_frame, presence_frame,
                                    key_frame, ok_frame, group_frame, pong_frame,
                                    error_frame>;

} // namespace parley
