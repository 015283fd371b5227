#include "net/ws_connection.hpp"

// A client's WebSocket: reading, login, and the idle check; what is written to it, and
// the closing of its socket, is ws_connection_writes.cpp.

#include <algorithm>
#include <array>
#include <cstdint>

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "runtime/clock.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

constexpr auto hello_timeout = std::chrono::seconds{10};
// Reads per readiness before the connection waits again: a client that keeps its socket
// full must not hold the worker, which runs every actor too.
constexpr int max_reads_per_wake = 4;

// Reads land here first; only a partial frame is copied into the connection.
std::array<char, 65536>& scratch() {
  thread_local std::array<char, 65536> buffer;
  return buffer;
}

} // namespace

ws_connection::ws_connection(tcp::socket socket, gateway_context& ctx)
  : socket_(std::move(socket)), ctx_(ctx), reader_(true, json::max_frame) {
}

ws_connection::~ws_connection() = default;

void ws_connection::start(const std::string& handshake, const std::string& leftover) {
  {
    std::lock_guard<std::mutex> guard{out_mutex_};
    out_pending_ = handshake;
  }
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(boost::asio::socket_base::keep_alive(true), ec);
  heard_ms_ = steady_ms();
  if (ctx_.idle)
    ctx_.idle->watch(weak_from_this());
  login_ = std::make_unique<awaiting_login>(
    awaiting_login{authority::make_nonce(), boost::asio::steady_timer{socket_.get_executor()}});
  std::string challenge = "{\"op\":\"challenge\",\"nonce\":";
  json::append_string(challenge, login_->nonce);
  challenge += '}';
  enqueue(ws::opcode::text, challenge);
  login_->deadline.expires_after(hello_timeout);
  login_->deadline.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->phase_ == phase::awaiting_hello)
      self->reject_login("no hello in time");
  });
  if (!leftover.empty()) {
    reader_.feed(leftover.data(), leftover.size());
    reader_.drain([this](auto ev) { return dispatch(ev); });
  }
  wait_readable();
}

void ws_connection::wait_readable() {
  if (phase_ == phase::closed)
    return;
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](boost::system::error_code ec) {
                       if (ec) {
                         self->finish();
                         return;
                       }
                       self->read_available();
                     });
}

void ws_connection::read_available() {
  auto& buf = scratch();
  for (int reads = 0; reads < max_reads_per_wake; ++reads) {
    boost::system::error_code ec;
    auto n = socket_.read_some(boost::asio::buffer(buf), ec);
    if (ec == boost::asio::error::would_block)
      break;
    if (ec) {
      finish();
      return;
    }
    heard_ms_ = steady_ms();
    pinged_after_ms_ = -1;
    reader_.feed(buf.data(), n);
    if (!reader_.drain([this](auto ev) { return dispatch(ev); }))
      return;
    if (n < buf.size())
      break;
  }
  if (reader_.buffered() == 0)
    reader_.shrink();
  wait_readable();
}

// Handles one event of the reader; false once the connection is done reading.
bool ws_connection::dispatch(ws::reader::event ev) {
  using event = ws::reader::event;
  switch (ev) {
    case event::text:
      on_text(reader_.payload());
      return phase_ != phase::closed;
    case event::binary:
      SPDLOG_LOGGER_DEBUG(logs::net(), "event=binary_frame_rejected");
      enqueue_close(ws::status::unsupported_data);
      finish();
      return false;
    case event::ping:
      enqueue(ws::opcode::pong, reader_.payload());
      tell_alive();
      return true;
    case event::pong:
      // The answer to our own ping (idle_watch): the client lives, but its user did
      // nothing; counting it for last_seen would write every idle user's row twice a
      // minute.
      return true;
    case event::close:
      enqueue_close(ws::status::normal);
      finish();
      return false;
    case event::error:
      enqueue_close(reader_.close_code());
      finish();
      return false;
    case event::need_more:
      return true;
  }
  return true;
}

// A ping is a frame of the user's too (last_seen), but a flood of them must cost pongs,
// not actor messages.
void ws_connection::tell_alive() {
  if (auto now = steady_ms(); phase_ == phase::open && now - alive_told_ms_ >= 1000) {
    alive_told_ms_ = now;
    caf::anon_send(session_, client_alive{});
  }
}

void ws_connection::on_text(std::string& text) {
  auto decoded = json::decode_client_frame(text);
  if (phase_ == phase::awaiting_hello) {
    if (auto* hello = std::get_if<json::hello_frame>(&decoded))
      on_hello(*hello);
    else
      reject_login("the first frame must be a valid hello");
    return;
  }
  std::visit(
    [this](auto& frame) {
      using T = std::decay_t<decltype(frame)>;
      if constexpr (std::is_same_v<T, json::rejected_frame>) {
        SPDLOG_LOGGER_DEBUG(logs::net(), "event=frame_rejected code={} why={}",
                            to_string(frame.code), frame.message);
        // Answered by the session: a refused frame is still a frame of the user's.
        caf::anon_send(session_, refused_request{std::move(frame.id), frame.code,
                                                 std::move(frame.message)});
      } else if constexpr (std::is_same_v<T, json::hello_frame>) {
        caf::anon_send(session_, refused_request{std::move(frame.id), errc::bad_request,
                                                 "already logged in"});
      } else {
        if constexpr (std::is_same_v<T, send_request>)
          frame.arrived_ns = steady_ns();
        caf::anon_send(session_, std::move(frame));
      }
    },
    decoded);
}

void ws_connection::on_hello(json::hello_frame& hello) {
  auto now = now_ms();
  if (!hello.token.empty()) {
    auto user = ctx_.auth.verify_token(hello.token, now);
    if (!user || *user != hello.user) {
      reject_login("invalid or expired token");
      return;
    }
  }
  // Without a token the signature is the proof; beside one, a signature given must hold.
  bool signed_hello = hello.token.empty() || !hello.key.empty() || !hello.sig.empty();
  if (signed_hello
      && !authority::verify_signature(hello.user, login_->nonce, hello.key, hello.sig)) {
    reject_login("bad signature");
    return;
  }
  login_.reset();  // a nonce serves one hello
  phase_ = phase::open;
  session_args args;
  args.user = hello.user;
  args.key = std::move(hello.key);
  args.token = ctx_.auth.issue_token(hello.user, now);
  args.nodes = ctx_.client_urls();
  args.link = shared_from_this();
  session_ = spawn_session(ctx_.sys, std::move(args), ctx_.session, &ctx_.metrics);
}

void ws_connection::reject_login(const char* why) {
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=auth_failed why={}", why);
  send(error_frame{{}, errc::auth_failed, why});
  enqueue_close(ws::status::policy_violation);
  finish();
}

void ws_connection::finish() {
  if (phase_ == phase::closed)
    return;
  phase_ = phase::closed;
  login_.reset();
  if (session_) {
    caf::anon_send(session_, closed_atom_v);
    session_ = nullptr;
  }
  // Unless a close frame is on its way out, nothing more will be written: close now.
  std::lock_guard<std::mutex> guard{out_mutex_};
  if (!close_queued_ || (!in_flight_ && !flush_posted_ && out_pending_.empty())) {
    close_queued_ = true;
    if (!in_flight_ && !flush_posted_)
      close_socket_locked();
  }
}

idle_watched::check ws_connection::check_idle(int64_t now, std::chrono::milliseconds timeout,
                                              bool may_ping) {
  if (phase_ == phase::closed)
    return check::done;
  auto silent = now - heard_ms_;
  auto half = timeout.count() / 2;
  if (pinged_after_ms_ >= 0) {
    if (silent - pinged_after_ms_ < half)
      return check::alive;
    SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_silent silent_ms={}", silent);
    close_silent();
    return check::done;
  }
  if (silent < half || !may_ping)
    return check::alive;
  pinged_after_ms_ = static_cast<int32_t>(std::min<int64_t>(silent, INT32_MAX));
  enqueue(ws::opcode::ping, {});
  return check::pinged;
}

} // namespace parley
