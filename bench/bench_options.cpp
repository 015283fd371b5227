#include "bench/bench_options.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

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

bool parse_pid(const std::string& text, int& out) {
  uint64_t u = 0;
  if (!parse_uint(text, 1, 4194304, u))
    return false;
  out = static_cast<int>(u);
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
  // The singular flags are the one-node spellings of the lists.
  if (name == "server" || name == "admin") {
    auto ep = parse_endpoint(value);
    if (!ep || ep->port == 0)
      return bad("HOST:PORT with a nonzero port");
    (name == "server" ? o.servers : o.admins) = {*ep};
  } else if (name == "servers" || name == "admins") {
    if (!parse_endpoints(value, name == "servers" ? o.servers : o.admins))
      return bad("HOST:PORT,HOST:PORT,... with nonzero ports");
  } else if (name == "server-pid") {
    int pid = 0;
    if (!parse_pid(value, pid))
      return bad("a process id");
    o.server_pids = {pid};
  } else if (name == "server-pids") {
    if (!parse_pids(value, o.server_pids))
      return bad("PID,PID,... (process ids)");
  } else if (name == "failover-kill-pid") {
    if (!parse_pid(value, o.failover_kill_pid))
      return bad("a process id (one of --server-pids)");
  } else if (name == "failover-at") {
    if (!parse_double(value, 0, 86400, o.failover_at_s))
      return bad("seconds into the measured window");
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

// Checks what no single flag can: the flags that must come together, or not at all.
std::string check_combination(const options& o, const std::set<std::string>& given) {
  for (const char* one : {"server", "admin", "server-pid"}) {
    auto many = std::string{one} + "s";
    if (given.count(one) && given.count(many))
      return "--" + std::string{one} + " and --" + many + " are two spellings of one list: "
             "give one";
  }
  if (o.servers.empty())
    return "--server=HOST:PORT or --servers=HOST:PORT,... (client ports) is required";
  if (!o.idle && o.users < 2)
    return "--users: traffic needs at least 2 users (or use --idle)";
  if (given.count("failover-at") && !o.failover())
    return "--failover-at needs --failover-kill-pid";
  if (!o.failover())
    return {};
  if (o.idle)
    return "--failover-kill-pid needs traffic (not --idle)";
  if (o.servers.size() < 2)
    return "--failover-kill-pid needs at least two --servers to reconnect to";
  if (o.server_pids.size() != o.servers.size())
    return "--failover-kill-pid needs --server-pids with one pid per --servers entry, in "
           "the same order";
  if (std::find(o.server_pids.begin(), o.server_pids.end(), o.failover_kill_pid)
      == o.server_pids.end())
    return "--failover-kill-pid must be one of --server-pids";
  if (o.failover_at_s >= o.duration_s)
    return "--failover-at must fall inside the measured window (less than --duration)";
  return {};
}

} // namespace

size_t options::killed_server() const {
  auto at = std::find(server_pids.begin(), server_pids.end(), failover_kill_pid);
  return static_cast<size_t>(at - server_pids.begin());
}

parse_result parse_options(int argc, char** argv) {
  parse_result r;
  options o;
  std::set<std::string> given;
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
    given.insert(name);
  }
  if (auto err = check_combination(o, given); !err.empty()) {
    r.error = err;
    return r;
  }
  if (o.threads > o.users)
    o.threads = 1;
  r.opts = o;
  return r;
}

const char* usage() {
  return "usage: parley-bench --server=HOST:PORT | --servers=HOST:PORT,... [flags]\n"
         "  --server=HOST:PORT      client port of the node (this or --servers is required)\n"
         "  --servers=H:P,H:P,...   client ports of a cluster's nodes: user i uses node i % n\n"
         "  --admin=HOST:PORT       admin port: /metrics counters are compared with ours\n"
         "  --admins=H:P,H:P,...    admin ports of several nodes: their counters are summed\n"
         "  --server-pid=PID        read the node's RSS and CPU from /proc/PID\n"
         "  --server-pids=PID,...   the nodes' processes (summed), in --servers order\n"
         "  --failover-kill-pid=PID SIGKILL this node (one of --server-pids) during the window;\n"
         "                          its clients reconnect to the next server and resend\n"
         "  --failover-at=S         seconds into the measured window for the kill (default 5)\n"
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
