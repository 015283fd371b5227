#pragma once

// The server addresses a client is given: `ws://HOST:PORT/PATH` (PROTOCOL.md section 2).
// There is no TLS in v1, so `wss://` is refused rather than silently sent in clear.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley {

struct ws_url {
  std::string host;    // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 80;
  std::string target;  // the path and query, "/v1/ws" when the URL has none

  /// The Host header value: host[:port], with brackets around IPv6.
  std::string host_header() const;
};

/// Nothing for anything but a well-formed ws:// URL.
std::optional<ws_url> parse_ws_url(std::string_view text);

} // namespace parley
