#pragma once

// What parley-group-bench prints: one figure per line ("label: value unit"), as
// parley-bench does, then the latency table.

#include <cstdio>
#include <optional>
#include <string>

#include "bench/group_driver.hpp"
#include "bench/group_ledger.hpp"
#include "bench/latency_histogram.hpp"
#include "bench/server_readings.hpp"

namespace parley::bench {

struct group_report : server_readings {
  group_options opts;
  std::string run;
  double login_s = 0;
  double setup_s = 0;    // group creation
  window_stats window;   // ack: send -> ack; e2e: send -> msg at each member
  run_totals totals;     // after the drain
  group_progress progress;
  bool drained = false;
  bool traffic = false;  // false: the run stopped before traffic (logins or groups failed)
  group_findings deliveries;
  latency_histogram jitter;
  std::optional<memory_sum> mem_groups;  // after the groups were created (mem_logged_in: before)
};

void print_group_report(std::FILE* out, const group_report& r);

/// True when the run saw something a correct server never does: a failed login or group,
/// a lost, repeated or reordered message, a receipt that never came, an error frame or an
/// unplanned disconnect.
bool group_run_had_problems(const group_report& r);

} // namespace parley::bench
