// parley-media-bench: media upload and download speed over loopback HTTP (PROTOCOL.md
// section 5). Gets a token through POST /v1/auth/challenge + /v1/auth/token, then, for
// each object size, uploads --count fresh random objects one after the other (object i
// to server i % n), downloads each back (from server (i + 1) % n, so a cluster run also
// fetches across nodes), checks the bytes, and prints MB/s and latency percentiles.
// One request at a time on one keep-alive connection per server: the figures are
// per-request cost, not the node's parallel capacity. See docs/benchmarks.md.

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <sodium.h>

#include "bench/latency_histogram.hpp"
#include "runtime/base64.hpp"
#include "runtime/config.hpp"

namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using parley::bench::latency_histogram;

constexpr auto request_timeout = std::chrono::seconds{60};

struct media_options {
  std::vector<parley::endpoint> servers;
  std::vector<size_t> sizes{size_t{1} << 20, size_t{8} << 20};
  unsigned count = 20;
  std::string content_type = "application/octet-stream";
};

const char* usage_text =
  "usage: parley-media-bench --server=HOST:PORT|--servers=H:P,... [--sizes=1M,8M]\n"
  "                          [--count=20] [--type=application/octet-stream]\n"
  "  (--admin(s) and --server-pid(s), set by the bench/run-*.sh scripts, are ignored)\n";

int usage_error(const std::string& line) {
  std::fprintf(stderr, "parley-media-bench: %s\n%s", line.c_str(), usage_text);
  return 2;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string item; std::getline(in, item, ',');)
    out.push_back(item);
  return out;
}

// "1048576", "512K", "8M" -> bytes; nothing when malformed.
std::optional<size_t> parse_size(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  size_t unit = 1;
  auto digits = text;
  if (digits.back() == 'K' || digits.back() == 'M') {
    unit = digits.back() == 'K' ? 1024 : 1024 * 1024;
    digits.pop_back();
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoull(digits) * unit;
}

std::optional<std::string> parse_flags(int argc, char** argv, media_options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos)
      return "bad argument: " + arg;
    auto name = arg.substr(2, eq - 2);
    auto value = arg.substr(eq + 1);
    if (name == "server" || name == "servers") {
      o.servers.clear();
      for (const auto& item : split(value)) {
        auto ep = parley::parse_endpoint(item);
        if (!ep || ep->port == 0)
          return "bad --" + name + ": " + value;
        o.servers.push_back(*ep);
      }
    } else if (name == "sizes") {
      o.sizes.clear();
      for (const auto& item : split(value)) {
        auto size = parse_size(item);
        if (!size || *size == 0 || *size > (size_t{16} << 20))
          return "bad --sizes (each 1 byte to 16M): " + value;
        o.sizes.push_back(*size);
      }
    } else if (name == "count") {
      auto n = parse_size(value);
      if (!n || *n == 0 || *n > 10000)
        return "bad --count (1..10000): " + value;
      o.count = static_cast<unsigned>(*n);
    } else if (name == "type") {
      o.content_type = value;
    } else if (name != "admin" && name != "admins" && name != "server-pid"
               && name != "server-pids") {
      return "unknown flag --" + name;
    }
  }
  if (o.servers.empty() || o.sizes.empty())
    return std::string{"--server or --servers is required"};
  return std::nullopt;
}

// One keep-alive HTTP connection to a node's client port, reopened when the node
// closes it.
class http_link {
public:
  explicit http_link(parley::endpoint at) : at_(std::move(at)), stream_(io_) {}

  http::response<http::string_body> call(http::request<http::string_body>& req) {
    if (!open_) {
      stream_.expires_after(request_timeout);
      stream_.connect(tcp::endpoint{boost::asio::ip::make_address(at_.host), at_.port});
      open_ = true;
    }
    req.set(http::field::host, at_.to_string());
    req.keep_alive(true);
    req.prepare_payload();
    stream_.expires_after(request_timeout);
    http::write(stream_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(size_t{32} << 20);
    http::read(stream_, buffer_, parser);
    auto res = parser.release();
    if (!res.keep_alive()) {
      boost::beast::error_code ignored;
      stream_.socket().close(ignored);
      open_ = false;
    }
    return res;
  }

private:
  parley::endpoint at_;
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool open_ = false;
};

http::request<http::string_body> json_post(const std::string& target, const std::string& body) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  return req;
}

// A fresh key pair registers a bench user and gets its token over REST.
std::optional<std::string> fetch_token(http_link& link) {
  auto challenge = json_post("/v1/auth/challenge", "{}");
  auto c = link.call(challenge);
  if (c.result() != http::status::ok)
    return std::nullopt;
  auto nonce = std::string{boost::json::parse(c.body()).at("nonce").as_string()};
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  std::string user = "mediabench" + std::to_string(randombytes_uniform(1000000));
  auto text = "parley-auth-v1:" + nonce + ":" + user;
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                       text.size(), sk);
  sodium_memzero(sk, sizeof sk);
  boost::json::object body{
    {"user", user},
    {"key", parley::base64_encode({reinterpret_cast<const char*>(pk), sizeof pk})},
    {"sig", parley::base64_encode({reinterpret_cast<const char*>(sig), sizeof sig})},
    {"nonce", nonce}};
  auto token_req = json_post("/v1/auth/token", boost::json::serialize(body));
  auto t = link.call(token_req);
  if (t.result() != http::status::ok)
    return std::nullopt;
  return std::string{boost::json::parse(t.body()).at("token").as_string()};
}

struct phase {
  latency_histogram latency;
  double seconds = 0;
  uint64_t bytes = 0;
  unsigned failures = 0;

  void print(const char* name, size_t size) const {
    auto ms = [&](double q) { return latency.percentile(q) / 1e6; };
    std::printf("%-8s size=%zu n=%llu  %.1f MB/s  latency ms p50=%.2f p90=%.2f p99=%.2f "
                "max=%.2f  failures=%u\n",
                name, size, static_cast<unsigned long long>(latency.count()),
                seconds > 0 ? bytes / seconds / 1e6 : 0.0, ms(0.5), ms(0.9), ms(0.99),
                latency.max() / 1e6, failures);
  }
};

// Times one call into `p`; true if it answered `want`.
bool timed(phase& p, http_link& link, http::request<http::string_body>& req,
           http::status want, http::response<http::string_body>& res) {
  auto start = clock_type::now();
  res = link.call(req);
  auto took = clock_type::now() - start;
  p.latency.record(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
  p.seconds += std::chrono::duration<double>(took).count();
  if (res.result() != want) {
    ++p.failures;
    std::fprintf(stderr, "parley-media-bench: %s answered %u %s\n",
                 std::string{req.target()}.c_str(), res.result_int(), res.body().c_str());
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  media_options o;
  if (auto err = parse_flags(argc, argv, o))
    return usage_error(*err);
  if (sodium_init() < 0)
    return usage_error("libsodium cannot initialise (no entropy source?)");
  std::vector<std::unique_ptr<http_link>> links;
  for (const auto& s : o.servers)
    links.push_back(std::make_unique<http_link>(s));
  auto token = fetch_token(*links[0]);
  if (!token) {
    std::fprintf(stderr, "parley-media-bench: no token from %s\n",
                 o.servers[0].to_string().c_str());
    return 1;
  }
  auto bearer = "Bearer " + *token;
  std::printf("servers=%zu count=%u type=%s (one request at a time)\n", o.servers.size(),
              o.count, o.content_type.c_str());
  unsigned failures = 0;
  for (size_t size : o.sizes) {
    phase up, down;
    std::vector<std::string> ids;
    std::vector<std::string> objects;
    for (unsigned i = 0; i < o.count; ++i) {
      std::string bytes(size, '\0');
      randombytes_buf(bytes.data(), bytes.size());  // fresh: never a stored duplicate
      http::request<http::string_body> req{http::verb::put, "/v1/media", 11};
      req.set(http::field::authorization, bearer);
      req.set(http::field::content_type, o.content_type);
      req.body() = bytes;
      http::response<http::string_body> res;
      if (!timed(up, *links[i % links.size()], req, http::status::created, res))
        continue;
      up.bytes += size;
      ids.push_back(std::string{boost::json::parse(res.body()).at("media").as_string()});
      objects.push_back(std::move(bytes));
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      http::request<http::string_body> req{http::verb::get, "/v1/media/" + ids[i], 11};
      req.set(http::field::authorization, bearer);
      http::response<http::string_body> res;
      if (!timed(down, *links[(i + 1) % links.size()], req, http::status::ok, res))
        continue;
      if (res.body() != objects[i]) {
        ++down.failures;
        std::fprintf(stderr, "parley-media-bench: %s came back different\n", ids[i].c_str());
        continue;
      }
      down.bytes += size;
    }
    up.print("upload", size);
    down.print("download", size);
    failures += up.failures + down.failures;
  }
  return failures == 0 ? 0 : 1;
}
