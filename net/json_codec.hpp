#pragma once

// PROTOCOL.md frames <-> the structs of actors/frames.hpp. Decoding validates everything
// a frame's shape can tell (types, id and user id syntax, size limits), so that actors
// only ever see well-formed requests.

#include <string>
#include <string_view>
#include <variant>

#include "actors/frames.hpp"

namespace parley::json {

/// The limits of PROTOCOL.md section 3.
constexpr size_t max_body = 64 * 1024;
constexpr size_t max_meta = 4 * 1024;
constexpr size_t max_device = 1024;
constexpr size_t max_frame = 128 * 1024;
constexpr size_t max_subscribe = 1000;
constexpr size_t max_group_members = 1024;
constexpr size_t max_group_name = 256;

struct hello_frame {
  std::string user;
  std::string key;    // raw 32 bytes, for a key login
  std::string sig;    // raw 64 bytes
  std::string token;  // for a token login
  std::string id;     // none in a login; a hello after login is answered with it
};

/// A frame that could not be accepted: answered with an error, the connection stays.
struct rejected_frame {
  std::string id;
  errc code = errc::bad_request;
  std::string message;
};

using client_frame = std::variant<rejected_frame, hello_frame, send_request, confirm_request,
                                  presence_request, subscribe_request, key_request,
                                  ping_request, group_create_request, group_request>;

client_frame decode_client_frame(std::string_view text);

/// True for a request id: 1..64 of [A-Za-z0-9_-].
bool is_valid_request_id(std::string_view id);

/// Appends the JSON text of `frame` to `out`.
void encode(std::string& out, const outgoing_frame& frame);
std::string encode(const outgoing_frame& frame);

/// Appends `text` as a JSON string literal.
void append_string(std::string& out, std::string_view text);

/// Decoded fields of REST bodies (same rules as the frames).
struct rest_send {
  std::string id;
  std::string to;
  std::string group;
  std::string body;
  std::string meta;
};
std::variant<rejected_frame, rest_send> decode_rest_send(std::string_view text);

std::variant<rejected_frame, confirm_request> decode_rest_receipt(std::string_view text);

struct rest_token_request {
  std::string user;
  std::string key;
  std::string sig;
  std::string nonce;
};
std::variant<rejected_frame, rest_token_request> decode_rest_token(std::string_view text);

} // namespace parley::json
