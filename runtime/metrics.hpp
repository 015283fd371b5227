#pragma once

// A small Prometheus-style metrics registry. Updates are relaxed atomics, safe from any
// thread (actors and Asio threads alike); rendering walks the registry under its mutex.
// The registry is owned by the node and handed to whoever records into it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace parley {

class counter {
public:
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> value_{0};
};

class gauge {
public:
  void add(int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(int64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> value_{0};
};

class histogram {
public:
  /// `upper_bounds` in seconds, ascending; an implicit +Inf bucket follows.
  explicit histogram(std::vector<double> upper_bounds);

  void observe(double seconds) noexcept;
  void observe(std::chrono::nanoseconds d) noexcept { observe(d.count() * 1e-9); }

  const std::vector<double>& upper_bounds() const { return bounds_; }
  /// Count of observations in bucket i (not cumulative); i == bounds().size() is +Inf.
  uint64_t bucket_count(size_t i) const;
  uint64_t count() const;
  double sum() const;

  /// Log-spaced bounds from `lo` to `hi` seconds, each `ratio` times the previous.
  static std::vector<double> log_buckets(double lo, double hi, double ratio);

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};
};

class metrics_registry {
public:
  counter& add_counter(std::string name, std::string help);
  gauge& add_gauge(std::string name, std::string help);
  histogram& add_histogram(std::string name, std::string help, std::vector<double> bounds);

  /// The current value of a counter or gauge by name, if registered.
  std::optional<double> value(const std::string& name) const;

  /// Prometheus text exposition format, version 0.0.4.
  std::string render() const;

private:
  struct entry {
    std::string name;
    std::string help;
    counter* c = nullptr;
    gauge* g = nullptr;
    histogram* h = nullptr;
  };
  mutable std::mutex mutex_;
  std::deque<counter> counters_;
  std::deque<gauge> gauges_;
  std::deque<std::unique_ptr<histogram>> histograms_;
  std::vector<entry> entries_;
};

} // namespace parley
