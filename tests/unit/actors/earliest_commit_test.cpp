// earliest_commit: the join of a group send's commits, as a plain class.

#include "actors/earliest_commit.hpp"

#include <optional>

#include <gtest/gtest.h>

#include "runtime/errors.hpp"

namespace parley::testing {
namespace {

struct outcome_log {
  int calls = 0;
  std::optional<caf::expected<int64_t>> last;
};

earliest_commit join_of(size_t answers, int64_t ts, outcome_log& log) {
  return earliest_commit{answers, ts, [&log](caf::expected<int64_t> x) {
                           ++log.calls;
                           log.last = std::move(x);
                         }};
}

TEST(EarliestCommitTest, AnswersOnceAllStoredWithTheEarliestTime) {
  outcome_log log;
  auto join = join_of(3, 500, log);
  auto copy = join;  // each answer's handler holds a copy
  join.stored(700);
  copy.stored(300);
  EXPECT_EQ(log.calls, 0);
  join.stored(400);
  ASSERT_EQ(log.calls, 1);
  ASSERT_TRUE(*log.last);
  EXPECT_EQ(**log.last, 300);
}

// A repeat reports the time it was first stored: that earlier time is the message's.
TEST(EarliestCommitTest, TheStartTimeCountsWhenEveryCommitIsLater) {
  outcome_log log;
  auto join = join_of(1, 100, log);
  join.stored(900);
  ASSERT_TRUE(*log.last);
  EXPECT_EQ(**log.last, 100);
}

TEST(EarliestCommitTest, TheFirstFailureIsTheAnswer) {
  outcome_log log;
  auto join = join_of(3, 100, log);
  join.failed(caf::make_error(errc::unavailable, "first"));
  join.stored(50);
  join.failed(caf::make_error(errc::internal, "second"));
  ASSERT_EQ(log.calls, 1);
  ASSERT_FALSE(*log.last);
  EXPECT_EQ(code_of(log.last->error()), errc::unavailable);
}

TEST(EarliestCommitTest, NoAnswersToWaitForAnswersAtOnce) {
  outcome_log log;
  auto join = join_of(0, 42, log);
  ASSERT_EQ(log.calls, 1);
  EXPECT_EQ(**log.last, 42);
  join.stored(1);  // a stray answer changes nothing
  EXPECT_EQ(log.calls, 1);
}

} // namespace
} // namespace parley::testing
