#include "net/rest_media.hpp"

#include <algorithm>
#include <array>

#include <caf/event_based_actor.hpp>

#include "actors/messages.hpp"
#include "actors/placement.hpp"
#include "net/json_codec.hpp"
#include "net/rest_api.hpp"
#include "runtime/logging.hpp"
#include "runtime/media_id.hpp"

namespace parley {

namespace {

constexpr std::string_view media_root = "/v1/media";
constexpr std::string_view media_prefix = "/v1/media/";

constexpr std::array<std::string_view, 5> accepted_types{
  "image/png", "image/jpeg", "image/gif", "image/webp", "application/octet-stream"};

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// "Image/PNG; charset=x" -> "image/png".
std::string media_type_of(std::string_view header) {
  auto type = header.substr(0, header.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.remove_prefix(1);
  std::string out{type};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void fail(const std::shared_ptr<http_connection>& conn, const http_request& req, errc code,
          const std::string& message) {
  conn->respond(error_response(req, status_of(code), to_string(code), message));
}

// A failure from the media actor; anything not ours means the node could not do it.
void fail(caf::actor_system& sys, const std::shared_ptr<http_connection>& conn,
          const http_request& req, const caf::error& err) {
  auto code = code_of(err);
  if (code == errc::internal || code == errc::none)
    fail(conn, req, errc::unavailable, sys.render(err));
  else
    fail(conn, req, code, context_text(err));
}

std::string upload_json(const media_info& info) {
  std::string body = "{\"media\":";
  json::append_string(body, info.media);
  body += ",\"url\":";
  json::append_string(body, std::string{media_prefix} + info.media);
  body += ",\"size\":" + std::to_string(info.size) + "}";
  return body;
}

http_response bytes_response(const http_request& req, media_piece&& piece) {
  http_response res{http::status::ok, req.version()};
  res.set(http::field::content_type, piece.info.content_type);
  // The name is the content's hash: what a client cached under it never changes.
  res.set(http::field::cache_control, "private, max-age=31536000, immutable");
  res.set(http::field::etag, "\"" + piece.info.media + "\"");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(piece.bytes);
  return res;
}

// This node's media actor, or an invalid handle after answering 503.
caf::actor media_actor(gateway_context& ctx, const std::shared_ptr<http_connection>& conn,
                       const http_request& req) {
  auto media = registered(ctx.sys, media_name::value);
  if (!media)
    fail(conn, req, errc::unavailable, "media store not running");
  return media;
}

void put_media(gateway_context& ctx, const std::shared_ptr<http_connection>& conn,
               http_request&& req) {
  if (req.body().empty()) {
    fail(conn, req, errc::bad_request, "the body is empty");
    return;
  }
  auto type = media_type_of(req[http::field::content_type]);
  if (std::find(accepted_types.begin(), accepted_types.end(), type) == accepted_types.end()) {
    conn->respond(error_response(req, http::status::unsupported_media_type,
                                 "unsupported_media_type",
                                 "Content-Type must be image/png, image/jpeg, image/gif, "
                                 "image/webp or application/octet-stream"));
    return;
  }
  if (req.body().size() > max_media_bytes) {
    fail(conn, req, errc::too_large, "media objects are at most 16 MiB");
    return;
  }
  auto media = media_actor(ctx, conn, req);
  if (!media)
    return;
  auto bytes = std::move(req.body());
  ctx.sys.spawn([conn, req = std::move(req), media, type = std::move(type),
                 bytes = std::move(bytes)](caf::event_based_actor* self) mutable {
    self->request(media, local_request, media_put_atom_v, std::move(type), std::move(bytes))
      .then(
        [conn, req](media_info& info) {
          conn->respond(json_response(req, http::status::created, upload_json(info)));
        },
        [self, conn, req](caf::error& err) { fail(self->system(), conn, req, err); });
  });
}

void get_media(gateway_context& ctx, const std::shared_ptr<http_connection>& conn,
               http_request&& req, std::string id) {
  if (!is_media_id(id)) {
    fail(conn, req, errc::bad_request, "a media id is 64 lowercase hex digits");
    return;
  }
  auto media = media_actor(ctx, conn, req);
  if (!media)
    return;
  ctx.sys.spawn([conn, req = std::move(req), media, id](caf::event_based_actor* self) {
    auto failed = [self, conn, req](caf::error& err) {
      if (code_of(err) == errc::not_found)
        fail(conn, req, errc::not_found, "no such media object");
      else
        fail(self->system(), conn, req, err);
    };
    if (req.method() == http::verb::head) {
      // The headers GET would give, without reading (or fetching) the bytes.
      self->request(media, local_request, media_stat_atom_v, id)
        .then(
          [conn, req](media_info& info) {
            auto size = info.size;
            auto res = bytes_response(req, media_piece{std::move(info), 0, {}});
            res.content_length(static_cast<uint64_t>(size));
            conn->respond(std::move(res));
          },
          failed);
      return;
    }
    self->request(media, local_request, media_get_atom_v, id)
      .then([conn, req](media_piece& piece) { conn->respond(bytes_response(req, std::move(piece))); },
            failed);
  });
}

} // namespace

bool is_media_path(std::string_view path) {
  return path == media_root || path.substr(0, media_prefix.size()) == media_prefix;
}

bool is_media_upload(const http::request_header<>& header) {
  return header.method() == http::verb::put && path_of(header.target()) == media_root;
}

void handle_media(gateway_context& ctx, const std::shared_ptr<http_connection>& conn,
                  http_request&& req) {
  auto path = path_of(req.target());
  if (path == media_root && req.method() == http::verb::put)
    return put_media(ctx, conn, std::move(req));
  bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  if (path.size() > media_prefix.size() && get) {
    std::string id{path.substr(media_prefix.size())};
    return get_media(ctx, conn, std::move(req), std::move(id));
  }
  fail(conn, req, errc::bad_request, "method not allowed here");
}

} // namespace parley
