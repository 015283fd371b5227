#include "net/admin_port.hpp"

#include <functional>
#include <optional>

#include <boost/json.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/messages.hpp"
#include "net/console_page.hpp"
#include "net/json_codec.hpp"
#include "runtime/config.hpp"
#include "runtime/errors.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

constexpr auto lookup_timeout = std::chrono::seconds{2};

http_response text_response(const http_request& req, http::status status, std::string body,
                            const char* type) {
  http_response res{status, req.version()};
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

// "mailbox:bob" lives under the mailbox supervisor, "session:bob" under the session
// supervisor, anything else ("store", "directory", ...) under the node supervisor.
caf::atom_value supervisor_of(const std::string& actor) {
  if (actor.rfind("mailbox:", 0) == 0)
    return mailboxes_name::value;
  if (actor.rfind("session:", 0) == 0)
    return sessions_name::value;
  if (actor.rfind("group:", 0) == 0)
    return groups_name::value;
  return node_name::value;
}

} // namespace

void admin_port::handle(const std::shared_ptr<http_connection>& conn, http_request&& req) {
  auto target = req.target();
  auto path = target.substr(0, target.find('?'));
  // HEAD is answered as GET; the connection sends the headers only.
  bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  if (get && path == "/healthz") {
    if (serving_())
      conn->respond(text_response(req, http::status::ok, "ok\n", "text/plain"));
    else
      conn->respond(text_response(req, http::status::service_unavailable, "starting\n",
                                  "text/plain"));
  } else if (get && path == "/metrics") {
    conn->respond(text_response(req, http::status::ok, metrics_.render(),
                                "text/plain; version=0.0.4"));
  } else if (get && path == "/v1/cluster") {
    conn->respond(json_response(req, http::status::ok, cluster_json()));
  } else if (get && path == "/") {
    conn->respond(text_response(req, http::status::ok, console_page(), "text/html; charset=utf-8"));
  } else if (path == "/v1/admin/fault" && fault_injection_ && req.method() == http::verb::post) {
    fault(conn, req);
  } else {
    conn->respond(error_response(req, http::status::not_found, "not_found",
                                 "no such call: " + std::string{path}));
  }
}

std::string admin_port::cluster_json() const {
  auto snap = cluster_.current();
  auto value = [&](const char* name) {
    return static_cast<int64_t>(metrics_.value(name).value_or(0));
  };
  boost::json::array nodes;
  boost::json::array alarms;
  for (const auto& m : snap->members()) {
    bool self = snap->is_local(m.info.id);
    nodes.push_back(boost::json::object{
      {"id", m.info.id},
      {"client", m.info.client},
      {"admin", m.info.admin},
      {"cluster", m.info.cluster},
      {"status", m.up ? "up" : "down"},
      {"sessions", self ? value("parley_sessions") : m.info.sessions},
      {"mailboxes", self ? value("parley_mailboxes") : m.info.mailboxes}});
    if (!m.up)
      alarms.push_back(boost::json::object{{"alarm", "node_down"},
                                           {"node", m.info.id},
                                           {"since", m.changed_ms}});
  }
  if (snap->up_count() < snap->replicas())
    alarms.push_back(boost::json::object{
      {"alarm", "under_replicated"},
      {"message", "fewer live nodes than --replicas: acked data has fewer copies"}});
  boost::json::object out{{"self", snap->self()},
                          {"nodes", std::move(nodes)},
                          {"alarms", std::move(alarms)}};
  return boost::json::serialize(out);
}

namespace {

// Asks the registered actor `name` to inject a fault; its answer goes to `on_ok` (a
// handler of the answer's types, which responds), a failure becomes 400 or 503.
template <class OnOk>
void inject(caf::actor_system& sys, const std::shared_ptr<http_connection>& conn,
            const http_request& req, caf::atom_value name, caf::message msg, OnOk on_ok) {
  auto target = registered(sys, name);
  if (!target) {
    conn->respond(error_response(req, http::status::service_unavailable, "unavailable",
                                 "the actor for this fault is not running"));
    return;
  }
  sys.spawn([conn, req, target, msg, on_ok](caf::event_based_actor* self) {
    self->request(target, lookup_timeout, msg)
      .then(on_ok, [self, conn, req](caf::error& err) {
        bool bad = code_of(err) == errc::bad_request;
        conn->respond(error_response(
          req, bad ? http::status::bad_request : http::status::service_unavailable,
          bad ? "bad_request" : "unavailable", self->system().render(err)));
      });
  });
}

// A positive integer field of `obj`, or nothing.
std::optional<int64_t> positive(const boost::json::object& obj, const char* field,
                                int64_t max) {
  auto* v = obj.if_contains(field);
  if (!v || !v->is_int64() || v->as_int64() <= 0 || v->as_int64() > max)
    return std::nullopt;
  return v->as_int64();
}

std::optional<std::string> text(const boost::json::object& obj, const char* field) {
  auto* v = obj.if_contains(field);
  if (!v || !v->is_string() || v->get_string().empty())
    return std::nullopt;
  return std::string{v->get_string()};
}

} // namespace

void admin_port::fault(const std::shared_ptr<http_connection>& conn, const http_request& req) {
  boost::system::error_code ec;
  auto body = boost::json::parse(req.body(), ec);
  auto* obj = ec ? nullptr : body.if_object();
  auto* kind = obj ? obj->if_contains("kind") : nullptr;
  auto bad = [&](const std::string& message) {
    conn->respond(error_response(req, http::status::bad_request, "bad_request", message));
  };
  if (!kind || !kind->is_string()) {
    bad("expected {\"kind\":...}");
    return;
  }
  if (kind->get_string() == "drop_replica") {
    auto user = text(*obj, "user");
    if (!user || !is_valid_id(*user)) {
      bad("drop_replica needs \"user\", a valid user id");
      return;
    }
    inject(sys_, conn, req, handoff_name::value, caf::make_message(drop_replica_atom_v, *user),
           [conn, req](const std::string& node) {
             conn->respond(json_response(req, http::status::ok,
                                         "{\"ok\":true,\"node\":\"" + node + "\"}"));
           });
    return;
  }
  if (kind->get_string() == "partition") {
    auto peer = text(*obj, "peer");
    auto seconds = positive(*obj, "seconds", 3600);
    if (!peer || !seconds) {
      bad("partition needs \"peer\" (a node id) and \"seconds\" (1..3600)");
      return;
    }
    inject(sys_, conn, req, membership_name::value,
           caf::make_message(partition_atom_v, *peer, *seconds), [conn, req]() {
             conn->respond(json_response(req, http::status::ok, "{\"ok\":true}"));
           });
    return;
  }
  if (kind->get_string() == "delay") {
    auto ms = positive(*obj, "ms", 60'000);
    auto seconds = positive(*obj, "seconds", 3600);
    if (!ms || !seconds) {
      bad("delay needs \"ms\" (1..60000) and \"seconds\" (1..3600)");
      return;
    }
    SPDLOG_LOGGER_WARN(logs::node(), "event=fault_injected kind=delay ms={} seconds={}", *ms,
                       *seconds);
    if (auto store = registered(sys_, store_name::value))
      caf::anon_send(store, delay_atom_v, *ms, *seconds);
    conn->respond(json_response(req, http::status::ok, "{\"ok\":true}"));
    return;
  }
  if (kind->get_string() != "crash_actor") {
    bad("unknown fault kind; known: crash_actor, drop_replica, partition, delay");
    return;
  }
  auto* actor = obj->if_contains("actor");
  if (!actor || !actor->is_string()) {
    bad("crash_actor needs \"actor\", e.g. \"mailbox:bob\"");
    return;
  }
  std::string name{actor->get_string()};
  auto sup = registered(sys_, supervisor_of(name));
  sys_.spawn([conn, req, name, sup](caf::event_based_actor* self) {
    self->request(sup, lookup_timeout, lookup_child_atom_v, name)
      .then(
        [self, conn, req, name](const caf::actor& target) {
          SPDLOG_LOGGER_WARN(logs::node(), "event=fault_injected kind=crash_actor actor={}", name);
          // Not exit_reason::kill: CAF passes `kill` through links untrappable, which
          // would take the supervisor down with the child.
          self->send_exit(target, caf::make_error(errc::internal, "fault injected"));
          conn->respond(json_response(req, http::status::ok, "{\"ok\":true}"));
        },
        [conn, req, name](caf::error&) {
          conn->respond(error_response(req, http::status::not_found, "not_found",
                                       "no running actor " + name));
        });
  });
}

} // namespace parley
