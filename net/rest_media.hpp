#pragma once

// The media calls of PROTOCOL.md section 5 on the client port:
//   PUT /v1/media           body = the object (image/png, image/jpeg, image/gif,
//                           image/webp or application/octet-stream; at most 16 MiB)
//                           -> 201 {"media":"<sha256 hex>","url":"/v1/media/<id>","size":N}
//   GET /v1/media/{sha256}  -> 200, the bytes with the stored Content-Type
// The bytes go to the node's media actor, which hashes, stores and replicates them;
// nothing here blocks the Asio thread.

#include <memory>
#include <string_view>

#include "net/gateway_context.hpp"
#include "net/http_server.hpp"

namespace parley {

/// True for "/v1/media" and "/v1/media/...".
bool is_media_path(std::string_view path);

/// True for a PUT to /v1/media: the one request whose body may reach 16 MiB.
bool is_media_upload(const http::request_header<>& header);

/// Answers a media call of an authenticated user.
void handle_media(gateway_context& ctx, const std::shared_ptr<http_connection>& conn,
                  http_request&& req);

} // namespace parley
