// push_queue: the push notifier's decisions (rate limit, backoff, bounds) as a plain class.

#include "actors/push_queue.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

push_notice notice(const std::string& user, int64_t waiting, const std::string& from = "alice") {
  return {user, from, "", waiting, 1000};
}

class PushQueueTest : public ::testing::Test {
protected:
  clock_type::time_point at(std::chrono::milliseconds t) { return clock_type::time_point{} + t; }

  push_settings settings;
};

TEST_F(PushQueueTest, OneNoticePerUserPerWindow) {
  push_queue q{settings};
  EXPECT_EQ(q.offer(notice("bob", 1), at(0ms)), push_queue::offer_result::queued);
  auto first = q.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->waiting, 1);
  EXPECT_EQ(q.finished("bob", true, at(5ms))->what, push_queue::outcome::sent);
  EXPECT_EQ(q.offer(notice("bob", 2), at(9'000ms)), push_queue::offer_result::rate_limited);
  EXPECT_FALSE(q.next());
  // The window counts from the end of the last POST.
  EXPECT_EQ(q.offer(notice("bob", 3), at(10'004ms)), push_queue::offer_result::rate_limited);
  EXPECT_EQ(q.offer(notice("bob", 4), at(10'005ms)), push_queue::offer_result::queued);
  EXPECT_EQ(q.next()->waiting, 4);
}

TEST_F(PushQueueTest, UsersAreLimitedSeparately) {
  push_queue q{settings};
  EXPECT_EQ(q.offer(notice("bob", 1), at(0ms)), push_queue::offer_result::queued);
  EXPECT_EQ(q.offer(notice("carol", 1), at(0ms)), push_queue::offer_result::queued);
  EXPECT_EQ(q.next()->user, "bob");
  EXPECT_EQ(q.next()->user, "carol");
}

TEST_F(PushQueueTest, AWaitingNoticeIsReplacedByTheNewest) {
  settings.max_in_flight = 0;  // nothing leaves: both offers meet in the queue
  push_queue q{settings};
  q.offer(notice("bob", 1, "alice"), at(0ms));
  EXPECT_EQ(q.offer(notice("bob", 2, "dave"), at(1ms)), push_queue::offer_result::merged);
  EXPECT_EQ(q.pending(), 1u);
}

TEST_F(PushQueueTest, BackoffDoublesUpToItsCapThenGivesUp) {
  settings.max_attempts = 7;
  settings.window = 1'000ms;
  settings.first_backoff = 1'000ms;
  settings.max_backoff = 10'000ms;
  push_queue q{settings};
  q.offer(notice("bob", 1), at(0ms));
  std::vector<long> delays;
  for (;;) {
    ASSERT_TRUE(q.next());
    auto out = q.finished("bob", false, at(0ms));
    ASSERT_TRUE(out);
    if (out->what == push_queue::outcome::failed) {
      EXPECT_EQ(out->attempts, 7u);
      break;
    }
    ASSERT_EQ(out->what, push_queue::outcome::retry);
    delays.push_back(static_cast<long>(out->delay.count()));
    EXPECT_FALSE(q.next());  // nothing until the backoff is over
    q.retry_due("bob");
  }
  EXPECT_EQ(delays, (std::vector<long>{1'000, 2'000, 4'000, 8'000, 10'000, 10'000}));
  EXPECT_EQ(q.pending(), 0u);
}

// PROTOCOL.md: at most one POST per user per 10 s. A retry is a POST too: however short
// the backoff is set, it waits for the window.
TEST_F(PushQueueTest, ARetryWaitsAtLeastTheWindow) {
  settings.first_backoff = 500ms;
  push_queue q{settings};
  q.offer(notice("bob", 1), at(0ms));
  ASSERT_TRUE(q.next());
  auto out = q.finished("bob", false, at(0ms));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->what, push_queue::outcome::retry);
  EXPECT_EQ(out->delay, settings.window);
}

TEST_F(PushQueueTest, ARetryCarriesTheCountThatArrivedDuringThePost) {
  push_queue q{settings};
  q.offer(notice("bob", 1), at(0ms));
  q.next();
  EXPECT_EQ(q.offer(notice("bob", 2), at(1ms)), push_queue::offer_result::rate_limited);
  EXPECT_EQ(q.finished("bob", false, at(2ms))->what, push_queue::outcome::retry);
  q.retry_due("bob");
  EXPECT_EQ(q.next()->waiting, 2);
}

TEST_F(PushQueueTest, AtMostMaxInFlightPostsAtOnce) {
  settings.max_in_flight = 2;
  push_queue q{settings};
  for (auto user : {"a", "b", "c"})
    q.offer(notice(user, 1), at(0ms));
  EXPECT_TRUE(q.next());
  EXPECT_TRUE(q.next());
  EXPECT_FALSE(q.next());
  q.finished("a", true, at(1ms));
  EXPECT_EQ(q.next()->user, "c");
}

TEST_F(PushQueueTest, AFullQueueDrops) {
  settings.queue_capacity = 2;
  push_queue q{settings};
  EXPECT_EQ(q.offer(notice("a", 1), at(0ms)), push_queue::offer_result::queued);
  EXPECT_EQ(q.offer(notice("b", 1), at(0ms)), push_queue::offer_result::queued);
  EXPECT_EQ(q.offer(notice("c", 1), at(0ms)), push_queue::offer_result::dropped);
  EXPECT_EQ(q.users(), 2u);
}

TEST_F(PushQueueTest, QuietUsersAreForgottenAfterTheirWindow) {
  settings.max_users = 2;
  push_queue q{settings};
  for (auto user : {"a", "b"}) {
    q.offer(notice(user, 1), at(0ms));
    q.next();
    q.finished(user, true, at(0ms));
  }
  // Both are remembered (and quiet) for their window: no room for a third user yet.
  EXPECT_EQ(q.offer(notice("c", 1), at(5'000ms)), push_queue::offer_result::dropped);
  EXPECT_EQ(q.forget_quiet(at(9'999ms)), 0u);
  EXPECT_EQ(q.offer(notice("c", 1), at(10'000ms)), push_queue::offer_result::queued);
  EXPECT_EQ(q.users(), 1u);
}

TEST_F(PushQueueTest, AnOutcomeForAUserNotPostingIsIgnored) {
  push_queue q{settings};
  EXPECT_FALSE(q.finished("nobody", true, at(0ms)));
  q.offer(notice("bob", 1), at(0ms));
  EXPECT_FALSE(q.finished("bob", true, at(0ms)));  // queued, not posting
}

} // namespace
} // namespace parley
