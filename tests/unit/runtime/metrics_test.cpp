#include "runtime/metrics.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(MetricsTest, RendersPrometheusText) {
  metrics_registry r;
  auto& c = r.add_counter("x_total", "Things.");
  auto& g = r.add_gauge("y", "Level.");
  auto& h = r.add_histogram("z_seconds", "Latency.", {0.001, 0.01});
  c.inc(3);
  g.set(-2);
  h.observe(0.0005);
  h.observe(0.005);
  h.observe(1.0);
  auto text = r.render();
  EXPECT_NE(text.find("# TYPE x_total counter\nx_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("y -2\n"), std::string::npos);
  EXPECT_NE(text.find("z_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("z_seconds_bucket{le=\"0.01\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("z_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("z_seconds_count 3\n"), std::string::npos);
  EXPECT_EQ(r.value("x_total"), 3.0);
  EXPECT_FALSE(r.value("nope"));
}

TEST(MetricsTest, LogBucketsAreFineBetweenTenthOfMillisecondAndTwentyMilliseconds) {
  auto b = histogram::log_buckets(50e-6, 30e-3, 1.1);
  ASSERT_GT(b.size(), 2u);
  for (size_t i = 1; i < b.size(); ++i) {
    EXPECT_GT(b[i], b[i - 1]);
    if (b[i] >= 1e-4 && b[i] <= 20e-3) {
      EXPECT_LE(b[i] / b[i - 1], 1.12);
    }
  }
}

} // namespace
} // namespace parley
