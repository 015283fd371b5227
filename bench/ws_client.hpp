#pragma once

// One client WebSocket of the bench: TCP connect, HTTP upgrade, then text frames both
// ways. Everything runs on the io thread that owns the connection, so nothing is locked.
//
//   connecting --> upgrading --(101 + accept key)--> open --(close())--> closing
//        \              \                               \                  |
//         `--------------`---(error, EOF, close frame)---`----> closed <---'
//
// Frames queued while a write is in flight leave together in the next write, as the
// node does (DESIGN.md: one gathered write per flush doubled the relay's throughput).

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/ws_frame.hpp"

namespace parley::bench {

class ws_client;

/// Why a connection ended. `clean`: the close handshake completed after close().
struct close_info {
  const char* why;
  uint16_t code;  // the peer's close status, 0 without a close frame
  bool clean;
};

class ws_handler {
public:
  virtual void on_open(ws_client& c) = 0;
  virtual void on_text(ws_client& c, std::string& text) = 0;
  virtual void on_closed(ws_client& c, const close_info& info) = 0;

protected:
  ~ws_handler() = default;
};

class ws_client {
public:
  using tcp = boost::asio::ip::tcp;

  ws_client(boost::asio::io_context& io, ws_handler& handler, uint32_t tag);
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Connects and upgrades; `host` is the Host header.
  void connect(const tcp::endpoint& at, const std::string& host);
  void send_text(std::string_view text);
  /// Starts the close handshake; on_closed follows once the node answers or hangs up.
  void close();

  bool is_open() const { return phase_ == phase::open; }
  bool is_closed() const { return phase_ == phase::closed; }
  uint32_t tag() const { return tag_; }

private:
  enum class phase { idle, connecting, upgrading, open, closing, closed };

  void spread_source(const tcp::endpoint& at);
  void on_connected(boost::system::error_code ec);
  void wait_readable();
  void read_available();
  bool take_upgrade_response(const char* data, size_t size);
  bool drain_frames();
  void enqueue(ws::opcode op, std::string_view payload);
  void flush();
  void on_written(boost::system::error_code ec);
  void finish(const char* why, uint16_t code, bool clean);
  uint32_t next_mask();

  tcp::socket socket_;
  ws_handler& handler_;
  uint32_t tag_;
  phase phase_ = phase::idle;
  std::string request_;      // the upgrade request, until written
  std::string expect_accept_;
  std::string head_;         // the upgrade response so far
  ws::reader reader_;
  std::string out_pending_;
  std::string out_writing_;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool hang_up_after_write_ = false;  // the close handshake is done on our side
  uint16_t peer_close_code_ = 0;
  uint64_t mask_state_;
};

} // namespace parley::bench
