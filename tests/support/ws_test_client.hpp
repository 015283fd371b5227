#pragma once

// A blocking WebSocket client for integration tests: one real TCP connection, frames
// written and read with explicit timeouts, JSON objects in and out.

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include "net/ws_frame.hpp"

namespace parley::testing {

/// An Ed25519 key pair (raw bytes).
struct key_pair {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes

  static key_pair generate();
  /// base64 of the signature of "parley-auth-v1:<nonce>:<user>".
  std::string sign_login(const std::string& nonce, const std::string& user) const;
  std::string public_b64() const;
};

class ws_test_client {
public:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds default_timeout{5000};

  /// Connects and completes the HTTP upgrade; throws on failure.
  explicit ws_test_client(uint16_t port, const std::string& path = "/v1/ws");

  void send_text(const std::string& text);
  void send_json(const boost::json::object& obj) { send_text(boost::json::serialize(obj)); }
  void send_binary(const std::string& bytes);
  /// Raw bytes, for malformed-frame tests.
  void send_raw(const std::string& bytes);

  /// The next text frame as a JSON object; nothing on timeout or close.
  std::optional<boost::json::object> recv(std::chrono::milliseconds timeout = default_timeout);
  /// The next frame whose "op" is `op`, skipping others (which are kept for later).
  std::optional<boost::json::object> recv_op(const std::string& op,
                                             std::chrono::milliseconds timeout = default_timeout);
  /// Waits for the server's close; returns its status code (0 if the socket just ended).
  std::optional<uint16_t> wait_closed(std::chrono::milliseconds timeout = default_timeout);
  bool closed() const { return closed_; }

  /// Reads the challenge, sends a signed hello; returns the welcome (or the error frame).
  boost::json::object login(const std::string& user, const key_pair& keys);
  boost::json::object login_with_token(const std::string& user, const std::string& token);

private:
  enum class got { frame, timeout, closed };
  got read_frame(std::chrono::milliseconds timeout, std::string& text);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  ws::reader reader_{false, 1 << 24};
  std::vector<boost::json::object> stash_;
  bool closed_ = false;
  uint16_t close_code_ = 0;
  uint32_t mask_seed_ = 0x9e3779b9;
};

/// A blocking HTTP/1.1 request to 127.0.0.1:port; returns status and body.
struct http_result {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string content_length;  // the header as sent (a HEAD answer has it, no body)
};
/// A non-empty body goes with `content_type` (none when that is empty). `bearer` is a
/// token, sent as "Bearer <token>", or a whole Authorization value when it has a space.
http_result http_call(uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::string& bearer = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds{40},
                      const std::string& content_type = "application/json");

} // namespace parley::testing
