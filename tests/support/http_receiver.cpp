#include "tests/support/http_receiver.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace parley::testing {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// One accepted connection: [TLS handshake,] read a request, record it, answer (unless
// silent), repeat.
template <class Stream>
class http_receiver::session : public std::enable_shared_from_this<session<Stream>> {
public:
  template <class... Args>
  session(http_receiver& owner, Args&&... args)
    : stream_(std::forward<Args>(args)...), owner_(owner) {}

  void start() {
    if constexpr (std::is_same_v<Stream, boost::beast::tcp_stream>) {
      read();
    } else {
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::beast::error_code ec) {
                                if (!ec)
                                  self->read();
                              });
    }
  }

private:
  void read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_,
                     [self = this->shared_from_this()](boost::beast::error_code ec, size_t) {
                       if (!ec)
                         self->answer();
                     });
  }

  void answer() {
    owner_.record({std::string{req_.method_string()}, std::string{req_.target()},
                   std::string{req_[http::field::content_type]}, req_.body(),
                   std::chrono::steady_clock::now()});
    if (owner_.mode_ == mode::silent) {
      read();  // holds the connection open, answers nothing
      return;
    }
    res_ = {static_cast<http::status>(owner_.next_status()), req_.version()};
    res_.set(http::field::content_type, "text/plain");
    res_.body() = "recorded";
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      [self = this->shared_from_this()](boost::beast::error_code ec, size_t) {
                        if (!ec && self->res_.keep_alive())
                          self->read();
                      });
  }

  Stream stream_;
  http_receiver& owner_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

http_receiver::http_receiver(mode m, std::optional<tls_files> tls)
  : mode_(m), acceptor_(io_, tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), 0}) {
  if (tls) {
    tls_ = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
    tls_->use_certificate_chain_file(tls->cert);
    tls_->use_private_key_file(tls->key, boost::asio::ssl::context::pem);
  }
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread{[this] { io_.run(); }};
}

http_receiver::~http_receiver() {
  io_.stop();
  thread_.join();
}

std::string http_receiver::url() const {
  return (tls_ ? "https" : "http") + std::string{"://127.0.0.1:"} + std::to_string(port_)
         + "/push";
}

void http_receiver::script(std::vector<int> statuses) {
  std::lock_guard<std::mutex> guard{mutex_};
  script_.assign(statuses.begin(), statuses.end());
}

std::vector<http_receiver::request> http_receiver::wait_for(size_t n,
                                                            std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  return requests_;
}

std::vector<http_receiver::request> http_receiver::requests() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return requests_;
}

size_t http_receiver::connections() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return connections_;
}

void http_receiver::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec)
      return;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      ++connections_;
    }
    if (tls_)
      std::make_shared<session<boost::beast::ssl_stream<boost::beast::tcp_stream>>>(
        *this, std::move(socket), *tls_)
        ->start();
    else
      std::make_shared<session<boost::beast::tcp_stream>>(*this, std::move(socket))->start();
    accept();
  });
}

int http_receiver::next_status() {
  std::lock_guard<std::mutex> guard{mutex_};
  if (script_.empty())
    return 200;
  auto status = script_.front();
  script_.pop_front();
  return status;
}

void http_receiver::record(request r) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    requests_.push_back(std::move(r));
  }
  arrived_.notify_all();
}

} // namespace parley::testing
