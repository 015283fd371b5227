// The idle watch on a real io_context, with stand-in connections that record each check.

#include "net/idle_watch.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

namespace parley {
namespace {

using namespace std::chrono_literals;

struct checks_seen {
  size_t total = 0;  // checks of every connection, all sweeps
  std::map<int64_t, size_t> pings;  // by the sweep's clock
  std::set<int64_t> sweeps;  // the clock of each sweep begun
};

class stand_in : public idle_watched {
public:
  stand_in(std::shared_ptr<checks_seen> seen, check answer)
    : seen_(std::move(seen)), answer_(answer) {}

  check check_idle(int64_t now, std::chrono::milliseconds, bool may_ping) override {
    ++checks;
    sweeps.push_back(now);
    ++seen_->total;
    seen_->sweeps.insert(now);
    if (answer_ != check::pinged)
      return answer_;
    if (!may_ping)
      return check::alive;  // silent, but no ping left in this sweep
    ++seen_->pings[now];
    return check::pinged;
  }

  int checks = 0;
  std::vector<int64_t> sweeps;  // the clock of the sweep of each check

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

  // Runs the io_context until `n` sweeps have ended (the next one has begun); returns
  // the clocks of those `n`.
  std::vector<int64_t> run_sweeps(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (seen->sweeps.size() <= n && std::chrono::steady_clock::now() < deadline)
      io.run_one_for(100ms);
    return {seen->sweeps.begin(), std::next(seen->sweeps.begin(),
                                            static_cast<std::ptrdiff_t>(std::min(n, seen->sweeps.size())))};
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

TEST_F(IdleWatchTest, ASweepSendsABoundedNumberOfPingsOverAllItsTurns) {
  // All silent, more than a turn's worth: each would be pinged, but a sweep pings only
  // so many, however many turns it takes.
  auto connections = add(2 * idle_watch::checks_per_turn + 500, idle_watched::check::pinged);
  watch.start();
  auto sweeps = run_sweeps(2);
  ASSERT_EQ(sweeps.size(), 2u);
  for (auto sweep : sweeps)
    EXPECT_EQ(seen->pings[sweep], static_cast<size_t>(idle_watch::max_pings_per_sweep));
}

TEST_F(IdleWatchTest, ConnectionsThatAreDoneOrGoneLeaveAndTheRestAreCheckedOncePerSweep) {
  // Done, gone and alive ones mixed over more than a turn: removals across a turn's
  // edge skip no one and check no one twice.
  std::vector<std::shared_ptr<stand_in>> done, alive;
  for (size_t i = 0; i < idle_watch::checks_per_turn; ++i) {
    auto d = add(1, idle_watched::check::done);
    done.push_back(d.front());
    add(1, idle_watched::check::alive);  // released at once: gone
    auto a = add(1, idle_watched::check::alive);
    alive.push_back(a.front());
  }
  watch.start();
  auto sweeps = run_sweeps(2);
  ASSERT_EQ(sweeps.size(), 2u);
  for (const auto& c : done)
    EXPECT_EQ(c->checks, 1);
  for (const auto& c : alive) {
    EXPECT_EQ(std::count(c->sweeps.begin(), c->sweeps.end(), sweeps[0]), 1);
    EXPECT_EQ(std::count(c->sweeps.begin(), c->sweeps.end(), sweeps[1]), 1);
  }
}

} // namespace
} // namespace parley
