#pragma once

// The flags of parley-bench, parsed once into a plain struct (STYLE.md section 8).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace parley::bench {

/// One process holds one socket per user; the machine caps a process at 20,000 open
/// files (DESIGN.md), and the node under test needs the same number.
constexpr uint32_t max_users = 19000;

struct options {
  std::vector<endpoint> servers;   // client ports; user i connects to servers[i % n]
  std::vector<endpoint> admins;    // admin ports, for /metrics (counters summed over them)
  std::vector<int> server_pids;    // the nodes' processes, for RSS and CPU (summed); may be empty
  uint32_t users = 100;
  double rate = 0;                 // total messages per second; 0: flat out
  double duration_s = 10;
  double warmup_s = 2;
  uint32_t window = 8;             // flat out: unacked sends per user
  bool idle = false;
  size_t body_bytes = 32;
  unsigned threads = 1;            // io threads, each with its own share of the users
  uint32_t login_concurrency = 200;
  double settle_s = 2;             // idle: wait before reading the RSS
  // Failover: this node process (one of server_pids, which then name the servers' nodes in
  // order) is SIGKILLed this many seconds into the measured window; its clients reconnect.
  int failover_kill_pid = 0;       // 0: no failover
  double failover_at_s = 5;

  bool failover() const { return failover_kill_pid != 0; }
  /// The index in `servers` of the node the failover kills.
  size_t killed_server() const;
};

struct parse_result {
  std::optional<options> opts;
  std::string error;  // one line for stderr when opts is empty
  bool help = false;
};

parse_result parse_options(int argc, char** argv);

const char* usage();

} // namespace parley::bench
