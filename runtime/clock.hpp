#pragma once

#include <chrono>
#include <cstdint>

namespace parley {

/// Wall-clock milliseconds since the epoch: the `ts` of PROTOCOL.md.
inline int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Monotonic nanoseconds, for latency measurements.
inline int64_t steady_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

/// Monotonic milliseconds, for timeouts that a step of the wall clock must not move.
inline int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace parley
