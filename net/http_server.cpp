#include "net/http_server.hpp"

#include <cstdlib>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "net/json_codec.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

constexpr auto request_timeout = std::chrono::seconds{60};
// After a final answer, what the client still sends is read and discarded for this long
// before the socket closes: closing with unread bytes would reset the connection, and
// the client could lose the answer (a 413 sent while it still uploads).
constexpr auto linger_timeout = std::chrono::seconds{2};

} // namespace

http_connection::http_connection(tcp::socket socket, http_handler& handler)
  : stream_(std::move(socket)), handler_(handler) {
}

void http_connection::start() {
  read_request();
}

void http_connection::read_request() {
  parser_ = std::make_unique<http::request_parser<http::string_body>>();
  // The limit depends on the route: none while the header is read, then the route's.
  parser_->body_limit(boost::none);
  parser_->header_limit(16 * 1024);
  stream_.expires_after(request_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](boost::beast::error_code ec, size_t) {
                            self->on_header(ec);
                          });
}

void http_connection::on_header(boost::beast::error_code ec) {
  if (ec) {
    on_read(ec);
    return;
  }
  auto limit = handler_.body_limit(parser_->get().base());
  auto declared = parser_->content_length();
  if (declared && *declared > limit) {
    refuse_too_large();
    return;
  }
  parser_->body_limit(limit);
  // A client that asked whether to send its body (curl does for uploads over 1 MiB)
  // otherwise waits a second before sending it anyway (RFC 9110, 10.1.1).
  const auto& header = parser_->get();
  if (header.version() >= 11 && !parser_->is_done()
      && boost::beast::iequals(header[http::field::expect], "100-continue")) {
    auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     header.version());
    http::async_write(stream_, *go_on,
                      [self = shared_from_this(), go_on](boost::beast::error_code ec, size_t) {
                        if (ec)
                          self->on_read(ec);
                        else
                          self->read_body();
                      });
    return;
  }
  read_body();
}

void http_connection::read_body() {
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](boost::beast::error_code ec, size_t) {
                     self->on_read(ec);
                   });
}

http_response http_handler::oversized(const http::request_header<>& header) const {
  return error_response(header, http::status::payload_too_large, "too_large",
                        "request body over the limit");
}

void http_connection::refuse_too_large() {
  version_ = parser_->get().version();  // respond() answers in this version
  head_ = parser_->get().method() == http::verb::head;
  auto res = handler_.oversized(parser_->get().base());
  res.keep_alive(false);
  keep_alive_ = false;
  respond(std::move(res));
}

void http_connection::on_read(boost::beast::error_code ec) {
  if (ec == http::error::body_limit) {
    refuse_too_large();
    return;
  }
  if (ec) {
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    return;
  }
  stream_.expires_never();
  auto req = parser_->release();
  parser_.reset();
  keep_alive_ = req.keep_alive();
  version_ = req.version();
  head_ = req.method() == http::verb::head;
  handler_.handle(shared_from_this(), std::move(req));
}

void http_connection::respond(http_response res) {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this(),
                                             res = std::move(res)]() mutable {
    res.version(self->version_);
    bool keep_alive = self->keep_alive_ && res.keep_alive();
    res.keep_alive(keep_alive);
    // A HEAD answer may declare the length of a body it does not hold (media).
    std::optional<uint64_t> declared;
    if (self->head_ && res.body().empty())
      if (auto length = res.find(http::field::content_length); length != res.end())
        declared = std::strtoull(std::string{length->value()}.c_str(), nullptr, 10);
    res.prepare_payload();
    auto write = [&self, keep_alive](auto shared) {
      http::async_write(self->stream_, *shared,
                        [self, shared, keep_alive](boost::beast::error_code ec, size_t) {
                          self->on_written(keep_alive, ec);
                        });
    };
    if (self->head_) {
      // The answer GET would give, headers only (Content-Length included).
      auto size = declared.value_or(res.body().size());
      auto headers = std::make_shared<http::response<http::empty_body>>(std::move(res.base()));
      headers->content_length(size);
      write(std::move(headers));
    } else {
      write(std::make_shared<http_response>(std::move(res)));
    }
  });
}

void http_connection::on_written(bool keep_alive, boost::beast::error_code ec) {
  if (ec) {
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    return;
  }
  if (!keep_alive) {
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drain();
    return;
  }
  read_request();
}

void http_connection::drain() {
  // One deadline for the whole drain: a client trickling bytes cannot keep it open.
  stream_.expires_after(linger_timeout);
  drain_more();
}

void http_connection::drain_more() {
  buffer_.consume(buffer_.size());
  stream_.async_read_some(buffer_.prepare(64 * 1024),
                          [self = shared_from_this()](boost::beast::error_code ec, size_t) {
                            // Discarded unread; ends at the client's close or the deadline.
                            if (!ec)
                              self->drain_more();
                          });
}

tcp::socket http_connection::release(std::string& leftover) {
  auto data = buffer_.data();
  leftover.assign(static_cast<const char*>(data.data()), data.size());
  buffer_.consume(buffer_.size());
  return stream_.release_socket();
}

// -- listener -------------------------------------------------------------------------

listener::listener(boost::asio::io_context& io, accept_handler on_accept)
  : io_(io), acceptor_(io), retry_(io), on_accept_(std::move(on_accept)) {
}

std::shared_ptr<listener> listener::open(boost::asio::io_context& io, const endpoint& at,
                                         accept_handler on_accept, std::string& error) {
  std::shared_ptr<listener> l{new listener(io, std::move(on_accept))};
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(at.host == "localhost" ? "127.0.0.1" : at.host, ec);
  if (ec) {
    error = "cannot listen on " + at.to_string() + ": not an IP address";
    return nullptr;
  }
  tcp::endpoint ep{address, at.port};
  l->acceptor_.open(ep.protocol(), ec);
  if (!ec)
    l->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    l->acceptor_.bind(ep, ec);
  if (!ec)
    l->acceptor_.listen(4096, ec);
  if (ec) {
    error = "cannot listen on " + at.to_string() + ": " + ec.message();
    return nullptr;
  }
  auto bound = l->acceptor_.local_endpoint(ec);
  l->local_ = endpoint{bound.address().to_string(), bound.port()};
  return l;
}

void listener::start() {
  accept();
}

void listener::stop() {
  boost::asio::post(io_, [self = shared_from_this()] {
    boost::system::error_code ec;
    self->retry_.cancel();
    self->acceptor_.close(ec);
  });
}

void listener::accept() {
  // Each connection gets its own strand: its socket is touched from Asio threads and,
  // through posts, on behalf of actors.
  acceptor_.async_accept(boost::asio::make_strand(io_),
                         [self = shared_from_this()](boost::system::error_code ec,
                                                     tcp::socket socket) {
                           if (ec == boost::asio::error::operation_aborted)
                             return;
                           if (!ec) {
                             boost::system::error_code ignored;
                             socket.set_option(tcp::no_delay(true), ignored);
                             self->on_accept_(std::move(socket));
                             self->accept();
                             return;
                           }
                           // Out of descriptors, most likely: back off instead of spinning.
                           SPDLOG_LOGGER_WARN(logs::net(), "event=accept_failed err={}",
                                              ec.message());
                           self->retry_.expires_after(std::chrono::milliseconds{100});
                           self->retry_.async_wait([self](boost::system::error_code wait_ec) {
                             if (!wait_ec)
                               self->accept();
                           });
                         });
}

http_response json_response(const http_request& req, http::status status, std::string body) {
  http_response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

http_response error_response(const http_request& req, http::status status,
                             const std::string& code, const std::string& message) {
  std::string body = "{\"error\":";
  json::append_string(body, code);
  body += ",\"message\":";
  json::append_string(body, message);
  body += '}';
  return json_response(req, status, std::move(body));
}

http_response error_response(const http::request_header<>& header, http::status status,
                             const std::string& code, const std::string& message) {
  http_request req;
  req.version(header.version());
  return error_response(req, status, code, message);
}

} // namespace parley
