#include "tests/support/ws_test_client.hpp"

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <poll.h>
#include <sodium.h>

#include "runtime/base64.hpp"

namespace parley::testing {

namespace bj = boost::json;
using tcp = boost::asio::ip::tcp;

key_pair key_pair::generate() {
  if (sodium_init() < 0)
    throw std::runtime_error("sodium_init");
  key_pair kp;
  kp.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  kp.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(kp.public_key.data()),
                      reinterpret_cast<unsigned char*>(kp.secret_key.data()));
  return kp;
}

std::string key_pair::sign_login(const std::string& nonce, const std::string& user) const {
  auto text = "parley-auth-v1:" + nonce + ":" + user;
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       reinterpret_cast<const unsigned char*>(secret_key.data()));
  return base64_encode(sig);
}

std::string key_pair::public_b64() const {
  return base64_encode(public_key);
}

ws_test_client::ws_test_client(uint16_t port, const std::string& path) : socket_(io_) {
  socket_.connect(tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), port});
  std::string request = "GET " + path
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n";
  boost::asio::write(socket_, boost::asio::buffer(request));
  // Read the response head byte by byte so no frame bytes are swallowed.
  std::string head;
  char c;
  while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
    boost::asio::read(socket_, boost::asio::buffer(&c, 1));
    head += c;
    if (head.size() > 8192)
      throw std::runtime_error("response head too long");
  }
  if (head.rfind("HTTP/1.1 101", 0) != 0)
    throw std::runtime_error("upgrade refused: " + head);
  if (head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == std::string::npos)
    throw std::runtime_error("bad Sec-WebSocket-Accept: " + head);
}

void ws_test_client::send_text(const std::string& text) {
  std::string wire;
  ws::append_frame(wire, ws::opcode::text, text, mask_seed_++);
  send_raw(wire);
}

void ws_test_client::send_binary(const std::string& bytes) {
  std::string wire;
  ws::append_frame(wire, ws::opcode::binary, bytes, mask_seed_++);
  send_raw(wire);
}

void ws_test_client::send_raw(const std::string& bytes) {
  boost::system::error_code ec;
  boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
}

ws_test_client::got ws_test_client::read_frame(std::chrono::milliseconds timeout,
                                               std::string& text) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    auto ev = reader_.next();
    switch (ev) {
      case ws::reader::event::text:
        text = reader_.payload();
        return got::frame;
      case ws::reader::event::close:
        close_code_ = reader_.close_code();
        closed_ = true;
        return got::closed;
      case ws::reader::event::error:
        closed_ = true;
        return got::closed;
      case ws::reader::event::ping: {
        // As browsers and client libraries do: a client that reads answers pings.
        std::string pong;
        ws::append_frame(pong, ws::opcode::pong, reader_.payload(), mask_seed_++);
        send_raw(pong);
        break;
      }
      default:
        break;
    }
    if (ev != ws::reader::event::need_more)
      continue;
    if (closed_)
      return got::closed;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return got::timeout;
    pollfd p{socket_.native_handle(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return got::timeout;
    char buf[65536];
    boost::system::error_code ec;
    auto n = socket_.read_some(boost::asio::buffer(buf), ec);
    if (ec) {
      closed_ = true;
      return got::closed;
    }
    reader_.feed(buf, n);
  }
}

std::optional<bj::object> ws_test_client::recv(std::chrono::milliseconds timeout) {
  if (!stash_.empty()) {
    auto obj = std::move(stash_.front());
    stash_.erase(stash_.begin());
    return obj;
  }
  std::string text;
  if (read_frame(timeout, text) != got::frame)
    return std::nullopt;
  return bj::parse(text).as_object();
}

std::optional<bj::object> ws_test_client::recv_op(const std::string& op,
                                                  std::chrono::milliseconds timeout) {
  for (auto i = stash_.begin(); i != stash_.end(); ++i) {
    if ((*i)["op"] == op.c_str()) {
      auto obj = std::move(*i);
      stash_.erase(i);
      return obj;
    }
  }
  auto deadline = clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    std::string text;
    if (read_frame(left, text) != got::frame)
      return std::nullopt;
    auto obj = bj::parse(text).as_object();
    if (obj["op"] == op.c_str())
      return obj;
    stash_.push_back(std::move(obj));
  }
}

std::optional<uint16_t> ws_test_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (!closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    std::string text;
    auto g = read_frame(left, text);
    if (g == got::timeout)
      return std::nullopt;
    if (g == got::frame)
      stash_.push_back(bj::parse(text).as_object());
  }
  return close_code_;
}

bj::object ws_test_client::login(const std::string& user, const key_pair& keys) {
  auto challenge = recv_op("challenge");
  if (!challenge)
    throw std::runtime_error("no challenge");
  std::string nonce{(*challenge)["nonce"].as_string()};
  send_json({{"op", "hello"},
             {"user", user},
             {"key", keys.public_b64()},
             {"sig", keys.sign_login(nonce, user)},
             {"device", bj::object{{"name", "test"}}}});
  auto reply = recv();
  if (!reply)
    throw std::runtime_error("no answer to hello");
  return *reply;
}

bj::object ws_test_client::login_with_token(const std::string& user, const std::string& token) {
  if (!recv_op("challenge"))
    throw std::runtime_error("no challenge");
  send_json({{"op", "hello"}, {"user", user}, {"token", token}});
  auto reply = recv();
  if (!reply)
    throw std::runtime_error("no answer to hello");
  return *reply;
}

http_result http_call(uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body, const std::string& bearer,
                      std::chrono::milliseconds timeout, const std::string& content_type) {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream{io};
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty())
    req.set(http::field::authorization,
            bearer.find(' ') == std::string::npos ? "Bearer " + bearer : bearer);
  if (!body.empty()) {
    if (!content_type.empty())
      req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  parser.skip(req.method() == http::verb::head);  // headers only, whatever they announce
  http::read(stream, buffer, parser);
  auto res = parser.release();
  return {static_cast<int>(res.result_int()), res.body(),
          std::string{res[http::field::content_type]},
          std::string{res[http::field::content_length]}};
}

} // namespace parley::testing
