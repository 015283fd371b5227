#include "bench/bench_options.hpp"

#include <algorithm>
#include <set>

namespace parley::bench {

namespace {

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
  if (name == "failover-kill-pid") {
    if (!parse_pid(value, o.failover_kill_pid))
      return bad("a process id (one of --server-pids)");
  } else if (name == "failover-at") {
    if (!parse_double(value, 0, 86400, o.failover_at_s))
      return bad("seconds into the measured window");
  } else if (name == "users") {
    if (!parse_uint(value, 1, max_users, u))
      return bad("1.." + std::to_string(max_users) + " (the open-file cap is 20,000)");
    o.users = static_cast<uint32_t>(u);
  } else if (name == "window") {
    if (!parse_uint(value, 1, 10000, u))
      return bad("1..10000");
    o.window = static_cast<uint32_t>(u);
  } else if (name == "threads") {
    if (!parse_uint(value, 1, 2, u))
      return bad("1 or 2");
    o.threads = static_cast<unsigned>(u);
  } else if (name == "slices") {
    if (!parse_double(value, 0, 3600, o.slice_s) || (o.slice_s > 0 && o.slice_s < 0.1))
      return bad("seconds per slice of the measured window, at least 0.1 (0: none)");
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
  if (!o.idle && o.users < 2)
    return "--users: traffic needs at least 2 users (or use --idle)";
  // A slice holds a 30 KB histogram per io thread.
  if (o.slice_s > 0 && o.duration_s / o.slice_s > 1000)
    return "--slices: at most 1,000 slices of the window (--duration / --slices)";
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
  auto r = parse_flags<options>(argc, argv, apply, check_combination);
  if (r.opts && r.opts->threads > r.opts->users)
    r.opts->threads = 1;
  return r;
}

std::string usage() {
  return "usage: parley-bench --server=HOST:PORT | --servers=HOST:PORT,... [flags]\n"
         + target_usage() + traffic_usage("messages") +
         "  --failover-kill-pid=PID SIGKILL this node (one of --server-pids) during the window;\n"
         "                          its clients reconnect to the next server and resend\n"
         "  --failover-at=S         seconds into the measured window for the kill (default 5)\n"
         "  --users=U               connections, one user each (default 100, at most 19000)\n"
         "  --window=N              flat out: unacked sends per user (default 8)\n"
         "  --idle                  log in, stay idle, report the node's memory per user\n"
         "  --settle=S              idle: wait before reading the RSS (default 2)\n"
         "  --threads=1|2           io threads (default 1)\n"
         "  --slices=S              also print ack latency for each S seconds of the window\n"
         "exit status: 0 fine, 1 the run saw lost or failed messages, 2 bad flags\n";
}

} // namespace parley::bench
