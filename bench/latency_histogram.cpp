#include "bench/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace parley::bench {

namespace {

constexpr unsigned value_bits = 64;

} // namespace

// Values below 2^(sub_bits+1) map to themselves. Above, a value with its top bit at
// position e keeps its sub_bits+1 leading bits m (64 <= m < 128) and loses `shift` =
// e - sub_bits low bits; the index shift * 64 + m is then monotonic in the value.
size_t latency_histogram::index_of(uint64_t value) {
  constexpr uint64_t sub = uint64_t{1} << sub_bits;
  if (value < 2 * sub)
    return static_cast<size_t>(value);
  unsigned top = value_bits - 1 - static_cast<unsigned>(__builtin_clzll(value));
  unsigned shift = top - sub_bits;
  return static_cast<size_t>(shift) * sub + static_cast<size_t>(value >> shift);
}

uint64_t latency_histogram::upper_edge(size_t index) {
  constexpr uint64_t sub = uint64_t{1} << sub_bits;
  if (index < 2 * sub)
    return index;
  auto shift = static_cast<unsigned>(index / sub - 1);
  uint64_t m = index - shift * sub;
  return ((m + 1) << shift) - 1;
}

latency_histogram::latency_histogram()
  : buckets_(index_of(~uint64_t{0}) + 1, 0) {
}

void latency_histogram::record(int64_t ns) {
  // A negative duration can only come from a clock we do not use; count it as zero.
  auto v = static_cast<uint64_t>(std::max<int64_t>(ns, 0));
  ++buckets_[index_of(v)];
  ++count_;
  sum_ += static_cast<int64_t>(v);
  max_ = std::max(max_, static_cast<int64_t>(v));
}

void latency_histogram::merge(const latency_histogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

int64_t latency_histogram::percentile(double q) const {
  if (count_ == 0)
    return 0;
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank)
      return std::min(static_cast<int64_t>(upper_edge(i)), max_);
  }
  return max_;
}

} // namespace parley::bench
