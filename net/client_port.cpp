#include "net/client_port.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

#include "net/rest_api.hpp"
#include "net/rest_media.hpp"
#include "net/ws_connection.hpp"
#include "net/ws_frame.hpp"
#include "runtime/media_id.hpp"

namespace parley {

void client_port::handle(const std::shared_ptr<http_connection>& conn, http_request&& req) {
  auto target = req.target();
  if (target == "/v1/ws" || target.substr(0, 7) == "/v1/ws?") {
    upgrade(conn, req);
    return;
  }
  handle_rest(ctx_, conn, std::move(req));
}

// Only a holder of a valid token may make the node hold a 16 MiB body: an upload
// without one may send no more than any other request, and is refused with 401.
size_t client_port::body_limit(const http::request_header<>& header) const {
  return is_media_upload(header) && bearer_user(ctx_, header) ? max_media_bytes
                                                              : default_body_limit;
}

http_response client_port::oversized(const http::request_header<>& header) const {
  if (is_media_upload(header) && !bearer_user(ctx_, header))
    return error_response(header, http::status::unauthorized, "auth_failed",
                          "a valid bearer token is required");
  return http_handler::oversized(header);
}

void client_port::upgrade(const std::shared_ptr<http_connection>& conn,
                          const http_request& req) {
  if (!boost::beast::websocket::is_upgrade(req) || req[http::field::sec_websocket_version] != "13"
      || req[http::field::sec_websocket_key].empty()) {
    auto res = error_response(req, http::status::bad_request, "bad_request",
                              "expected a WebSocket upgrade (version 13)");
    res.set(http::field::sec_websocket_version, "13");
    conn->respond(std::move(res));
    return;
  }
  std::string handshake = "HTTP/1.1 101 Switching Protocols\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: ";
  handshake += ws::accept_key(req[http::field::sec_websocket_key]);
  handshake += "\r\n\r\n";
  std::string leftover;
  auto ws = std::make_shared<ws_connection>(conn->release(leftover), ctx_);
  ws->start(handshake, leftover);
}

} // namespace parley
