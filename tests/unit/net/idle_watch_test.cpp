// The idle watch on a real io_context, with stand-in connections that record each check.

#include "net/idle_watch.hpp"

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

namespace parley {
namespace {

using namespace std::chrono_literals;

struct checks_seen {
  size_t total = 0;  // checks of every connection, all sweeps
  size_t pings = 0;
};

class stand_in : public idle_watched {
public:
  stand_in(std::shared_ptr<checks_seen> seen, check answer)
    : seen_(std::move(seen)), answer_(answer) {}

  check check_idle(int64_t, std::chrono::milliseconds, bool may_ping) override {
    ++checks;
    ++seen_->total;
    if (answer_ != check::pinged)
      return answer_;
    if (!may_ping)
      return check::alive;  // silent, but no ping left in this sweep
    ++seen_->pings;
    return check::pinged;
  }

  int checks = 0;

private:
  std::shared_ptr<checks_seen> seen_;
  check answer_;
};

class IdleWatchTest : public ::testing::Test {
protected:
  std::vector<std::shared_ptr<stand_in>> add(size_t n, idle_watched::check answer) {
    std::vector<std::shared_ptr<stand_in>> out;
    for (size_t i = 0; i < n; ++i) {
      out.push_back(std::make_shared<stand_in>(seen, answer));
      watch.watch(out.back());
    }
    return out;
  }

  // Runs the io_context until `total` checks were made (or a few seconds passed).
  void run_until_checked(size_t total) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (seen->total < total && std::chrono::steady_clock::now() < deadline)
      io.run_one_for(100ms);
  }

  boost::asio::io_context io;
  // A sweep every 10 ms.
  idle_watch watch{io, 40ms};
  std::shared_ptr<checks_seen> seen = std::make_shared<checks_seen>();
};

TEST_F(IdleWatchTest, ASweepChecksEveryConnectionOnceInTurnsThatLetOthersRun) {
  auto connections = add(2 * idle_watch::checks_per_turn + 500, idle_watched::check::alive);
  size_t checked_when_other_work_ran = 0;
  watch.start();
  // Queued once the first turn has begun: it must run before the sweep ends.
  run_until_checked(1);
  boost::asio::post(io, [&] { checked_when_other_work_ran = seen->total; });
  run_until_checked(connections.size());
  for (const auto& c : connections)
    EXPECT_EQ(c->checks, 1);
  EXPECT_GT(checked_when_other_work_ran, 0u);
  EXPECT_LT(checked_when_other_work_ran, connections.size())
    << "the whole sweep ran in one handler";
}

TEST_F(IdleWatchTest, ASweepSendsABoundedNumberOfPings) {
  // All silent: each would be pinged, but one sweep pings only so many.
  auto connections = add(idle_watch::max_pings_per_sweep + 100, idle_watched::check::pinged);
  watch.start();
  run_until_checked(connections.size());
  EXPECT_EQ(seen->total, connections.size());
  EXPECT_EQ(seen->pings, static_cast<size_t>(idle_watch::max_pings_per_sweep));
  // The next sweep as many again.
  run_until_checked(2 * connections.size());
  EXPECT_EQ(seen->pings, static_cast<size_t>(2 * idle_watch::max_pings_per_sweep));
}

TEST_F(IdleWatchTest, ConnectionsThatAreDoneOrGoneAreNotCheckedAgain) {
  auto done = add(3, idle_watched::check::done);
  auto alive = add(2, idle_watched::check::alive);
  {
    auto gone = add(4, idle_watched::check::alive);  // released before the first sweep
  }
  watch.start();
  run_until_checked(3 + 2 + 2);  // two sweeps: the first checks five, the second two
  for (const auto& c : done)
    EXPECT_EQ(c->checks, 1);
  for (const auto& c : alive)
    EXPECT_EQ(c->checks, 2);
}

} // namespace
} // namespace parley
