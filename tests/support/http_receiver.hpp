#pragma once

// A real HTTP/1.1 server for integration tests, standing in for a push gateway: bound to
// 127.0.0.1 on a free port, run on its own thread, recording every request and answering
// with the statuses a test scripts (keep-alive, as a gateway would). Plain HTTP, or
// HTTPS with a certificate the test made.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace parley::testing {

class http_receiver {
public:
  enum class mode {
    answer,  // answer every request
    silent,  // read requests and record them, never answer (a hung gateway)
  };

  struct request {
    std::string method;
    std::string target;
    std::string content_type;
    std::string body;
    std::chrono::steady_clock::time_point at;
  };

  /// PEM files of the server's certificate (chain) and key, for HTTPS.
  struct tls_files {
    std::string cert;
    std::string key;
  };

  explicit http_receiver(mode m = mode::answer, std::optional<tls_files> tls = std::nullopt);
  ~http_receiver();
  http_receiver(const http_receiver&) = delete;
  http_receiver& operator=(const http_receiver&) = delete;

  uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT/push" (https:// with TLS).
  std::string url() const;
  /// Statuses for the next answers, in order; 200 once they are used up.
  void script(std::vector<int> statuses);
  /// Waits until at least `n` requests arrived; returns every request so far.
  std::vector<request> wait_for(size_t n, std::chrono::milliseconds timeout);
  std::vector<request> requests() const;
  /// TCP connections accepted so far.
  size_t connections() const;

private:
  template <class Stream>
  class session;
  void accept();
  int next_status();
  void record(request r);

  mode mode_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<request> requests_;
  std::deque<int> script_;
  size_t connections_ = 0;
  std::thread thread_;
};

} // namespace parley::testing
