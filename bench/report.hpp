#pragma once

// The figures a run prints: plain text, one figure per line ("label: value unit"), so
// lines can be pasted into docs as they are, then a small latency table for reading.

#include <cstdio>
#include <optional>
#include <string>

#include "bench/bench_options.hpp"
#include "bench/latency_histogram.hpp"
#include "bench/run_stats.hpp"
#include "bench/server_probe.hpp"

namespace parley::bench {

struct run_report {
  options opts;
  std::string run;
  double login_s = 0;
  double window_s = 0;
  window_stats window;
  run_totals totals;   // after the drain
  bool drained = false;
  latency_histogram jitter;
  std::optional<proc_memory> mem_before;     // before any connection
  std::optional<proc_memory> mem_logged_in;  // all users logged in, before traffic
  std::optional<proc_memory> mem_after;      // after the run, connections still open
  std::optional<size_t> server_files;        // the node's open files, all logged in
  std::optional<metrics_sample> metrics_start;
  std::optional<metrics_sample> metrics_end;
  std::optional<metrics_sample> metrics_drained;  // after the drain, before closing
  double metrics_s = 0;                      // time between the two scrapes
  std::optional<double> server_cpu_s;        // over the window
  std::optional<double> bench_cpu_s;
  std::string metrics_error;
};

void print_traffic_report(std::FILE* out, const run_report& r);
void print_idle_report(std::FILE* out, const run_report& r);

/// True when the run saw something a correct server never does: a lost or refused
/// message, a failed login, an unplanned disconnect, or per-pair disorder.
bool run_had_problems(const run_report& r);

} // namespace parley::bench
