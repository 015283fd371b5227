#include "bench/ws_client.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>

#include "runtime/base64.hpp"

namespace parley::bench {

namespace {

// Larger than the node's biggest frame (128 KiB) so a legal frame is never refused.
constexpr size_t max_server_message = 256 * 1024;
constexpr size_t max_response_head = 8192;

// Reads land here first; the reader keeps only what belongs to a partial frame.
std::array<char, 65536>& scratch() {
  thread_local std::array<char, 65536> buffer;
  return buffer;
}

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

ws_client::ws_client(boost::asio::io_context& io, ws_handler& handler, uint32_t tag)
  : socket_(io),
    handler_(handler),
    tag_(tag),
    reader_(false, max_server_message),
    mask_state_(0x9E3779B97F4A7C15ULL * (tag + 1)) {
}

void ws_client::connect(const tcp::endpoint& at, const std::string& host) {
  std::string nonce(16, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  auto key = base64_encode(nonce);
  expect_accept_ = ws::accept_key(key);
  request_ = "GET /v1/ws HTTP/1.1\r\nHost: " + host
             + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
             + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  phase_ = phase::connecting;
  spread_source(at);
  socket_.async_connect(at, [this](boost::system::error_code ec) { on_connected(ec); });
}

// Thousands of connections from one address to one port make the kernel's search for a
// free ephemeral port in connect() the bench's main cost (19,000 logins spent 14 s in the
// kernel). On loopback every 127.x.y.z is ours, so connections are spread over source
// addresses; the port is still picked at connect time (IP_BIND_ADDRESS_NO_PORT).
void ws_client::spread_source(const tcp::endpoint& at) {
  if (!at.address().is_v4() || !at.address().is_loopback())
    return;
  boost::system::error_code ec;
  socket_.open(tcp::v4(), ec);
  if (ec)
    return;
  int on = 1;
  ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on));
  auto source = boost::asio::ip::make_address_v4(0x7F000002u + tag_ % 250);  // 127.0.0.2..251
  socket_.bind({source, 0}, ec);
}

void ws_client::on_connected(boost::system::error_code ec) {
  if (phase_ != phase::connecting)
    return;
  if (ec) {
    finish("connect failed", 0, false);
    return;
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);
  phase_ = phase::upgrading;
  out_pending_ = std::move(request_);
  flush();
  wait_readable();
}

void ws_client::wait_readable() {
  socket_.async_wait(tcp::socket::wait_read, [this](boost::system::error_code ec) {
    if (phase_ == phase::closed)
      return;
    if (ec) {
      finish("read failed", 0, false);
      return;
    }
    read_available();
  });
}

void ws_client::read_available() {
  auto& buf = scratch();
  for (;;) {
    boost::system::error_code ec;
    auto n = socket_.read_some(boost::asio::buffer(buf), ec);
    if (ec == boost::asio::error::would_block)
      break;
    if (ec) {
      bool eof = ec == boost::asio::error::eof;
      finish(eof ? "connection closed by the node" : "read failed", 0, false);
      return;
    }
    if (phase_ == phase::upgrading) {
      if (!take_upgrade_response(buf.data(), n))
        return;
    } else {
      reader_.feed(buf.data(), n);
    }
    if (!drain_frames())
      return;
    if (n < buf.size())
      break;
  }
  wait_readable();
}

// False once the connection is closed.
bool ws_client::take_upgrade_response(const char* data, size_t size) {
  head_.append(data, size);
  auto end = head_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (head_.size() <= max_response_head)
      return true;
    finish("upgrade refused", 0, false);
    return false;
  }
  auto head = lower(std::string_view{head_}.substr(0, end + 2));
  auto accept = head.find("\r\nsec-websocket-accept:");
  bool ok = head.rfind("http/1.1 101", 0) == 0 && accept != std::string::npos;
  if (ok) {
    auto from = head_.find_first_not_of(' ', accept + 23);
    auto to = head_.find("\r\n", from);
    ok = head_.compare(from, to - from, expect_accept_) == 0;
  }
  if (!ok) {
    finish("upgrade refused", 0, false);
    return false;
  }
  reader_.feed(head_.data() + end + 4, head_.size() - end - 4);
  std::string{}.swap(head_);
  std::string{}.swap(expect_accept_);
  phase_ = phase::open;
  handler_.on_open(*this);
  return phase_ != phase::closed;
}

bool ws_client::drain_frames() {
  using event = ws::reader::event;
  for (;;) {
    switch (reader_.next()) {
      case event::need_more:
        return true;
      case event::text:
        handler_.on_text(*this, reader_.payload());
        if (phase_ == phase::closed)
          return false;
        break;
      case event::binary:
      case event::pong:
        break;
      case event::ping:
        enqueue(ws::opcode::pong, reader_.payload());
        break;
      case event::close:
        if (phase_ == phase::closing) {
          finish("closed", reader_.close_code(), true);
          return false;
        }
        // The node closed first: echo its close frame, then hang up once it is written.
        ws::append_close(out_pending_, reader_.close_code(), next_mask());
        hang_up_after_write_ = true;
        flush();
        finish("closed by the node", reader_.close_code(), false);
        return false;
      case event::error:
        finish("bad frame from the node", reader_.close_code(), false);
        return false;
    }
  }
}

// -- writing --------------------------------------------------------------------------

void ws_client::send_text(std::string_view text) {
  if (phase_ == phase::open)
    enqueue(ws::opcode::text, text);
}

void ws_client::close() {
  if (phase_ == phase::open) {
    ws::append_close(out_pending_, ws::status::normal, next_mask());
    phase_ = phase::closing;
    if (!writing_ && !flush_posted_)
      flush();
  } else if (phase_ == phase::connecting || phase_ == phase::upgrading) {
    finish("closed before the upgrade", 0, true);
  }
}

void ws_client::enqueue(ws::opcode op, std::string_view payload) {
  ws::append_frame(out_pending_, op, payload, next_mask());
  if (!writing_ && !flush_posted_) {
    // Posted, so that all frames produced while handling one read leave in one write.
    flush_posted_ = true;
    boost::asio::post(socket_.get_executor(), [this] { flush(); });
  }
}

void ws_client::flush() {
  flush_posted_ = false;
  if (writing_ || out_pending_.empty() || !socket_.is_open())
    return;
  out_writing_.swap(out_pending_);
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(out_writing_),
                           [this](boost::system::error_code ec, size_t) { on_written(ec); });
}

void ws_client::on_written(boost::system::error_code ec) {
  writing_ = false;
  out_writing_.clear();
  if (ec) {
    if (phase_ != phase::closed)
      finish("write failed", 0, false);
    return;
  }
  if (!out_pending_.empty())
    flush();
  else if (phase_ == phase::closed && socket_.is_open())
    socket_.close(ec);
}

void ws_client::finish(const char* why, uint16_t code, bool clean) {
  if (phase_ == phase::closed)
    return;
  phase_ = phase::closed;
  bool echo_pending = hang_up_after_write_ && (writing_ || !out_pending_.empty());
  if (!echo_pending) {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    std::string{}.swap(out_pending_);
  }
  handler_.on_closed(*this, close_info{why, code, clean});
}

uint32_t ws_client::next_mask() {
  // RFC 6455 wants unpredictable masks against proxy cache poisoning; the node only
  // unmasks, so a fast LCG is enough for a load tool.
  mask_state_ = mask_state_ * 6364136223846793005ULL + 1442695040888963407ULL;
  return static_cast<uint32_t>(mask_state_ >> 32);
}

} // namespace parley::bench
