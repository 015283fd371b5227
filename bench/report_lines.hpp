#pragma once

// The line formats every part of a report shares: "label: value unit", padded so the
// values line up.

#include <cstdint>
#include <cstdio>
#include <string>

#include "bench/latency_histogram.hpp"

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

/// " (sum of 3 nodes)", " (sum of 2 of 3 nodes)", or nothing for a single node, so a
/// one-node run prints its labels as before.
std::string nodes_suffix(size_t in_sum, size_t asked);

} // namespace parley::bench
