#pragma once

// The line formats every part of a report shares: "label: value unit", padded so the
// values line up.

#include <cstdint>
#include <cstdio>
#include <string>

#include "bench/latency_histogram.hpp"
#include "bench/run_stats.hpp"

namespace parley::bench {

struct quantile {
  const char* label;
  double q;
};
inline constexpr quantile quantiles[] = {{"p50", 0.5}, {"p99", 0.99}, {"p99.9", 0.999},
                                         {"p99.99", 0.9999}};

inline double ms(int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

void line(std::FILE* out, const std::string& label, const char* fmt, double value,
          const char* unit);
void count_line(std::FILE* out, const std::string& label, uint64_t n);
void text_line(std::FILE* out, const std::string& label, const std::string& text);
/// p50 .. p99.99 and max, in ms.
void latency_lines(std::FILE* out, const std::string& name, const latency_histogram& h);

/// Sends over the whole run: sent, acked, refused, and left unanswered after the drain.
/// `what` follows "total" in the first line (" group msgs"; empty for messages).
void send_total_lines(std::FILE* out, const run_totals& t, const char* what);

/// Error frames by code and unplanned disconnects by cause, or "errors: none".
void problem_lines(std::FILE* out, const run_totals& t);

/// How a tool names what its window counted: "acked msg/s" or "acked group msgs/s".
struct window_labels {
  const char* messages;   // "msg", "group msgs": acked, sent
  const char* delivered;  // "delivered msg/s", "member deliveries/s"
  const char* e2e;        // "end-to-end", "member delivery": send -> msg at a recipient
};

/// The window's rates, then ack, end-to-end and receipt latency and the VM's jitter.
void window_lines(std::FILE* out, const window_stats& w, double window_s,
                  const latency_histogram& jitter, const window_labels& labels);

/// The small latency table at a report's end: ack, end-to-end, receipt, VM jitter.
void latency_table(std::FILE* out, const window_stats& w, const latency_histogram& jitter,
                   const window_labels& labels);

/// With --slices: ack latency for each slice of the window, to see a long run's drift.
void slice_table(std::FILE* out, const window_stats& w, double slice_s);

/// " (sum of 3 nodes)", " (sum of 2 of 3 nodes)", or nothing for a single node, so a
/// one-node run prints its labels as before.
std::string nodes_suffix(size_t in_sum, size_t asked);

} // namespace parley::bench
