// Scheduling policies are per thread: the one that asks becomes batch work, nobody else.

#include "runtime/thread_priority.hpp"

#include <sched.h>

#include <thread>

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(ThreadPriorityTest, OnlyTheCallingThreadBecomesBatchWork) {
  int before = sched_getscheduler(0);
  bool changed = false;
  int policy_there = -1;
  std::thread worker{[&] {
    changed = run_as_batch_thread();
    policy_there = sched_getscheduler(0);
  }};
  worker.join();
  EXPECT_TRUE(changed);
  EXPECT_EQ(policy_there, SCHED_BATCH);
  EXPECT_EQ(sched_getscheduler(0), before);
}

} // namespace
} // namespace parley
