#include "net/webhook_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "runtime/logging.hpp"

namespace parley {

namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr size_t response_limit = 64 * 1024;  // a gateway's answer is read and ignored

bool is_ip_literal(const std::string& host) {
  error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

} // namespace

std::string push_payload(const push_notice& notice) {
  boost::json::object o;
  o["user"] = notice.user;
  o["from"] = notice.from;
  if (notice.group.empty())
    o["group"] = nullptr;
  else
    o["group"] = notice.group;
  o["waiting"] = notice.waiting;
  o["ts"] = notice.ts;
  return boost::json::serialize(o);
}

// -- one connection -------------------------------------------------------------------

// One TCP (or TLS) connection to the gateway, running one POST at a time on the client's
// strand:  resolve -> connect -> [handshake] -> write -> read,  the first three only
// when not connected yet. A deadline timer closes the socket when the POST takes too long.
class webhook_connection : public std::enable_shared_from_this<webhook_connection> {
public:
  struct outcome {
    push_result result;
    bool reusable = false;  // the gateway keeps the connection open
    bool stale = false;     // a kept-alive connection failed before any answer: try anew
  };
  using done_fn = std::function<void(outcome)>;

  webhook_connection(boost::asio::strand<boost::asio::io_context::executor_type> ex,
                     const http_url& url, ssl::context* tls)
    : url_(url), resolver_(ex), timer_(ex) {
    if (tls)
      tls_ = std::make_unique<ssl::stream<tcp::socket>>(ex, *tls);
    else
      plain_ = std::make_unique<tcp::socket>(ex);
  }

  void exchange(std::shared_ptr<const std::string> body, std::chrono::milliseconds timeout,
                done_fn done) {
    done_ = std::move(done);
    reused_ = connected_;
    timed_out_ = false;
    req_ = {http::verb::post, url_.target, 11};
    req_.set(http::field::host, host_header());
    req_.set(http::field::user_agent, "parley-node");
    req_.set(http::field::content_type, "application/json");
    req_.keep_alive(true);
    req_.body() = *body;
    req_.prepare_payload();
    auto round = ++round_;
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), round](error_code ec) {
      // Cancelled, or expired just as this POST ended (then a later one may be running).
      if (ec || round != self->round_ || !self->done_)
        return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      error_code ignored;
      self->socket().close(ignored);
    });
    if (connected_)
      write();
    else
      resolve();
  }

private:
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }

  template <class F>
  void with_stream(F f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  std::string host_header() const {
    auto host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    if (url_.port != (url_.tls ? 443 : 80))
      host += ":" + std::to_string(url_.port);
    return host;
  }

  void resolve() {
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self = shared_from_this()](error_code ec,
                                                        tcp::resolver::results_type found) {
                              if (ec)
                                return self->fail("resolve", ec);
                              self->connect(found);
                            });
  }

  void connect(const tcp::resolver::results_type& found) {
    boost::asio::async_connect(socket(), found,
                               [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
                                 if (ec)
                                   return self->fail("connect", ec);
                                 error_code ignored;
                                 self->socket().set_option(tcp::no_delay{true}, ignored);
                                 if (self->tls_)
                                   self->handshake();
                                 else
                                   self->connected();
                               });
  }

  void handshake() {
    if (!is_ip_literal(url_.host))
      SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str());  // SNI
    tls_->set_verify_mode(ssl::verify_peer);
    tls_->set_verify_callback(ssl::host_name_verification(url_.host));
    tls_->async_handshake(ssl::stream_base::client,
                          [self = shared_from_this()](error_code ec) {
                            if (ec)
                              return self->fail("tls", ec);
                            self->connected();
                          });
  }

  void connected() {
    connected_ = true;
    write();
  }

  void write() {
    with_stream([this](auto& stream) {
      http::async_write(stream, req_, [self = shared_from_this()](error_code ec, size_t) {
        if (ec)
          return self->fail("write", ec);
        self->read();
      });
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(response_limit);
    with_stream([this](auto& stream) {
      http::async_read(stream, buffer_, *parser_,
                       [self = shared_from_this()](error_code ec, size_t) {
                         if (ec)
                           return self->fail("read", ec);
                         self->answered();
                       });
    });
  }

  void answered() {
    auto& res = parser_->get();
    auto status = res.result_int();
    outcome out;
    out.result.ok = status >= 200 && status < 300;
    out.result.detail = "status=" + std::to_string(status);
    out.reusable = res.keep_alive();
    finish(std::move(out));
  }

  void fail(const char* step, const error_code& ec) {
    outcome out;
    out.result.detail = timed_out_ ? std::string{"timeout"}
                                   : std::string{step} + ": " + ec.message();
    // A kept-alive connection may have been closed by the gateway while idle; that shows
    // on our first write or read, and says nothing about the gateway's health.
    out.stale = reused_ && !timed_out_
                && (std::string_view{step} == "write" || std::string_view{step} == "read");
    connected_ = false;
    error_code ignored;
    socket().close(ignored);
    finish(std::move(out));
  }

  void finish(outcome out) {
    timer_.cancel();
    parser_.reset();
    if (auto done = std::move(done_)) {
      done_ = nullptr;
      done(std::move(out));
    }
  }

  http_url url_;
  tcp::resolver resolver_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<tcp::socket> plain_;
  std::unique_ptr<ssl::stream<tcp::socket>> tls_;
  http::request<http::string_body> req_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  done_fn done_;
  uint64_t round_ = 0;  // POSTs on this connection, for the deadline timer
  bool connected_ = false;
  bool reused_ = false;
  bool timed_out_ = false;
};

// -- the client -----------------------------------------------------------------------

webhook_client::webhook_client(boost::asio::io_context& io, http_url url, options opts)
  : strand_(boost::asio::make_strand(io)), url_(std::move(url)), opts_(opts) {
}

std::shared_ptr<webhook_client> webhook_client::create(boost::asio::io_context& io,
                                                       http_url url, options opts,
                                                       std::string& error) {
  std::shared_ptr<webhook_client> client{new webhook_client(io, std::move(url), opts)};
  if (client->url_.tls) {
    error_code ec;
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_default_verify_paths(ec);
    if (ec) {
      error = "--push-webhook: cannot load the system's CA certificates: " + ec.message();
      return nullptr;
    }
    client->tls_ = std::move(ctx);
  }
  return client;
}

void webhook_client::post(const push_notice& notice, done_handler done) {
  auto body = std::make_shared<const std::string>(push_payload(notice));
  boost::asio::post(strand_, [self = shared_from_this(), body, done = std::move(done)]() mutable {
    self->start(std::move(body), std::move(done), true);
  });
}

void webhook_client::start(std::shared_ptr<const std::string> body, done_handler done,
                           bool first_try) {
  auto conn = take_idle();
  if (!conn)
    conn = std::make_shared<webhook_connection>(strand_, url_, tls_.get());
  conn->exchange(body, opts_.timeout,
                 [self = shared_from_this(), conn, body, done = std::move(done),
                  first_try](webhook_connection::outcome out) mutable {
                   if (out.stale && first_try) {
                     SPDLOG_LOGGER_DEBUG(logs::net(), "event=webhook_reconnect detail={}",
                                         out.result.detail);
                     return self->start(std::move(body), std::move(done), false);
                   }
                   if (out.reusable)
                     self->keep(std::move(conn));
                   done(std::move(out.result));
                 });
}

webhook_client::connection_ptr webhook_client::take_idle() {
  auto now = std::chrono::steady_clock::now();
  while (!idle_.empty()) {
    auto entry = std::move(idle_.back());
    idle_.pop_back();
    if (now - entry.since < opts_.idle_for)
      return std::move(entry.conn);
    // Too old: the gateway has likely closed it; dropping it closes our end.
  }
  return nullptr;
}

void webhook_client::keep(connection_ptr conn) {
  if (idle_.size() < opts_.max_idle)
    idle_.push_back({std::chrono::steady_clock::now(), std::move(conn)});
}

} // namespace parley
