#include "net/ws_connection.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
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

uint16_t close_code(close_reason why) {
  switch (why) {
    case close_reason::normal:
    case close_reason::replaced:
      return ws::status::normal;
    case close_reason::auth_failed:
      return ws::status::policy_violation;
    case close_reason::shutdown:
      return ws::status::going_away;
    case close_reason::internal:
      return ws::status::internal_error;
  }
  return ws::status::normal;
}

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

// -- writing --------------------------------------------------------------------------

bool ws_connection::send(outgoing_frame frame) {
  thread_local std::string text;
  text.clear();
  json::encode(text, frame);
  int64_t receipt_seq = 0;
  if (auto* item = std::get_if<item_frame>(&frame); item && item->item.kind == item_kind::receipt)
    receipt_seq = item->item.seq;
  return enqueue(ws::opcode::text, text, receipt_seq);
}

void ws_connection::close(close_reason why) {
  enqueue_close(close_code(why));
}

bool ws_connection::enqueue(ws::opcode op, std::string_view payload, int64_t receipt_seq) {
  std::lock_guard<std::mutex> guard{out_mutex_};
  if (close_queued_)
    return false;
  if (!corked_ && !flush_posted_ && !in_flight_ && out_pending_.empty() && !socket_closed_) {
    // Nothing queued: write from this thread at once. A flush on the io_context for
    // every frame cost more than the write itself on this VM (docs/benchmarks.md).
    thread_local std::string frame;
    frame.clear();
    ws::append_frame(frame, op, payload);
    auto n = send_now(frame);
    if (n == frame.size())
      return true;
    // The kernel took part or nothing: the rest goes out through the Asio thread.
    out_pending_.assign(frame, n, std::string::npos);
  } else {
    ws::append_frame(out_pending_, op, payload);
  }
  if (receipt_seq != 0)
    receipts_pending_.push_back(receipt_seq);
  if (!corked_ && !flush_posted_ && !in_flight_) {
    post_flush_locked();
  }
  return false;
}

size_t ws_connection::send_now(std::string_view bytes) {
  auto n = ::send(socket_.native_handle(), bytes.data(), bytes.size(),
                  MSG_NOSIGNAL | MSG_DONTWAIT);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

void ws_connection::post_flush_locked() {
  flush_posted_ = true;
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

void ws_connection::cork() {
  std::lock_guard<std::mutex> guard{out_mutex_};
  corked_ = true;
}

std::vector<int64_t> ws_connection::uncork() {
  std::vector<int64_t> written;
  std::lock_guard<std::mutex> guard{out_mutex_};
  corked_ = false;
  if (flush_posted_ || in_flight_ || out_pending_.empty())
    return written;  // the Asio thread writes them (a close or a slow socket came first)
  if (!socket_closed_) {
    auto n = send_now(out_pending_);
    if (n == out_pending_.size()) {
      std::string{}.swap(out_pending_);  // idle connections keep no write buffer
      written.swap(receipts_pending_);
      return written;
    }
    out_pending_.erase(0, n);
  }
  post_flush_locked();
  return written;
}

void ws_connection::enqueue_close(uint16_t code) {
  std::lock_guard<std::mutex> guard{out_mutex_};
  if (close_queued_)
    return;
  close_queued_ = true;
  ws::append_close(out_pending_, code);
  if (!flush_posted_ && !in_flight_) {
    post_flush_locked();
  }
}

void ws_connection::flush() {
  const std::string* bytes = nullptr;  // stays put until on_written
  {
    std::lock_guard<std::mutex> guard{out_mutex_};
    flush_posted_ = false;
    if (in_flight_ || out_pending_.empty())
      return;
    in_flight_ = std::make_unique<write_in_flight>();
    in_flight_->bytes.swap(out_pending_);
    in_flight_->receipts.swap(receipts_pending_);
    bytes = &in_flight_->bytes;
  }
  boost::asio::async_write(socket_, boost::asio::buffer(*bytes),
                           [self = shared_from_this()](boost::system::error_code ec, size_t) {
                             self->on_written(ec);
                           });
}

void ws_connection::on_written(boost::system::error_code ec) {
  bool more = false;
  bool done = false;
  std::vector<int64_t> written_receipts;
  {
    std::lock_guard<std::mutex> guard{out_mutex_};
    auto written = std::move(in_flight_);
    if (!ec)
      written_receipts.swap(written->receipts);
    more = !ec && !out_pending_.empty();
    done = ec || (close_queued_ && out_pending_.empty());
  }
  if (!written_receipts.empty() && session_)
    caf::anon_send(session_, written_atom_v, std::move(written_receipts));
  if (more) {
    flush();
    return;
  }
  if (done) {
    {
      std::lock_guard<std::mutex> guard{out_mutex_};
      close_socket_locked();
    }
    finish();
  }
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

void ws_connection::close_silent() {
  {
    std::lock_guard<std::mutex> guard{out_mutex_};
    if (!close_queued_ && !in_flight_ && !flush_posted_ && out_pending_.empty()
        && !socket_closed_) {
      std::string frame;
      ws::append_close(frame, ws::status::going_away);
      send_now(frame);
    }
    close_queued_ = true;
    close_socket_locked();
  }
  finish();
}

// Under out_mutex_: enqueue() may be writing to the descriptor from an actor thread, and
// a closed descriptor number can be reused by the next connection at once.
void ws_connection::close_socket_locked() {
  if (socket_closed_)
    return;
  socket_closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

} // namespace parley
