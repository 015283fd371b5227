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
#include "bench/server_readings.hpp"

namespace parley::bench {

// The server side (window_s, memory, CPU, /metrics) comes from server_readings.
struct run_report : server_readings {
  options opts;
  std::string run;
  double login_s = 0;
  window_stats window;
  run_totals totals;   // after the drain
  bool drained = false;
  delivery_findings deliveries;  // every message, checked after the run
  latency_histogram jitter;
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
