#include "bench/server_probe.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace parley::bench {

namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr auto scrape_timeout = std::chrono::seconds{2};
constexpr const char* ack_bucket_prefix = "parley_ack_latency_seconds_bucket{le=\"";

// Reads "Name:   1234 kB" lines.
int64_t field_kb(const std::string& line, const char* name) {
  auto n = std::char_traits<char>::length(name);
  if (line.compare(0, n, name) != 0)
    return -1;
  return std::strtoll(line.c_str() + n, nullptr, 10);
}

void parse_metrics(const std::string& text, metrics_sample& out) {
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos)
      continue;
    auto key = line.substr(0, space);
    double value = std::strtod(line.c_str() + space + 1, nullptr);
    out.values[key] = value;
    if (key.rfind(ack_bucket_prefix, 0) == 0) {
      auto le_text = key.substr(std::char_traits<char>::length(ack_bucket_prefix));
      double le = le_text.rfind("+Inf", 0) == 0 ? HUGE_VAL : std::strtod(le_text.c_str(), nullptr);
      out.ack_buckets.emplace_back(le, static_cast<uint64_t>(value));
    }
  }
}

} // namespace

std::optional<proc_memory> read_proc_memory(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  if (!in)
    return std::nullopt;
  proc_memory mem;
  bool rss = false;
  std::string line;
  while (std::getline(in, line)) {
    if (auto kb = field_kb(line, "VmRSS:"); kb >= 0) {
      mem.rss_kb = kb;
      rss = true;
    } else if (auto anon = field_kb(line, "RssAnon:"); anon >= 0) {
      mem.anon_kb = anon;
    }
  }
  return rss ? std::optional<proc_memory>{mem} : std::nullopt;
}

std::optional<size_t> count_open_files(int pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it{"/proc/" + std::to_string(pid) + "/fd", ec};
  if (ec)
    return std::nullopt;
  size_t n = 0;
  for (; it != std::filesystem::directory_iterator{}; it.increment(ec)) {
    if (ec)
      return std::nullopt;
    ++n;
  }
  return n;
}

std::optional<double> read_proc_cpu_seconds(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat;
  if (!in || !std::getline(in, stat))
    return std::nullopt;
  // The command name (field 2) may hold spaces; the fields after its ')' are plain.
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream fields{stat.substr(close + 2)};
  std::string skip;
  for (int field = 3; field < 14; ++field)
    fields >> skip;
  double utime = 0;
  double stime = 0;
  if (!(fields >> utime >> stime))
    return std::nullopt;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double metrics_sample::get(const std::string& name) const {
  auto i = values.find(name);
  return i == values.end() ? 0.0 : i->second;
}

std::optional<metrics_sample> fetch_metrics(const endpoint& admin, std::string& error) {
  // Asynchronous operations on a private io_context, so a stuck node costs two seconds
  // instead of hanging the run.
  boost::asio::io_context io;
  boost::beast::tcp_stream stream{io};
  tcp::resolver resolver{io};
  http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, admin.to_string());
  req.keep_alive(false);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  boost::system::error_code result = boost::asio::error::timed_out;

  stream.expires_after(scrape_timeout);
  resolver.async_resolve(admin.host, std::to_string(admin.port), [&](auto ec, auto found) {
    if (ec) {
      result = ec;
      return;
    }
    stream.async_connect(found, [&](auto ec, auto) {
      if (ec) {
        result = ec;
        return;
      }
      http::async_write(stream, req, [&](auto ec, size_t) {
        if (ec) {
          result = ec;
          return;
        }
        http::async_read(stream, buffer, res, [&](auto ec, size_t) { result = ec; });
      });
    });
  });
  io.run_for(scrape_timeout + std::chrono::milliseconds{500});
  if (result) {
    error = "GET http://" + admin.to_string() + "/metrics: " + result.message();
    return std::nullopt;
  }
  if (res.result() != http::status::ok) {
    error = "GET /metrics answered " + std::to_string(res.result_int());
    return std::nullopt;
  }
  metrics_sample sample;
  parse_metrics(res.body(), sample);
  return sample;
}

std::optional<double> ack_quantile_between(const metrics_sample& before,
                                           const metrics_sample& after, double q) {
  if (after.ack_buckets.empty() || before.ack_buckets.size() != after.ack_buckets.size())
    return std::nullopt;
  auto total = after.ack_buckets.back().second - before.ack_buckets.back().second;
  if (total == 0)
    return std::nullopt;
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
  for (size_t i = 0; i < after.ack_buckets.size(); ++i) {
    if (after.ack_buckets[i].second - before.ack_buckets[i].second >= rank)
      return after.ack_buckets[i].first;
  }
  return after.ack_buckets.back().first;
}

} // namespace parley::bench
