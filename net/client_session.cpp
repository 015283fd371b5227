#include "net/client_session.hpp"

#include "runtime/logging.hpp"

namespace parley {

namespace {

// A server frame is at most a 64 KiB body and 4 KiB of meta; JSON escaping can
// multiply a body's size by six, so this leaves room without trusting any size.
constexpr size_t max_server_message = 1 << 20;

} // namespace

client_session::client_session(client_executor ex, client_options options)
  : ex_(ex),
    options_(std::move(options)),
    plan_(options_.backoff, options_.servers),
    reconnect_timer_(ex),
    login_timer_(ex),
    heartbeat_timer_(ex),
    resend_timer_(ex),
    upload_timer_(ex),
    lookup_retry_timer_(ex),
    messages_seen_(options_.dedup_capacity),
    receipts_seen_(options_.dedup_capacity),
    own_keys_(options_.keys) {
  if (!options_.pinned_keys)
    options_.pinned_keys = std::make_shared<memory_key_store>();
}

client_session::~client_session() {
  if (conn_)
    conn_->abort("client destroyed");
}

// -- lifecycle ---------------------------------------------------------------------------

void client_session::start(client_callbacks callbacks,
                           std::map<std::string, std::string> pinned) {
  if (phase_ != phase::idle)
    return;
  callbacks_ = std::move(callbacks);
  keys_.load(std::move(pinned));
  keys_.pin_own(options_.user, options_.keys.public_key);
  connect_next();
}

void client_session::stop(std::function<void()> done) {
  stop_done_ = std::move(done);
  phase_ = phase::stopped;
  online_.store(false);
  reconnect_timer_.cancel();
  login_timer_.cancel();
  heartbeat_timer_.cancel();
  resend_timer_.cancel();
  upload_timer_.cancel();
  lookup_retry_timer_.cancel();
  if (conn_)
    conn_->close(ws::status::normal);  // on_closed finishes the stop
  else
    finish_stop();
}

void client_session::finish_stop() {
  if (auto done = std::move(stop_done_)) {
    stop_done_ = nullptr;
    done();
  }
}

void client_session::set_servers(std::vector<std::string> urls) {
  plan_.set_configured(std::move(urls));
}

void client_session::connect_next() {
  if (phase_ == phase::stopped || phase_ == phase::halted)
    return;
  conn_url_ = plan_.next_url();
  auto url = parse_ws_url(conn_url_);
  if (!url) {
    SPDLOG_LOGGER_WARN(logs::net(), "event=client_bad_server_url user={} url={}",
                       options_.user, conn_url_);
    schedule_reconnect(false);
    return;
  }
  phase_ = phase::connecting;
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_connecting user={} url={}", options_.user,
                      conn_url_);
  conn_ = std::make_shared<client_connection>(ex_, *url, weak_from_this(), max_server_message);
  login_timer_.expires_after(options_.login_timeout);
  login_timer_.async_wait([weak = weak_from_this(), conn = std::weak_ptr{conn_}](
                            boost::system::error_code ec) {
    auto self = weak.lock();
    auto c = conn.lock();
    if (!ec && self && c && c == self->conn_ && self->phase_ != phase::online)
      c->abort("no welcome in time");
  });
  conn_->open();
}

void client_session::schedule_reconnect(bool at_once) {
  if (phase_ == phase::stopped || phase_ == phase::halted)
    return;
  phase_ = phase::waiting;
  auto delay = at_once ? std::chrono::milliseconds{0} : plan_.next_delay();
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_reconnect_scheduled user={} delay_ms={}",
                      options_.user, delay.count());
  reconnect_timer_.expires_after(delay);
  reconnect_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec && self->phase_ == phase::waiting)
      self->connect_next();
  });
}

void client_session::on_open(client_connection& conn) {
  if (&conn != conn_.get())
    return;
  phase_ = phase::challenged;
}

void client_session::on_closed(client_connection& conn, const std::string& reason) {
  if (&conn != conn_.get())
    return;
  conn_.reset();
  login_timer_.cancel();
  heartbeat_timer_.cancel();
  // One-shot requests (a re-subscribe of this login) die with it; the rest wait.
  requests_.remove_if([](const pending_request& r) { return !r.resend; });
  bool was_online = phase_ == phase::online;
  online_.store(false);
  if (phase_ == phase::stopped) {
    finish_stop();
    return;
  }
  if (phase_ == phase::halted)
    return;
  if (was_online) {
    SPDLOG_LOGGER_INFO(logs::net(), "event=client_disconnected user={} url={} why={}",
                       options_.user, conn_url_, reason);
    plan_.lost(conn_url_);
    notify(callbacks_.on_disconnected, reason);
  } else {
    SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_connect_failed user={} url={} why={}",
                        options_.user, conn_url_, reason);
    notify(callbacks_.on_connect_failed, conn_url_, reason);
  }
  // A refused token is retried at once with a signature: the node did nothing wrong.
  bool retry_with_key = token_login_ && token_.empty();
  schedule_reconnect(retry_with_key);
}

void client_session::on_text(client_connection& conn, std::string& text) {
  if (&conn != conn_.get())
    return;
  auto frame = client_wire::decode(text);
  if (auto* unknown = std::get_if<client_wire::unknown>(&frame)) {
    SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_frame_skipped user={} why={}",
                        options_.user, unknown->why);
    return;
  }
  switch (phase_) {
    case phase::challenged:
      if (auto* c = std::get_if<client_wire::challenge>(&frame))
        on_challenge(*c);
      else
        conn.abort("the server did not send a challenge first");
      return;
    case phase::authenticating:
      if (auto* w = std::get_if<client_wire::welcome>(&frame))
        on_welcome(*w);
      else if (auto* e = std::get_if<client_wire::error>(&frame))
        on_session_error(*e);
      else
        conn.abort("the server answered hello with neither welcome nor error");
      return;
    case phase::online:
      on_frame(frame);
      return;
    default:
      return;  // stopping or halted: the rest of this connection does not matter
  }
}

// -- login ----------------------------------------------------------------------------------

void client_session::on_challenge(const client_wire::challenge& c) {
  token_login_ = !token_.empty();
  if (token_login_) {
    write(client_wire::hello_with_token(options_.user, token_));
  } else {
    write(client_wire::hello_with_key(options_.user, options_.keys.public_b64(),
                                      options_.keys.sign_login(c.nonce, options_.user),
                                      options_.device));
  }
  phase_ = phase::authenticating;
}

void client_session::on_welcome(client_wire::welcome& w) {
  phase_ = phase::online;
  online_.store(true);
  login_timer_.cancel();
  token_ = std::move(w.token);
  plan_.connected(conn_url_, w.info.nodes);
  SPDLOG_LOGGER_INFO(logs::net(), "event=client_connected user={} node={} url={} token_login={}",
                     options_.user, w.info.node, conn_url_, token_login_);
  forget_peers();
  notify(callbacks_.on_connected, w.info);
  write_waiting();
  start_uploads();
  ping_pending_ = false;
  if (options_.heartbeat.count() > 0)
    arm_heartbeat();
}

// Errors without a request id: the session itself is refused or ended.
void client_session::on_session_error(const client_wire::error& e) {
  if (e.code == "auth_failed" && token_login_) {
    SPDLOG_LOGGER_INFO(logs::net(), "event=client_token_refused user={} why={}", options_.user,
                       e.message);
    token_.clear();  // on_closed retries with a signature
    if (conn_)
      conn_->close(ws::status::normal);
    return;
  }
  if (e.code == "auth_failed" || e.code == "replaced") {
    halt(e.code, e.message);
    return;
  }
  notify(callbacks_.on_error, e.id, e.code, e.message);
}

void client_session::halt(const std::string& code, const std::string& message) {
  SPDLOG_LOGGER_WARN(logs::net(), "event=client_halted user={} code={} why={}", options_.user,
                     code, message);
  phase_ = phase::halted;
  online_.store(false);
  reconnect_timer_.cancel();
  login_timer_.cancel();
  heartbeat_timer_.cancel();
  resend_timer_.cancel();
  upload_timer_.cancel();
  lookup_retry_timer_.cancel();
  if (conn_)
    conn_->close(ws::status::normal);
  notify(callbacks_.on_error, std::string{}, code, message);
  notify(callbacks_.on_disconnected, code);
}

// -- liveness -------------------------------------------------------------------------------

// Runs every `heartbeat` while online. Silence for a heartbeat earns a WebSocket ping;
// a ping with nothing at all received since, one heartbeat later, ends the connection.
void client_session::heartbeat_tick() {
  if (phase_ != phase::online || !conn_)
    return;
  auto now = std::chrono::steady_clock::now();
  auto last = conn_->last_received();
  if (ping_pending_ && last < ping_sent_) {
    if (now - ping_sent_ >= options_.heartbeat) {
      conn_->abort("the server stopped answering");
      return;
    }
  } else {
    ping_pending_ = false;
    if (now - last >= options_.heartbeat) {
      conn_->send_ping();
      ping_sent_ = now;
      ping_pending_ = true;
    }
  }
  arm_heartbeat();
}

void client_session::arm_heartbeat() {
  heartbeat_timer_.expires_after(options_.heartbeat);
  heartbeat_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec)
      self->heartbeat_tick();
  });
}

} // namespace parley
