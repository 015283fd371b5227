#pragma once

// One HTTP/1.1 exchange with a node's client port (PROTOCOL.md section 5), for what
// the WebSocket does not carry: media uploads and downloads. Asynchronous on the
// client's strand, one connection per call, bounded in time and size.

#include <chrono>
#include <functional>
#include <string>

#include "net/client_connection.hpp"
#include "net/client_events.hpp"
#include "net/client_url.hpp"

namespace parley {

struct http_call {
  std::string method;        // "GET", "PUT"
  std::string target;        // "/v1/media" or a media URL
  std::string token;         // sent as `Authorization: Bearer`
  std::string content_type;  // for a body
  std::string body;
  size_t max_response = 1 << 20;
  std::chrono::seconds timeout{30};
};

struct http_response {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

/// Runs `call` against `node` and calls `done` once, on `ex`: the response whatever its
/// status, or `unavailable` when no response came (refused, reset, timed out, too big).
void http_exchange(client_executor ex, const ws_url& node, http_call call,
                   std::function<void(reply<http_response>)> done);

/// The PROTOCOL.md error of a response that is not a success: the code of its
/// `{"error","message"}` body, or one derived from the status.
client_error http_error(const http_response& response);

} // namespace parley
