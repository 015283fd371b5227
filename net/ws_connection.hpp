#pragma once

// The server side of one client WebSocket (after the HTTP upgrade), and the session's
// client_link.
//
//   awaiting_hello --(valid hello)--> open --(close frame | EOF | close())--> closed
//        \--(anything else, or 10 s)--> closed with auth_failed
//
// Reads wait for readability and then read into a per-thread scratch buffer, so an idle
// connection holds no read buffer. A frame sent while nothing is queued is written at
// once by the sending thread; frames that find others queued are framed into one pending
// buffer and leave in a single write per flush on the io_context (which the CAF worker
// runs between actors' turns: "the Asio thread" below). While corked (the
// session has more messages waiting), frames gather in the pending buffer and uncork()
// writes them from the sending thread in one send().

#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/actor.hpp>

#include "actors/client_link.hpp"
#include "net/gateway_context.hpp"
#include "net/idle_watch.hpp"
#include "net/json_codec.hpp"
#include "net/ws_frame.hpp"

namespace parley {

class ws_connection : public client_link,
                      public idle_watched,
                      public std::enable_shared_from_this<ws_connection> {
public:
  using tcp = boost::asio::ip::tcp;

  ws_connection(tcp::socket socket, gateway_context& ctx);
  ~ws_connection() override;

  /// Writes `handshake` (the 101 response) and the challenge, then starts reading;
  /// `leftover` are bytes the HTTP parser read past the upgrade request.
  void start(const std::string& handshake, const std::string& leftover);

  bool send(outgoing_frame frame) override;
  void close(close_reason why) override;
  void cork() override;
  std::vector<int64_t> uncork() override;

  check check_idle(int64_t now, std::chrono::milliseconds timeout, bool may_ping) override;

private:
  enum class phase { awaiting_hello, open, closed };

  void wait_readable();
  void read_available();
  bool dispatch(ws::reader::event ev);
  void on_text(std::string& text);
  void tell_alive();
  void on_hello(json::hello_frame& hello);
  void reject_login(const char* why);

  /// `receipt_seq`: the seq of a receipt inside the frame (never 0), reported back to the
  /// session once written later. True when the frame was written before returning.
  bool enqueue(ws::opcode op, std::string_view payload, int64_t receipt_seq = 0);
  void enqueue_close(uint16_t code);
  /// Writes what the kernel takes now, without blocking; returns how many bytes it took.
  size_t send_now(std::string_view bytes);
  /// Has the Asio thread write out_pending_ (out_mutex_ held).
  void post_flush_locked();
  void flush();
  void on_written(boost::system::error_code ec);
  void finish();
  void close_socket_locked();
  /// Closes a client that stopped answering: the close frame goes only if the kernel
  /// takes it now, since a frozen client's full window would hold it for good.
  void close_silent();

  tcp::socket socket_;
  gateway_context& ctx_;
  ws::reader reader_;
  phase phase_ = phase::awaiting_hello;
  // Until login: the challenge's nonce and the hello's deadline (an idle connection
  // holds neither).
  struct awaiting_login {
    std::string nonce;
    boost::asio::steady_timer deadline;
  };
  std::unique_ptr<awaiting_login> login_;
  caf::actor session_;

  // Guards the fields below: send() comes from whichever thread runs the session actor,
  // the socket's own thread in a node (one worker runs both) but not under every
  // scheduler (tests, more workers).
  std::mutex out_mutex_;
  std::string out_pending_;
  std::vector<int64_t> receipts_pending_;  // receipts framed into out_pending_
  // The write the Asio thread has under way, with the receipts inside it (none: no
  // write; an idle connection holds no write buffer).
  struct write_in_flight {
    std::string bytes;
    std::vector<int64_t> receipts;
  };
  std::unique_ptr<write_in_flight> in_flight_;
  bool flush_posted_ = false;
  bool close_queued_ = false;
  bool corked_ = false;
  bool socket_closed_ = false;
  // When a WebSocket ping last told the session the client is alive (steady_ms).
  int64_t alive_told_ms_ = 0;
  // When bytes last came from the client (steady_ms), and how long after that the
  // client was pinged (-1: not yet). Asio thread only.
  int64_t heard_ms_ = 0;
  int32_t pinged_after_ms_ = -1;
};

} // namespace parley
