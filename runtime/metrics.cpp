#include "runtime/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace parley {

histogram::histogram(std::vector<double> upper_bounds)
  : bounds_(std::move(upper_bounds)),
    buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double seconds) noexcept {
  // Binary search: the latency histogram has about 60 buckets and sits on the hot path.
  size_t lo = 0;
  size_t hi = bounds_.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (seconds <= bounds_[mid])
      hi = mid;
    else
      lo = mid + 1;
  }
  buckets_[lo].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  auto nanos = seconds > 0 ? static_cast<uint64_t>(seconds * 1e9) : 0;
  sum_nanos_.fetch_add(nanos, std::memory_order_relaxed);
}

uint64_t histogram::bucket_count(size_t i) const {
  return buckets_[i].load(std::memory_order_relaxed);
}

uint64_t histogram::count() const {
  return count_.load(std::memory_order_relaxed);
}

double histogram::sum() const {
  return sum_nanos_.load(std::memory_order_relaxed) * 1e-9;
}

std::vector<double> histogram::log_buckets(double lo, double hi, double ratio) {
  std::vector<double> out;
  for (double b = lo; b < hi * 1.0001; b *= ratio) {
    // Round to 3 significant digits so the `le` labels stay readable.
    double scale = std::pow(10.0, 2 - std::floor(std::log10(b)));
    out.push_back(std::round(b * scale) / scale);
  }
  return out;
}

counter& metrics_registry::add_counter(std::string name, std::string help) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& c = counters_.emplace_back();
  entries_.push_back({std::move(name), std::move(help), &c, nullptr, nullptr});
  return c;
}

gauge& metrics_registry::add_gauge(std::string name, std::string help) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& g = gauges_.emplace_back();
  entries_.push_back({std::move(name), std::move(help), nullptr, &g, nullptr});
  return g;
}

histogram& metrics_registry::add_histogram(std::string name, std::string help,
                                           std::vector<double> bounds) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& h = histograms_.emplace_back(std::make_unique<histogram>(std::move(bounds)));
  entries_.push_back({std::move(name), std::move(help), nullptr, nullptr, h.get()});
  return *h;
}

std::optional<double> metrics_registry::value(const std::string& name) const {
  std::lock_guard<std::mutex> guard{mutex_};
  for (const auto& e : entries_) {
    if (e.name != name)
      continue;
    if (e.c)
      return static_cast<double>(e.c->value());
    if (e.g)
      return static_cast<double>(e.g->value());
  }
  return std::nullopt;
}

namespace {

std::string format_number(double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", x);
  return buf;
}

} // namespace

std::string metrics_registry::render() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::string out;
  out.reserve(4096);
  for (const auto& e : entries_) {
    out += "# HELP " + e.name + " " + e.help + "\n";
    if (e.c) {
      out += "# TYPE " + e.name + " counter\n";
      out += e.name + " " + std::to_string(e.c->value()) + "\n";
    } else if (e.g) {
      out += "# TYPE " + e.name + " gauge\n";
      out += e.name + " " + std::to_string(e.g->value()) + "\n";
    } else {
      out += "# TYPE " + e.name + " histogram\n";
      const auto& bounds = e.h->upper_bounds();
      uint64_t cumulative = 0;
      for (size_t i = 0; i < bounds.size(); ++i) {
        cumulative += e.h->bucket_count(i);
        out += e.name + "_bucket{le=\"" + format_number(bounds[i]) + "\"} "
               + std::to_string(cumulative) + "\n";
      }
      cumulative += e.h->bucket_count(bounds.size());
      out += e.name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
      out += e.name + "_sum " + format_number(e.h->sum()) + "\n";
      out += e.name + "_count " + std::to_string(cumulative) + "\n";
    }
  }
  return out;
}

} // namespace parley
