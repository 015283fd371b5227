#pragma once

// One client WebSocket (RFC 6455) over plain TCP: resolve, connect, upgrade, then text
// frames both ways. It knows nothing of Parley's frames; the session above it does. All
// of it runs on one strand, and every outgoing byte goes through one write queue, so
// there is never more than one async_write on the socket.
//
//   resolving -> connecting -> upgrading -> open -> closing -> closed
//        \____________\____________\__________\________________/^
//                  any error, abort(), or the server's close

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/client_url.hpp"
#include "net/ws_frame.hpp"

namespace parley {

using client_executor = boost::asio::strand<boost::asio::io_context::executor_type>;

class client_connection : public std::enable_shared_from_this<client_connection> {
public:
  /// What a connection reports to its owner, always on the strand.
  class listener {
  public:
    virtual ~listener() = default;
    /// The upgrade succeeded; frames may flow.
    virtual void on_open(client_connection& conn) = 0;
    /// One complete text message.
    virtual void on_text(client_connection& conn, std::string& text) = 0;
    /// Exactly once per connection, whatever ended it (close() and abort() included).
    virtual void on_closed(client_connection& conn, const std::string& reason) = 0;
  };

  /// Server messages above `max_message` bytes end the connection (status 1009).
  client_connection(client_executor ex, ws_url url, std::weak_ptr<listener> owner,
                    size_t max_message);
  ~client_connection();
  client_connection(const client_connection&) = delete;
  client_connection& operator=(const client_connection&) = delete;

  /// Starts resolving and connecting; reports on_open or on_closed.
  void open();
  /// Queues a text frame. Before the upgrade completes it waits; after close(), it is
  /// dropped.
  void send_text(std::string_view text);
  /// A WebSocket ping: the server's pong proves the path is alive.
  void send_ping();
  /// Sends a close frame and waits (at most `linger`) for the server's; an unopened
  /// connection is dropped at once.
  void close(uint16_t code, std::chrono::milliseconds linger = std::chrono::seconds{1});
  /// Drops the connection now.
  void abort(const std::string& reason);

  /// When the last bytes arrived (or the connection opened).
  std::chrono::steady_clock::time_point last_received() const { return last_received_; }

private:
  enum class phase { idle, resolving, connecting, upgrading, open, closing, closed };
  using tcp = boost::asio::ip::tcp;

  void on_resolved(boost::system::error_code ec, tcp::resolver::results_type results);
  void on_connected(boost::system::error_code ec);
  void on_upgrade_response(boost::system::error_code ec, size_t head_size);
  void read_more();
  void on_read(boost::system::error_code ec, size_t n);
  bool dispatch(ws::reader::event ev);
  void enqueue(ws::opcode op, std::string_view payload);
  void flush();
  void on_written(boost::system::error_code ec);
  void finish(const std::string& reason);

  client_executor ex_;
  ws_url url_;
  std::weak_ptr<listener> owner_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  boost::asio::steady_timer linger_timer_;
  phase phase_ = phase::idle;
  std::string upgrade_key_;
  std::string head_;  // the upgrade request, then the response head as it arrives
  ws::reader reader_;
  std::array<char, 16384> read_buffer_{};
  std::string out_pending_;
  std::string out_writing_;
  bool writing_ = false;
  bool close_sent_ = false;      // our close frame is queued: nothing after it
  bool close_received_ = false;  // the server's close frame arrived
  std::string close_reason_;     // why we are closing, reported when it is done
  std::chrono::steady_clock::time_point last_received_;
};

} // namespace parley
