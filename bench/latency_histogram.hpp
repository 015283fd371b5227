#pragma once

// A log-linear histogram of nanosecond durations: exact below 128 ns, then 64 buckets per
// power of two, so any percentile is read to within 1.6% at a fixed 30 KB, however long
// the run. Not thread-safe: each thread records into its own and the results are merged.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace parley::bench {

class latency_histogram {
public:
  latency_histogram();

  void record(int64_t ns);
  void merge(const latency_histogram& other);

  uint64_t count() const { return count_; }
  int64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }

  /// The smallest bucket edge at or above which no more than (1 - q) of the samples lie,
  /// capped at the exact maximum; 0 when empty.
  int64_t percentile(double q) const;

private:
  static constexpr unsigned sub_bits = 6;

  static size_t index_of(uint64_t value);
  static uint64_t upper_edge(size_t index);

  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  int64_t max_ = 0;
  int64_t sum_ = 0;
};

} // namespace parley::bench
