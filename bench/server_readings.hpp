#pragma once

// What a load tool reads about the nodes under test (and about itself) around its
// measured window, and the report lines for it: CPU over the window, /metrics at both
// edges and after the drain, RSS before connecting, logged in and after the run.
// parley-bench and parley-group-bench share it.

#include <cstdio>
#include <chrono>
#include <optional>
#include <string>

#include "bench/flag_parsing.hpp"
#include "bench/node_set_probe.hpp"

namespace parley::bench {

struct server_readings {
  double window_s = 0;                      // the measured window, as the bench timed it
  std::optional<memory_sum> mem_before;     // before any connection
  std::optional<memory_sum> mem_logged_in;  // all users logged in, before traffic
  std::optional<memory_sum> mem_after;      // after the run, connections still open
  std::optional<size_t> server_files;       // the nodes' open files, all logged in
  metrics_scrape metrics_start;
  metrics_scrape metrics_end;
  metrics_scrape metrics_drained;           // after the drain, before closing
  double metrics_s = 0;                     // time between the start and end scrapes
  std::optional<cpu_sum> server_cpu;        // over the window
  std::optional<double> bench_cpu_s;
};

/// Reads CPU and /metrics at the window's two edges into `into`.
class window_reader {
public:
  window_reader(const node_targets& nodes, server_readings& into);

  void open();
  void close();
  /// After the drain: the last scrape and the RSS.
  void after_drain();

private:
  const node_targets& nodes_;
  server_readings& into_;
  std::vector<std::optional<double>> server_cpu0_;
  std::optional<double> bench_cpu0_;
  std::chrono::steady_clock::time_point scraped0_;
};

/// The nodes' summed RSS now; nothing without pids.
std::optional<memory_sum> nodes_memory(const node_targets& nodes);

// -- report lines ----

/// " (metrics)", or " (metrics, sum of 3 nodes)" over a cluster; `extra` goes after
/// "metrics".
std::string metrics_tag(const metrics_sums& s, const char* extra = "");
void memory_line(std::FILE* out, const char* when, const std::optional<memory_sum>& m);
void files_line(std::FILE* out, const server_readings& s, size_t pids);
/// RSS per user, logged in against before connecting.
void per_user_lines(std::FILE* out, const server_readings& s, uint64_t users);
void metrics_error_lines(std::FILE* out, const server_readings& s);
/// Everything above for a traffic run: CPU, the nodes' counters over the window, open
/// files and memory.
void print_server_lines(std::FILE* out, const server_readings& s, uint64_t users, size_t pids);

} // namespace parley::bench
