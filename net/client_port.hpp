#pragma once

// The client port: WebSocket upgrades at /v1/ws and the REST calls of PROTOCOL.md
// section 5, on one listener.

#include "net/gateway_context.hpp"
#include "net/http_server.hpp"

namespace parley {

class client_port : public http_handler {
public:
  explicit client_port(gateway_context& ctx) : ctx_(ctx) {}

  void handle(const std::shared_ptr<http_connection>& conn, http_request&& req) override;
  /// Media uploads take up to 16 MiB; every other request the default.
  size_t body_limit(const http::request_header<>& header) const override;
  /// 401 for a media upload without a valid token, whatever its size; 413 otherwise.
  http_response oversized(const http::request_header<>& header) const override;

private:
  void upgrade(const std::shared_ptr<http_connection>& conn, const http_request& req);

  gateway_context& ctx_;
};

} // namespace parley
