#pragma once

// A TCP listener and a keep-alive HTTP/1.1 connection on Boost.Beast. What a request
// means is up to an http_handler: the client port (REST + WebSocket upgrade) and the
// admin port each provide one.

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "runtime/config.hpp"

namespace parley {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

/// The largest request body a route accepts unless it says otherwise.
inline constexpr size_t default_body_limit = size_t{1} << 20;

class http_connection;

class http_handler {
public:
  virtual ~http_handler() = default;
  /// Answers through conn->respond(), now or later, from any thread; or takes the
  /// socket over with conn->release() (WebSocket upgrade).
  virtual void handle(const std::shared_ptr<http_connection>& conn, http_request&& req) = 0;
  /// Largest request body accepted for a request with this header. A larger declared
  /// Content-Length is refused (413) before any of the body is read.
  virtual size_t body_limit(const http::request_header<>& header) const {
    (void)header;
    return default_body_limit;
  }
  /// The answer to a request whose body is over its limit: 413 unless the route says
  /// otherwise (an upload without a token is refused for the token, not its size).
  virtual http_response oversized(const http::request_header<>& header) const;
};

class http_connection : public std::enable_shared_from_this<http_connection> {
public:
  http_connection(tcp::socket socket, http_handler& handler);

  void start();
  /// Sends the answer to the current request; safe from any thread.
  void respond(http_response res);
  /// Hands over the socket and any bytes read past the request (an upgrade).
  tcp::socket release(std::string& leftover);

  tcp::socket::executor_type executor() { return stream_.get_executor(); }

private:
  void read_request();
  void on_header(boost::beast::error_code ec);
  void read_body();
  void on_read(boost::beast::error_code ec);
  void on_written(bool keep_alive, boost::beast::error_code ec);
  void refuse_too_large();
  void drain();
  void drain_more();

  boost::beast::tcp_stream stream_;
  http_handler& handler_;
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool head_ = false;  // the request was HEAD: its answer goes without the body
};

/// Accepts connections on one endpoint and calls `on_accept` for each socket.
class listener : public std::enable_shared_from_this<listener> {
public:
  using accept_handler = std::function<void(tcp::socket)>;

  /// Binds and listens; an error line instead when the endpoint cannot be used.
  static std::shared_ptr<listener> open(boost::asio::io_context& io, const endpoint& at,
                                        accept_handler on_accept, std::string& error);

  void start();
  void stop();
  endpoint local() const { return local_; }

private:
  listener(boost::asio::io_context& io, accept_handler on_accept);
  void accept();

  boost::asio::io_context& io_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // after an accept error such as EMFILE
  accept_handler on_accept_;
  endpoint local_;
};

/// A JSON response: {"error":code,"message":...} bodies use this too.
http_response json_response(const http_request& req, http::status status, std::string body);
http_response error_response(const http_request& req, http::status status,
                             const std::string& code, const std::string& message);
/// The same, for a request of which only the header was read.
http_response error_response(const http::request_header<>& header, http::status status,
                             const std::string& code, const std::string& message);

} // namespace parley
