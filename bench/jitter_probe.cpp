#include "bench/jitter_probe.hpp"

#include <chrono>

namespace parley::bench {

jitter_probe::~jitter_probe() {
  if (thread_.joinable())
    stop();
}

void jitter_probe::start() {
  thread_ = std::thread{[this] { loop(); }};
}

latency_histogram jitter_probe::stop() {
  stop_.store(true);
  if (thread_.joinable())
    thread_.join();
  return lateness_;
}

void jitter_probe::loop() {
  using clock = std::chrono::steady_clock;
  constexpr auto period = std::chrono::milliseconds{1};
  while (!stop_.load(std::memory_order_relaxed)) {
    // A relative sleep, as the server's timers and blocked threads see it.
    auto before = clock::now();
    std::this_thread::sleep_for(period);
    auto late = clock::now() - before - period;
    if (measuring_.load(std::memory_order_relaxed))
      lateness_.record(std::chrono::duration_cast<std::chrono::nanoseconds>(late).count());
  }
}

} // namespace parley::bench
