#pragma once

// The push notifier's transport on the wire: an HTTP/1.1 POST of a push_notice as JSON
// to the --push-webhook URL, with Beast on the node's io_context. http:// and https://
// (certificates checked against the system's CAs and the URL's host name). Each POST
// has one deadline for resolve, connect, TLS handshake, write and read together.
// Connections are kept alive and reused; a reused one the gateway closed meanwhile is
// replaced by a fresh one once, within the same POST.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>

#include "actors/messages.hpp"  // push_transport
#include "runtime/config.hpp"

namespace parley {

/// The JSON body of a POST: {"user","from","group","waiting","ts"}, group null for
/// one-to-one. Never a body or meta: a notice does not carry them.
std::string push_payload(const push_notice& notice);

class webhook_connection;

class webhook_client final : public push_transport,
                             public std::enable_shared_from_this<webhook_client> {
public:
  struct options {
    std::chrono::milliseconds timeout{5'000};  // per POST, everything included
    size_t max_idle = 4;                       // kept-alive connections held
    std::chrono::seconds idle_for{30};         // an idle connection older is closed
  };

  /// A client for `url`; for https also its TLS context (an error line when that
  /// cannot be set up).
  static std::shared_ptr<webhook_client> create(boost::asio::io_context& io, http_url url,
                                                options opts, std::string& error);

  void post(const push_notice& notice, done_handler done) override;

private:
  using strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  using connection_ptr = std::shared_ptr<webhook_connection>;
  struct idle_connection {
    std::chrono::steady_clock::time_point since;
    connection_ptr conn;
  };

  webhook_client(boost::asio::io_context& io, http_url url, options opts);
  void start(std::shared_ptr<const std::string> body, done_handler done, bool first_try);
  connection_ptr take_idle();
  void keep(connection_ptr conn);

  strand strand_;
  http_url url_;
  options opts_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::vector<idle_connection> idle_;  // touched on strand_ only
};

} // namespace parley
