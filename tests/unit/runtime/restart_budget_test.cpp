#include "runtime/restart_budget.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(RestartBudgetTest, AllowsMaxRestartsWithinPeriodThenRefuses) {
  restart_budget b{{3, std::chrono::seconds{5}}};
  restart_budget::time_point t{};
  EXPECT_TRUE(b.try_restart(t));
  EXPECT_TRUE(b.try_restart(t + std::chrono::seconds{1}));
  EXPECT_TRUE(b.try_restart(t + std::chrono::seconds{2}));
  EXPECT_FALSE(b.try_restart(t + std::chrono::seconds{3}));
}

TEST(RestartBudgetTest, OldRestartsExpire) {
  restart_budget b{{2, std::chrono::seconds{5}}};
  restart_budget::time_point t{};
  EXPECT_TRUE(b.try_restart(t));
  EXPECT_TRUE(b.try_restart(t + std::chrono::seconds{1}));
  // At 5.5 s the first restart has left the window, the second has not.
  EXPECT_TRUE(b.try_restart(t + std::chrono::milliseconds{5500}));
  EXPECT_EQ(b.recent(), 2u);
  EXPECT_FALSE(b.try_restart(t + std::chrono::milliseconds{5600}));
}

} // namespace
} // namespace parley
