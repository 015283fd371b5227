#include "bench/bench_options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace parley::bench {

namespace {

bool parse_double(const std::string& text, double lo, double hi, double& out) {
  if (text.empty())
    return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v) || v < lo || v > hi)
    return false;
  out = v;
  return true;
}

bool parse_uint(const std::string& text, uint64_t lo, uint64_t hi, uint64_t& out) {
  if (text.empty() || text[0] == '-' || text[0] == '+')
    return false;
  char* end = nullptr;
  errno = 0;
  auto v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi)
    return false;
  out = v;
  return true;
}

// Applies one --name=value flag; an empty return means it was accepted.
std::string apply(options& o, const std::string& name, const std::string& value,
                  bool has_value) {
  auto bad = [&](const std::string& what) { return "--" + name + ": expected " + what; };
  uint64_t u = 0;
  if (name == "idle") {
    if (has_value)
      return "--idle takes no value";
    o.idle = true;
    return {};
  }
  if (!has_value)
    return "--" + name + " needs a value (--" + name + "=...)";
  if (name == "server" || name == "admin") {
    auto ep = parse_endpoint(value);
    if (!ep || ep->port == 0)
      return bad("HOST:PORT with a nonzero port");
    (name == "server" ? o.server : o.admin.emplace()) = *ep;
  } else if (name == "server-pid") {
    if (!parse_uint(value, 1, 4194304, u))
      return bad("a process id");
    o.server_pid = static_cast<int>(u);
  } else if (name == "users") {
    if (!parse_uint(value, 1, max_users, u))
      return bad("1.." + std::to_string(max_users) + " (the open-file cap is 20,000)");
    o.users = static_cast<uint32_t>(u);
  } else if (name == "rate") {
    if (!parse_double(value, 0, 10e6, o.rate))
      return bad("messages per second, 0 for flat out");
  } else if (name == "duration") {
    if (!parse_double(value, 0.1, 86400, o.duration_s))
      return bad("seconds (0.1 or more)");
  } else if (name == "warmup") {
    if (!parse_double(value, 0, 3600, o.warmup_s))
      return bad("seconds");
  } else if (name == "window") {
    if (!parse_uint(value, 1, 10000, u))
      return bad("1..10000");
    o.window = static_cast<uint32_t>(u);
  } else if (name == "body-bytes") {
    if (!parse_uint(value, 0, 60000, u))
      return bad("0..60000 (the body limit is 64 KiB)");
    o.body_bytes = static_cast<size_t>(u);
  } else if (name == "threads") {
    if (!parse_uint(value, 1, 2, u))
      return bad("1 or 2");
    o.threads = static_cast<unsigned>(u);
  } else if (name == "login-concurrency") {
    if (!parse_uint(value, 1, 5000, u))
      return bad("1..5000");
    o.login_concurrency = static_cast<uint32_t>(u);
  } else if (name == "settle") {
    if (!parse_double(value, 0, 600, o.settle_s))
      return bad("seconds");
  } else {
    return "unknown flag --" + name + " (see --help)";
  }
  return {};
}

} // namespace

parse_result parse_options(int argc, char** argv) {
  parse_result r;
  options o;
  bool have_server = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      r.help = true;
      return r;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      r.error = "unexpected argument '" + arg + "' (flags are --name=value)";
      return r;
    }
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    auto value = eq == std::string::npos ? std::string{} : arg.substr(eq + 1);
    if (auto err = apply(o, name, value, eq != std::string::npos); !err.empty()) {
      r.error = err;
      return r;
    }
    have_server = have_server || name == "server";
  }
  if (!have_server) {
    r.error = "--server=HOST:PORT (the node's client port) is required";
    return r;
  }
  if (!o.idle && o.users < 2) {
    r.error = "--users: traffic needs at least 2 users (or use --idle)";
    return r;
  }
  if (o.threads > o.users)
    o.threads = 1;
  r.opts = o;
  return r;
}

const char* usage() {
  return "usage: parley-bench --server=HOST:PORT [flags]\n"
         "  --server=HOST:PORT      client port of the node (required)\n"
         "  --admin=HOST:PORT       admin port: /metrics counters are compared with ours\n"
         "  --server-pid=PID        read the node's RSS from /proc/PID/status\n"
         "  --users=U               connections, one user each (default 100, at most 19000)\n"
         "  --rate=R                total messages per second, paced; 0 = flat out (default)\n"
         "  --duration=S            measured seconds (default 10)\n"
         "  --warmup=S              seconds of traffic before measuring (default 2)\n"
         "  --window=N              flat out: unacked sends per user (default 8)\n"
         "  --body-bytes=N          message body size (default 32)\n"
         "  --idle                  log in, stay idle, report the node's memory per user\n"
         "  --settle=S              idle: wait before reading the RSS (default 2)\n"
         "  --threads=1|2           io threads (default 1)\n"
         "  --login-concurrency=N   logins in flight (default 200)\n"
         "exit status: 0 fine, 1 the run saw lost or failed messages, 2 bad flags\n";
}

} // namespace parley::bench
