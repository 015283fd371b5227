#include "net/rest_api.hpp"

#include <charconv>

#include <boost/beast/core/string.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/mailbox_router.hpp"
#include "actors/placement.hpp"
#include "actors/messages.hpp"
#include "net/json_codec.hpp"
#include "net/rest_media.hpp"
#include "runtime/base64.hpp"
#include "runtime/clock.hpp"
#include "runtime/config.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

constexpr auto directory_timeout = std::chrono::seconds{10};
constexpr int64_t max_wait_s = 30;

struct rest_call_state {
  static inline const char* name = "rest_call";
  mailbox_router router{4};
  mailbox_router groups{4, group_actors};
};

using rest_self = caf::stateful_actor<rest_call_state>*;

// One REST call in flight: the request it answers and the connection to answer on.
struct exchange {
  std::shared_ptr<http_connection> conn;
  http_request req;

  void reply(http::status status, std::string body) const {
    conn->respond(json_response(req, status, std::move(body)));
  }
  void fail(errc code, const std::string& message) const {
    conn->respond(error_response(req, status_of(code), to_string(code), message));
  }
  void fail(caf::actor_system& sys, const caf::error& err) const {
    auto code = code_of(err);
    if (code == errc::internal || code == errc::none)
      fail(errc::unavailable, sys.render(err));
    else
      fail(code, err.context().empty() ? std::string{to_string(code)} : context_text(err));
  }
  void no_content() const {
    http_response res{http::status::no_content, req.version()};
    conn->respond(std::move(res));
  }
};

template <class F>
void in_actor(gateway_context& ctx, F f) {
  ctx.sys.spawn([f = std::move(f), cluster = ctx.session.cluster,
                 local = ctx.session.local](rest_self self) mutable {
    self->state.router.use(cluster, local);
    self->state.groups.use(cluster, local);
    f(self);
  });
}

void note_activity(gateway_context& ctx, const std::string& user) {
  if (auto dir = directory_for(ctx.sys, ctx.session.cluster, user))
    caf::anon_send(dir, seen_atom_v, user, now_ms());
}

std::string item_json(const std::string& owner, const mailbox_item& item) {
  return json::encode(item_frame{owner, item});
}

// -- the calls -----------------------------------------------------------------------

void post_challenge(gateway_context& ctx, const exchange& ex) {
  std::string body = "{\"nonce\":";
  json::append_string(body, ctx.auth.make_rest_nonce(now_ms()));
  body += '}';
  ex.reply(http::status::ok, std::move(body));
}

void post_token(gateway_context& ctx, const exchange& ex) {
  auto decoded = json::decode_rest_token(ex.req.body());
  if (auto* r = std::get_if<json::rejected_frame>(&decoded)) {
    ex.fail(r->code, r->message);
    return;
  }
  auto req = std::get<json::rest_token_request>(std::move(decoded));
  auto now = now_ms();
  if (!authority::verify_signature(req.user, req.nonce, req.key, req.sig)
      || !ctx.auth.consume_rest_nonce(req.nonce, now)) {
    ex.fail(errc::auth_failed, "bad signature, or a nonce that is unknown, used or expired");
    return;
  }
  in_actor(ctx, [&ctx, ex, req, now](rest_self self) {
    auto dir = directory_for(self->system(), ctx.session.cluster, req.user);
    if (!dir) {
      ex.fail(errc::unavailable, "directory not running");
      return;
    }
    // Registers the key on first use, checks it otherwise; no session is opened.
    self->request(dir, directory_timeout, login_atom_v, req.user, req.key, caf::actor{})
      .then(
        [&ctx, ex, user = req.user, now](login_reply&) {
          std::string body = "{\"token\":";
          json::append_string(body, ctx.auth.issue_token(user, now));
          body += '}';
          ex.reply(http::status::ok, std::move(body));
        },
        [self, ex](caf::error& err) { ex.fail(self->system(), err); });
  });
}

void post_message(gateway_context& ctx, const exchange& ex, const std::string& user) {
  auto decoded = json::decode_rest_send(ex.req.body());
  if (auto* r = std::get_if<json::rejected_frame>(&decoded)) {
    ex.fail(r->code, r->message);
    return;
  }
  auto msg = std::get<json::rest_send>(std::move(decoded));
  auto started = steady_ns();
  in_actor(ctx, [&ctx, ex, msg, user, started](rest_self self) {
    mailbox_item item;
    item.peer = user;
    item.id = msg.id;
    item.body = msg.body;
    item.meta = msg.meta;
    // A group message goes to its group, which puts it into every member's mailbox.
    bool to_group = !msg.group.empty();
    request_mailbox(
      self, to_group ? self->state.groups : self->state.router, to_group ? msg.group : msg.to,
      to_group ? caf::make_message(group_send_atom_v, std::move(item))
               : caf::make_message(deliver_atom_v, std::move(item)),
      [&ctx, ex, id = msg.id, started](int64_t ts) {
        ctx.metrics.messages_acked.inc();
        ctx.metrics.ack_latency.observe(std::chrono::nanoseconds{steady_ns() - started});
        std::string body = "{\"id\":";
        json::append_string(body, id);
        body += ",\"ts\":" + std::to_string(ts) + ",\"status\":\"sent\"}";
        ex.reply(http::status::ok, std::move(body));
      },
      [self, ex](caf::error& err) { ex.fail(self->system(), err); });
  });
}

void get_inbox(gateway_context& ctx, const exchange& ex, const std::string& user) {
  int64_t wait_s = 0;
  auto target = ex.req.target();
  auto q = target.find("?");
  if (q != std::string_view::npos) {
    auto query = target.substr(q + 1);
    auto at = query.find("wait=");
    if (at != std::string_view::npos) {
      auto value = query.substr(at + 5);
      value = value.substr(0, value.find('&'));
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), wait_s);
      if (ec != std::errc{} || end != value.data() + value.size() || wait_s < 0) {
        ex.fail(errc::bad_request, "wait must be a whole number of seconds");
        return;
      }
    }
  }
  wait_s = std::min(wait_s, max_wait_s);
  in_actor(ctx, [ex, user, wait_s](rest_self self) {
    auto wait_ms = wait_s * 1000;
    request_mailbox(
      self, self->state.router, user, caf::make_message(inbox_atom_v, wait_ms),
      [ex, user](std::vector<mailbox_item>& items) {
        std::string body = "[";
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0)
            body += ',';
          body += item_json(user, items[i]);
        }
        body += ']';
        ex.reply(http::status::ok, std::move(body));
      },
      [self, ex](caf::error& err) { ex.fail(self->system(), err); },
      caf::duration{std::chrono::milliseconds{wait_ms} + std::chrono::seconds{10}});
  });
}

void post_receipt(gateway_context& ctx, const exchange& ex, const std::string& user) {
  auto decoded = json::decode_rest_receipt(ex.req.body());
  if (auto* r = std::get_if<json::rejected_frame>(&decoded)) {
    ex.fail(r->code, r->message);
    return;
  }
  auto confirm = std::get<confirm_request>(std::move(decoded));
  in_actor(ctx, [ex, user, confirm](rest_self self) {
    request_mailbox(
      self, self->state.router, user, caf::make_message(confirm_atom_v, confirm),
      [ex]() { ex.no_content(); },
      [self, ex](caf::error& err) { ex.fail(self->system(), err); });
  });
}

// Asks the directory serving `user`.
template <class Reply, class OnReply>
void ask_directory(gateway_context& ctx, const exchange& ex, const std::string& user,
                   caf::message msg, OnReply on_reply) {
  in_actor(ctx, [&ctx, ex, user, msg, on_reply](rest_self self) {
    auto dir = directory_for(self->system(), ctx.session.cluster, user);
    if (!dir) {
      ex.fail(errc::unavailable, "directory not running");
      return;
    }
    self->request(dir, directory_timeout, msg)
      .then([on_reply](Reply& reply) { on_reply(reply); },
            [self, ex](caf::error& err) { ex.fail(self->system(), err); });
  });
}

void get_key(gateway_context& ctx, const exchange& ex, const std::string& user) {
  ask_directory<std::string>(ctx, ex, user, caf::make_message(key_atom_v, user),
                             [ex, user](std::string& key) {
                               std::string body = "{\"user\":";
                               json::append_string(body, user);
                               body += ",\"key\":";
                               json::append_string(body, base64_encode(key));
                               body += '}';
                               ex.reply(http::status::ok, std::move(body));
                             });
}

void get_presence(gateway_context& ctx, const exchange& ex, const std::string& user) {
  ask_directory<presence_info>(ctx, ex, user, caf::make_message(presence_atom_v, user),
                               [ex](presence_info& p) {
                                 std::string body = "{\"user\":";
                                 json::append_string(body, p.user);
                                 body += ",\"online\":";
                                 body += p.online ? "true" : "false";
                                 body += ",\"last_seen\":" + std::to_string(p.last_seen) + "}";
                                 ex.reply(http::status::ok, std::move(body));
                               });
}

// "/v1/users/bob/key" -> "bob" when it matches prefix + user + suffix.
std::optional<std::string> path_user(std::string_view path, std::string_view prefix,
                                     std::string_view suffix) {
  if (path.size() <= prefix.size() + suffix.size() || path.substr(0, prefix.size()) != prefix
      || path.substr(path.size() - suffix.size()) != suffix)
    return std::nullopt;
  return std::string{path.substr(prefix.size(), path.size() - prefix.size() - suffix.size())};
}

} // namespace

std::optional<std::string> bearer_user(gateway_context& ctx,
                                       const http::request_header<>& header) {
  auto value = header[http::field::authorization];
  // The scheme's name is case-insensitive (RFC 9110, 11.1).
  constexpr std::string_view prefix = "Bearer ";
  if (value.size() < prefix.size() || !boost::beast::iequals(value.substr(0, prefix.size()), prefix))
    return std::nullopt;
  return ctx.auth.verify_token(std::string{value.substr(prefix.size())}, now_ms());
}

http::status status_of(errc code) {
  switch (code) {
    case errc::bad_request: return http::status::bad_request;
    case errc::auth_failed: return http::status::unauthorized;
    case errc::forbidden:
    case errc::not_member: return http::status::forbidden;
    case errc::unknown_user:
    case errc::unknown_group:
    case errc::not_found: return http::status::not_found;
    case errc::too_large: return http::status::payload_too_large;
    case errc::rate_limited: return http::status::too_many_requests;
    case errc::unavailable: return http::status::service_unavailable;
    default: return http::status::internal_server_error;
  }
}

void handle_rest(gateway_context& ctx, const std::shared_ptr<http_connection>& conn,
                 http_request&& req) {
  exchange ex{conn, std::move(req)};
  auto target = ex.req.target();
  auto path = target.substr(0, target.find('?'));
  // HEAD is routed as GET and the connection sends the answer's headers only, except on
  // the inbox, whose GET hands items over (receipts go once): HEAD must change nothing.
  auto method = ex.req.method();
  if (method == http::verb::head && path != "/v1/inbox")
    method = http::verb::get;
  if (path == "/v1/auth/challenge" && method == http::verb::post)
    return post_challenge(ctx, ex);
  if (path == "/v1/auth/token" && method == http::verb::post)
    return post_token(ctx, ex);
  bool known = path == "/v1/messages" || path == "/v1/inbox" || path == "/v1/receipts"
               || path_user(path, "/v1/users/", "/key") || path_user(path, "/v1/presence/", "")
               || is_media_path(path);
  if (!known) {
    conn->respond(error_response(ex.req, http::status::not_found, "not_found",
                                 "no such call: " + std::string{path}));
    return;
  }
  auto user = bearer_user(ctx, ex.req);
  if (!user) {
    ex.fail(errc::auth_failed, "a valid bearer token is required");
    return;
  }
  note_activity(ctx, *user);
  if (is_media_path(path))
    return handle_media(ctx, conn, std::move(ex.req));
  if (path == "/v1/messages" && method == http::verb::post)
    return post_message(ctx, ex, *user);
  if (path == "/v1/inbox" && method == http::verb::get)
    return get_inbox(ctx, ex, *user);
  if (path == "/v1/receipts" && method == http::verb::post)
    return post_receipt(ctx, ex, *user);
  if (method == http::verb::get) {
    for (auto [prefix, suffix] : {std::pair{"/v1/users/", "/key"}, std::pair{"/v1/presence/", ""}}) {
      auto who = path_user(path, prefix, suffix);
      if (!who)
        continue;
      if (!is_valid_id(*who)) {
        ex.fail(errc::bad_request, "not a valid user id");
        return;
      }
      return std::string_view{prefix} == "/v1/users/" ? get_key(ctx, ex, *who)
                                                      : get_presence(ctx, ex, *who);
    }
  }
  ex.fail(errc::bad_request, "method not allowed here");
}

} // namespace parley
