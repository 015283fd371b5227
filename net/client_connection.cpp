#include "net/client_connection.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <sodium.h>

#include "runtime/base64.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

constexpr size_t max_response_head = 16 * 1024;

// RFC 6455 5.3: the masking key must be unpredictable, so it comes from the system RNG.
uint32_t mask_key() {
  return randombytes_random();
}

std::string lowercase(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value of header `name` (lowercase) in a response head, trimmed; empty if absent.
std::string header_value(std::string_view head, std::string_view name) {
  auto lower = lowercase(head);
  auto at = lower.find("\r\n" + std::string{name} + ":");
  if (at == std::string::npos)
    return {};
  auto begin = at + 3 + name.size();
  auto end = head.find("\r\n", begin);
  auto value = head.substr(begin, end - begin);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  return std::string{value};
}

} // namespace

client_connection::client_connection(client_executor ex, ws_url url,
                                     std::weak_ptr<listener> owner, size_t max_message)
  : ex_(ex),
    url_(std::move(url)),
    owner_(std::move(owner)),
    resolver_(ex),
    socket_(ex),
    linger_timer_(ex),
    reader_(false, max_message) {
}

client_connection::~client_connection() = default;

void client_connection::open() {
  phase_ = phase::resolving;
  resolver_.async_resolve(url_.host, std::to_string(url_.port),
                          [self = shared_from_this()](boost::system::error_code ec,
                                                      tcp::resolver::results_type results) {
                            self->on_resolved(ec, std::move(results));
                          });
}

void client_connection::on_resolved(boost::system::error_code ec,
                                    tcp::resolver::results_type results) {
  if (phase_ != phase::resolving)
    return;
  if (ec) {
    finish("cannot resolve " + url_.host + ": " + ec.message());
    return;
  }
  phase_ = phase::connecting;
  boost::asio::async_connect(socket_, results,
                             [self = shared_from_this()](boost::system::error_code ec,
                                                         const tcp::endpoint&) {
                               self->on_connected(ec);
                             });
}

void client_connection::on_connected(boost::system::error_code ec) {
  if (phase_ != phase::connecting)
    return;
  if (ec) {
    finish("cannot connect: " + ec.message());
    return;
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  phase_ = phase::upgrading;
  std::string nonce(16, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  upgrade_key_ = base64_encode(nonce);
  // The request goes out through the write queue's buffer, so frames queued meanwhile
  // wait behind it; the response is read at the same time.
  out_writing_ = "GET " + url_.target + " HTTP/1.1\r\nHost: " + url_.host_header()
                 + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                 + upgrade_key_ + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(out_writing_),
                           [self = shared_from_this()](boost::system::error_code ec, size_t) {
                             self->on_written(ec);
                           });
  boost::asio::async_read_until(socket_, boost::asio::dynamic_buffer(head_, max_response_head),
                                "\r\n\r\n",
                                [self = shared_from_this()](boost::system::error_code ec,
                                                            size_t n) {
                                  self->on_upgrade_response(ec, n);
                                });
}

void client_connection::on_upgrade_response(boost::system::error_code ec, size_t head_size) {
  if (phase_ != phase::upgrading)
    return;
  if (ec) {
    finish("no upgrade response: " + ec.message());
    return;
  }
  std::string_view head{head_.data(), head_size};
  bool switching = head.substr(0, 12) == "HTTP/1.1 101" && (head[12] == ' ' || head[12] == '\r');
  if (!switching) {
    finish("upgrade refused: " + std::string{head.substr(0, head.find("\r\n"))});
    return;
  }
  if (header_value(head, "sec-websocket-accept") != ws::accept_key(upgrade_key_)) {
    finish("upgrade refused: wrong Sec-WebSocket-Accept");
    return;
  }
  // Frames may have arrived in the same read as the head.
  reader_.feed(head_.data() + head_size, head_.size() - head_size);
  std::string{}.swap(head_);
  phase_ = phase::open;
  last_received_ = std::chrono::steady_clock::now();
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_upgraded host={} port={}", url_.host,
                      url_.port);
  if (auto owner = owner_.lock())
    owner->on_open(*this);
  flush();
  if (phase_ == phase::closed || !reader_.drain([this](auto ev) { return dispatch(ev); }))
    return;
  read_more();
}

// -- reading ----------------------------------------------------------------------------

void client_connection::read_more() {
  socket_.async_read_some(boost::asio::buffer(read_buffer_),
                          [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                            self->on_read(ec, n);
                          });
}

void client_connection::on_read(boost::system::error_code ec, size_t n) {
  if (phase_ == phase::closed)
    return;
  if (ec) {
    finish(ec == boost::asio::error::eof ? std::string{"connection closed by the server"}
                                         : "connection lost: " + ec.message());
    return;
  }
  last_received_ = std::chrono::steady_clock::now();
  reader_.feed(read_buffer_.data(), n);
  if (!reader_.drain([this](auto ev) { return dispatch(ev); }))
    return;
  if (reader_.buffered() == 0)
    reader_.shrink();
  read_more();
}

// Handles one reader event; false once nothing more should be read.
bool client_connection::dispatch(ws::reader::event ev) {
  using event = ws::reader::event;
  switch (ev) {
    case event::text:
      SPDLOG_LOGGER_TRACE(logs::net(), "event=client_text_in bytes={}", reader_.payload().size());
      if (auto owner = owner_.lock())
        owner->on_text(*this, reader_.payload());
      return phase_ != phase::closed;
    case event::binary:
      close_reason_ = "the server sent a binary frame";
      close(ws::status::unsupported_data);
      return phase_ != phase::closed;
    case event::ping:
      enqueue(ws::opcode::pong, reader_.payload());
      return true;
    case event::pong:
    case event::need_more:
      return true;
    case event::close:
      close_received_ = true;
      if (close_sent_) {
        finish(close_reason_.empty() ? "closed" : close_reason_);
        return false;
      }
      close_reason_ = "closed by the server (status " + std::to_string(reader_.close_code()) + ")";
      close(reader_.close_code());
      return phase_ != phase::closed;
    case event::error:
      close_reason_ = "bad frame from the server (status "
                      + std::to_string(reader_.close_code()) + ")";
      close(reader_.close_code());
      return false;
  }
  return true;
}

// -- writing ----------------------------------------------------------------------------

void client_connection::send_text(std::string_view text) {
  enqueue(ws::opcode::text, text);
}

void client_connection::send_ping() {
  enqueue(ws::opcode::ping, {});
}

void client_connection::enqueue(ws::opcode op, std::string_view payload) {
  if (close_sent_ || phase_ == phase::closed)
    return;
  ws::append_frame(out_pending_, op, payload, mask_key());
  flush();
}

void client_connection::flush() {
  bool can_write = phase_ == phase::open || phase_ == phase::closing;
  if (writing_ || !can_write || out_pending_.empty())
    return;
  out_writing_.clear();
  out_writing_.swap(out_pending_);
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(out_writing_),
                           [self = shared_from_this()](boost::system::error_code ec, size_t) {
                             self->on_written(ec);
                           });
}

void client_connection::on_written(boost::system::error_code ec) {
  writing_ = false;
  if (phase_ == phase::closed)
    return;
  if (ec) {
    finish("write failed: " + ec.message());
    return;
  }
  if (!out_pending_.empty()) {
    flush();
    return;
  }
  // Both close frames have crossed: the TCP connection has nothing more to carry.
  if (close_sent_ && close_received_)
    finish(close_reason_);
}

// -- closing ----------------------------------------------------------------------------

void client_connection::close(uint16_t code, std::chrono::milliseconds linger) {
  if (phase_ == phase::closed || close_sent_)
    return;
  if (phase_ != phase::open) {
    finish(close_reason_.empty() ? "closed before the upgrade" : close_reason_);
    return;
  }
  phase_ = phase::closing;
  if (close_reason_.empty())
    close_reason_ = "closed by the client (status " + std::to_string(code) + ")";
  // 1005 and 1006 must never be sent (RFC 6455 7.4.1).
  if (code == 1005 || code == 1006 || code == 0)
    code = ws::status::normal;
  ws::append_close(out_pending_, code, mask_key());
  close_sent_ = true;
  flush();
  linger_timer_.expires_after(linger);
  linger_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec)
      self->finish(self->close_reason_);
  });
}

void client_connection::abort(const std::string& reason) {
  finish(reason);
}

void client_connection::finish(const std::string& reason) {
  if (phase_ == phase::closed)
    return;
  // The owner usually drops its reference in on_closed; this call must outlive that.
  auto self = shared_from_this();
  phase_ = phase::closed;
  boost::system::error_code ignored;
  linger_timer_.cancel();
  resolver_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_connection_closed host={} port={} why={}",
                      url_.host, url_.port, reason);
  if (auto owner = owner_.lock())
    owner->on_closed(*this, reason);
}

} // namespace parley
