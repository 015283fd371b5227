#pragma once

// The flags of parley-bench, parsed once into a plain struct (STYLE.md section 8).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/flag_parsing.hpp"

namespace parley::bench {

/// One process holds one socket per user; the machine caps a process at 20,000 open
/// files (DESIGN.md), and the node under test needs the same number.
constexpr uint32_t max_users = 19000;

// The nodes under test (server_pids may be empty) and the traffic's shape: flag_parsing.hpp.
struct options : node_targets, traffic_flags {
  uint32_t users = 100;
  uint32_t window = 8;             // flat out: unacked sends per user
  bool idle = false;
  unsigned threads = 1;            // io threads, each with its own share of the users
  double settle_s = 2;             // idle: wait before reading the RSS
  double slice_s = 0;              // ack latency also by slices of the window; 0: not
  // Failover: this node process (one of server_pids, which then name the servers' nodes in
  // order) is SIGKILLed this many seconds into the measured window; its clients reconnect.
  int failover_kill_pid = 0;       // 0: no failover
  double failover_at_s = 5;

  bool failover() const { return failover_kill_pid != 0; }
  /// The index in `servers` of the node the failover kills.
  size_t killed_server() const;
};

using parse_result = parsed_flags<options>;

parse_result parse_options(int argc, char** argv);

std::string usage();

} // namespace parley::bench
