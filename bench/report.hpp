#pragma once

// The figures a run prints: plain text, one figure per line ("label: value unit"), so
// lines can be pasted into docs as they are, then a small latency table for reading.

#include <cstdio>
#include <optional>
#include <string>

#include "bench/bench_options.hpp"
#include "bench/delivery_ledger.hpp"
#include "bench/failover_stats.hpp"
#include "bench/latency_histogram.hpp"
#include "bench/node_set_probe.hpp"
#include "bench/run_stats.hpp"

namespace parley::bench {

struct run_report {
  options opts;
  std::string run;
  double login_s = 0;
  double window_s = 0;
  window_stats window;
  run_totals totals;   // after the drain
  bool drained = false;
  delivery_findings deliveries;  // every message, checked after the run
  latency_histogram jitter;
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
  // -- failover ----
  std::optional<double> kill_s;             // when the kill was sent, into the window
  double kill_run_s = 0;                    // the same, on the clock of the samples' send times
  std::string kill_error;                   // why it could not be sent
  failover_stats failover;
};

void print_traffic_report(std::FILE* out, const run_report& r);
void print_idle_report(std::FILE* out, const run_report& r);

/// The failover section of a traffic report (failover_report.cpp).
void print_failover_report(std::FILE* out, const run_report& r);

/// True when the run saw something a correct server never does: a lost or refused
/// message, a failed login, an unplanned disconnect, or per-pair disorder; in a failover
/// run also a client that was never served again.
bool run_had_problems(const run_report& r);

} // namespace parley::bench
