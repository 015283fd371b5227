#pragma once

// How late this machine wakes a sleeping thread. DESIGN.md measured 2-6 ms at p99.99 on
// this VM: a latency tail of that size is the VM's, not the server's, so the bench prints
// the probe's percentiles beside its own.

#include <atomic>
#include <thread>

#include "bench/latency_histogram.hpp"

namespace parley::bench {

class jitter_probe {
public:
  jitter_probe() = default;
  jitter_probe(const jitter_probe&) = delete;
  jitter_probe& operator=(const jitter_probe&) = delete;
  ~jitter_probe();

  /// Starts the sleeping thread; nothing is recorded until measure(true).
  void start();
  void measure(bool on) { measuring_.store(on, std::memory_order_relaxed); }
  /// Stops the thread and hands over what it recorded.
  latency_histogram stop();

private:
  void loop();

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> measuring_{false};
  latency_histogram lateness_;  // written by the probe thread only until stop()
};

} // namespace parley::bench
