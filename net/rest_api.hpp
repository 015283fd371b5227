#pragma once

// The REST calls of PROTOCOL.md section 5 (the media calls are in rest_media). Each call that needs
// actors runs in a short-lived actor that asks them and answers on the connection.

#include <memory>
#include <optional>
#include <string>

#include "net/gateway_context.hpp"
#include "net/http_server.hpp"

namespace parley {

void handle_rest(gateway_context& ctx, const std::shared_ptr<http_connection>& conn,
                 http_request&& req);

/// The user of a valid `Authorization: Bearer` token, or nothing.
std::optional<std::string> bearer_user(gateway_context& ctx,
                                       const http::request_header<>& header);

/// The HTTP status of a PROTOCOL.md error code.
http::status status_of(errc code);

} // namespace parley
