#pragma once

// A token bucket for rate limits: `rate` tokens per second, at most `burst` saved up.
// Time is passed in, so tests need no clock.

#include <algorithm>
#include <cstdint>

namespace parley {

class token_bucket {
public:
  token_bucket(double rate_per_second, double burst)
    : rate_(rate_per_second / 1e9), burst_(burst), tokens_(burst) {}

  /// Takes one token at time `now_ns` (monotonic); false when the bucket is empty.
  bool try_take(int64_t now_ns) {
    if (last_ns_ != 0)
      tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) * rate_);
    last_ns_ = now_ns;
    if (tokens_ < 1.0)
      return false;
    tokens_ -= 1.0;
    return true;
  }

private:
  double rate_;  // tokens per nanosecond
  double burst_;
  double tokens_;
  int64_t last_ns_ = 0;
};

} // namespace parley
