#include "net/client_http.hpp"

#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>

namespace parley {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// One exchange: resolve, connect, write, read, done. It keeps itself alive through
// the handlers it has outstanding.
class exchange : public std::enable_shared_from_this<exchange> {
public:
  exchange(client_executor ex, ws_url node, http_call call,
           std::function<void(reply<http_response>)> done)
    : resolver_(ex), stream_(ex), node_(std::move(node)), call_(std::move(call)),
      done_(std::move(done)) {
  }

  void start() {
    stream_.expires_after(call_.timeout);
    resolver_.async_resolve(node_.host, std::to_string(node_.port),
                            [self = shared_from_this()](beast::error_code ec,
                                                        tcp::resolver::results_type r) {
                              self->on_resolved(ec, std::move(r));
                            });
  }

private:
  void on_resolved(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec)
      return fail("cannot resolve " + node_.host, ec);
    stream_.async_connect(results, [self = shared_from_this()](
                                     beast::error_code ec, const tcp::endpoint&) {
      self->on_connected(ec);
    });
  }

  void on_connected(beast::error_code ec) {
    if (ec)
      return fail("cannot connect", ec);
    auto verb = http::string_to_verb(call_.method);
    request_.method(verb);
    request_.target(call_.target);
    request_.version(11);
    request_.set(http::field::host, node_.host_header());
    request_.set(http::field::connection, "close");
    if (!call_.token.empty())
      request_.set(http::field::authorization, "Bearer " + call_.token);
    if (!call_.content_type.empty())
      request_.set(http::field::content_type, call_.content_type);
    request_.body() = std::move(call_.body);
    request_.prepare_payload();
    http::async_write(stream_, request_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->on_written(ec);
                      });
  }

  void on_written(beast::error_code ec) {
    if (ec)
      return fail("cannot send the request", ec);
    request_.body().clear();
    parser_.emplace();
    parser_->body_limit(call_.max_response);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec)
      return fail("no response", ec);
    auto message = parser_->release();
    http_response r;
    r.status = message.result_int();
    r.content_type = std::string{message[http::field::content_type]};
    r.body = std::move(message.body());
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    finish(std::move(r));
  }

  void fail(const std::string& what, beast::error_code ec) {
    finish(client_error{"unavailable", what + ": " + ec.message()});
  }

  void finish(reply<http_response> outcome) {
    if (auto done = std::move(done_)) {
      done_ = nullptr;
      done(std::move(outcome));
    }
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  ws_url node_;
  http_call call_;
  std::function<void(reply<http_response>)> done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

std::string code_of_status(unsigned status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "auth_failed";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 413: return "too_large";
    case 415: return "unsupported_media_type";
    case 429: return "rate_limited";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

} // namespace

void http_exchange(client_executor ex, const ws_url& node, http_call call,
                   std::function<void(reply<http_response>)> done) {
  std::make_shared<exchange>(ex, node, std::move(call), std::move(done))->start();
}

client_error http_error(const http_response& response) {
  client_error err{code_of_status(response.status),
                   "HTTP " + std::to_string(response.status)};
  boost::system::error_code ec;
  auto value = boost::json::parse(response.body, ec);
  if (ec || !value.is_object())
    return err;
  const auto& obj = value.get_object();
  if (auto* code = obj.if_contains("error"); code && code->is_string())
    err.code = std::string{code->get_string()};
  if (auto* message = obj.if_contains("message"); message && message->is_string())
    err.message = std::string{message->get_string()};
  return err;
}

} // namespace parley
