#pragma once

// server_probe over every node of a run: the nodes' processes and admin ports, read one
// by one and summed. A node that cannot be read (the failover killed it, or a pid or port
// was wrong) is left out of a sum, and every sum says how many nodes it holds, so a figure
// over two nodes is never shown as one over three.

#include <optional>
#include <string>
#include <vector>

#include "bench/server_probe.hpp"

namespace parley::bench {

/// RSS summed over the processes that could be read.
struct memory_sum {
  proc_memory total;
  size_t nodes = 0;  // processes in the sum
  size_t of = 0;     // processes asked
};

/// Nothing when no process could be read.
std::optional<memory_sum> sum_memory(const std::vector<int>& pids);

/// CPU seconds so far of each process; nothing for one that cannot be read.
std::vector<std::optional<double>> cpu_seconds(const std::vector<int>& pids);

/// CPU used between two readings, summed over the processes read both times.
struct cpu_sum {
  double seconds = 0;
  size_t nodes = 0;
  size_t of = 0;
};
std::optional<cpu_sum> cpu_between(const std::vector<std::optional<double>>& before,
                                   const std::vector<std::optional<double>>& after);

/// Open files summed over the processes.
std::optional<size_t> sum_open_files(const std::vector<int>& pids);

/// One GET /metrics per admin port, in order; errors name the nodes that did not answer.
struct metrics_scrape {
  std::vector<std::optional<metrics_sample>> nodes;
  std::vector<std::string> errors;
};
metrics_scrape scrape_all(const std::vector<endpoint>& admins);

/// Counters, gauges and ack-latency buckets summed over the nodes that answered every one
/// of `scrapes` (one sum per scrape, same nodes in each); `nodes` tells how many.
struct metrics_sums {
  std::vector<metrics_sample> sums;
  size_t nodes = 0;
  size_t of = 0;
};
metrics_sums sum_common(const std::vector<const metrics_scrape*>& scrapes);

} // namespace parley::bench
