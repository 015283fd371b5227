#include "bench/flag_parsing.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace parley::bench {

namespace {

// Splits "a,b,c"; an empty item makes the whole list bad.
std::optional<std::vector<std::string>> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty())
      return std::nullopt;
    items.push_back(item);
    if (comma == std::string::npos)
      return items;
    start = comma + 1;
  }
}

bool parse_endpoints(const std::string& text, std::vector<endpoint>& out) {
  auto items = split_list(text);
  if (!items)
    return false;
  out.clear();
  for (const auto& item : *items) {
    auto ep = parse_endpoint(item);
    if (!ep || ep->port == 0)
      return false;
    out.push_back(*ep);
  }
  return true;
}

bool parse_pids(const std::string& text, std::vector<int>& out) {
  auto items = split_list(text);
  if (!items)
    return false;
  out.clear();
  for (const auto& item : *items)
    if (!parse_pid(item, out.emplace_back()))
      return false;
  return true;
}

} // namespace

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

bool parse_pid(const std::string& text, int& out) {
  uint64_t u = 0;
  if (!parse_uint(text, 1, 4194304, u))
    return false;
  out = static_cast<int>(u);
  return true;
}

std::string apply_target_flag(node_targets& t, const std::string& name,
                              const std::string& value, bool& matched) {
  auto bad = [&](const std::string& what) { return "--" + name + ": expected " + what; };
  matched = true;
  // The singular flags are the one-node spellings of the lists.
  if (name == "server" || name == "admin") {
    auto ep = parse_endpoint(value);
    if (!ep || ep->port == 0)
      return bad("HOST:PORT with a nonzero port");
    (name == "server" ? t.servers : t.admins) = {*ep};
  } else if (name == "servers" || name == "admins") {
    if (!parse_endpoints(value, name == "servers" ? t.servers : t.admins))
      return bad("HOST:PORT,HOST:PORT,... with nonzero ports");
  } else if (name == "server-pid") {
    int pid = 0;
    if (!parse_pid(value, pid))
      return bad("a process id");
    t.server_pids = {pid};
  } else if (name == "server-pids") {
    if (!parse_pids(value, t.server_pids))
      return bad("PID,PID,... (process ids)");
  } else {
    matched = false;
  }
  return {};
}

std::string check_targets(const node_targets& t, const std::set<std::string>& given) {
  for (const char* one : {"server", "admin", "server-pid"}) {
    auto many = std::string{one} + "s";
    if (given.count(one) && given.count(many))
      return "--" + std::string{one} + " and --" + many + " are two spellings of one list: "
             "give one";
  }
  if (t.servers.empty())
    return "--server=HOST:PORT or --servers=HOST:PORT,... (client ports) is required";
  return {};
}

std::string apply_traffic_flag(traffic_flags& t, const std::string& name,
                               const std::string& value, bool& matched) {
  auto bad = [&](const std::string& what) { return "--" + name + ": expected " + what; };
  uint64_t u = 0;
  matched = true;
  if (name == "rate") {
    if (!parse_double(value, 0, 10e6, t.rate))
      return bad("messages per second, 0 for flat out");
  } else if (name == "duration") {
    if (!parse_double(value, 0.1, 86400, t.duration_s))
      return bad("seconds (0.1 or more)");
  } else if (name == "warmup") {
    if (!parse_double(value, 0, 3600, t.warmup_s))
      return bad("seconds");
  } else if (name == "body-bytes") {
    if (!parse_uint(value, 0, 60000, u))
      return bad("0..60000 (the body limit is 64 KiB)");
    t.body_bytes = static_cast<size_t>(u);
  } else if (name == "login-concurrency") {
    if (!parse_uint(value, 1, 5000, u))
      return bad("1..5000");
    t.login_concurrency = static_cast<uint32_t>(u);
  } else {
    matched = false;
  }
  return {};
}

std::string walk_flags(int argc, char** argv, const flag_applier& apply,
                       std::set<std::string>& given, bool& help) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return {};
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
      return "unexpected argument '" + arg + "' (flags are --name=value)";
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    auto value = eq == std::string::npos ? std::string{} : arg.substr(eq + 1);
    if (auto err = apply(name, value, eq != std::string::npos); !err.empty())
      return err;
    given.insert(name);
  }
  return {};
}

std::string target_usage() {
  return "  --server=HOST:PORT      client port of the node (this or --servers is required)\n"
         "  --servers=H:P,H:P,...   client ports of a cluster's nodes: user i uses node i % n\n"
         "  --admin=HOST:PORT       admin port: /metrics counters are compared with ours\n"
         "  --admins=H:P,H:P,...    admin ports of several nodes: their counters are summed\n"
         "  --server-pid=PID        read the node's RSS and CPU from /proc/PID\n"
         "  --server-pids=PID,...   the nodes' processes (summed), in --servers order\n";
}

std::string traffic_usage(const char* rate_unit) {
  return std::string{"  --rate=R                total "} + rate_unit
         + " per second, paced; 0 = flat out (default)\n"
           "  --duration=S            measured seconds (default 10)\n"
           "  --warmup=S              seconds of traffic before measuring (default 2)\n"
           "  --body-bytes=N          message body size (default 32)\n"
           "  --login-concurrency=N   logins in flight (default 200)\n";
}

} // namespace parley::bench
