// The push notifier on the deterministic scheduler, posting through a recording
// transport: rate limit per user, retries with backoff on fake time, the bounded queue.
// Also the mailbox's side: only messages for an owner without a session are offered.

#include "actors/push_notifier.hpp"

#include "actors/mailbox.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;

/// Records every POST; the test decides when and how each one ends.
class recording_transport : public push_transport {
public:
  struct call {
    push_notice notice;
    done_handler done;
  };

  void post(const push_notice& notice, done_handler done) override {
    calls.push_back({notice, std::move(done)});
  }

  std::vector<call> calls;
};

class PushNotifierTest : public ActorTest {
protected:
  caf::actor start_notifier() {
    auto a = sys.spawn(push_notifier, transport, settings, &metrics);
    spawned.push_back(a);
    return a;
  }

  void notify(const caf::actor& notifier, const std::string& user, int64_t waiting,
              const std::string& group = "") {
    caf::anon_send(notifier, notify_atom_v, push_notice{user, "alice", group, waiting, 42});
    sched.run();
  }

  /// Ends POST number `i` the way the gateway would.
  void answer(size_t i, bool ok) {
    ASSERT_LT(i, transport->calls.size());
    transport->calls[i].done(push_result{ok, ok ? "status=200" : "status=500"});
    sched.run();
  }

  void wait(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }

  std::shared_ptr<recording_transport> transport = std::make_shared<recording_transport>();
  push_settings settings;
};

TEST_F(PushNotifierTest, AnOfflineUsersFirstNoticeIsPostedAtOnce) {
  auto n = start_notifier();
  notify(n, "bob", 1, "g-1");
  ASSERT_EQ(transport->calls.size(), 1u);
  auto& posted = transport->calls[0].notice;
  EXPECT_EQ(posted.user, "bob");
  EXPECT_EQ(posted.from, "alice");
  EXPECT_EQ(posted.group, "g-1");
  EXPECT_EQ(posted.waiting, 1);
  EXPECT_EQ(posted.ts, 42);
  answer(0, true);
  EXPECT_EQ(metrics.push_sent.value(), 1u);
}

TEST_F(PushNotifierTest, MoreMessagesWithinTenSecondsGiveNoSecondPost) {
  auto n = start_notifier();
  notify(n, "bob", 1);
  answer(0, true);
  for (int waiting = 2; waiting <= 4; ++waiting) {
    wait(3s);
    notify(n, "bob", waiting);
  }
  EXPECT_EQ(transport->calls.size(), 1u);
  EXPECT_EQ(metrics.push_rate_limited.value(), 3u);
  // Ten seconds after the POST, the next message is posted with the current count.
  wait(1s);
  notify(n, "bob", 5);
  ASSERT_EQ(transport->calls.size(), 2u);
  EXPECT_EQ(transport->calls[1].notice.waiting, 5);
}

TEST_F(PushNotifierTest, OtherUsersAreNotHeldBackByOnesLimit) {
  auto n = start_notifier();
  notify(n, "bob", 1);
  answer(0, true);
  notify(n, "carol", 1);
  ASSERT_EQ(transport->calls.size(), 2u);
  EXPECT_EQ(transport->calls[1].notice.user, "carol");
}

TEST_F(PushNotifierTest, AFailedPostIsRetriedWithDoublingBackoffThenGivenUp) {
  auto n = start_notifier();
  notify(n, "bob", 1);
  size_t posts = 1;
  for (auto backoff : {10'000ms, 20'000ms, 40'000ms, 80'000ms}) {
    answer(posts - 1, false);
    wait(backoff - 1ms);
    EXPECT_EQ(transport->calls.size(), posts) << "retried before " << backoff.count() << " ms";
    wait(1ms);
    ASSERT_EQ(transport->calls.size(), posts + 1) << "no retry after " << backoff.count() << " ms";
    ++posts;
  }
  answer(posts - 1, false);  // the fifth attempt fails too: given up
  wait(300s);
  EXPECT_EQ(transport->calls.size(), 5u);
  EXPECT_EQ(metrics.push_failed.value(), 1u);
  EXPECT_EQ(metrics.push_retries.value(), 4u);
  EXPECT_EQ(metrics.push_sent.value(), 0u);
}

TEST_F(PushNotifierTest, ARetryThatSucceedsCountsAsSentAndCarriesTheNewestCount) {
  auto n = start_notifier();
  notify(n, "bob", 1);
  notify(n, "bob", 2);  // arrives while the first POST is under way
  answer(0, false);
  wait(10s);
  ASSERT_EQ(transport->calls.size(), 2u);
  EXPECT_EQ(transport->calls[1].notice.waiting, 2);
  answer(1, true);
  EXPECT_EQ(metrics.push_sent.value(), 1u);
  EXPECT_EQ(metrics.push_failed.value(), 0u);
}

TEST_F(PushNotifierTest, AFullQueueDropsNoticesAndCountsThem) {
  settings.queue_capacity = 3;
  settings.max_in_flight = 1;
  auto n = start_notifier();
  for (auto user : {"u1", "u2", "u3", "u4", "u5"})
    notify(n, user, 1);
  EXPECT_EQ(transport->calls.size(), 1u);  // a slow gateway: one POST under way
  EXPECT_EQ(metrics.push_dropped.value(), 2u);
  answer(0, true);
  answer(1, true);
  answer(2, true);
  ASSERT_EQ(transport->calls.size(), 3u);
  EXPECT_EQ(transport->calls[2].notice.user, "u3");
}

TEST_F(PushNotifierTest, UsersAreForgottenOnceTheirWindowIsOver) {
  settings.max_users = 1;
  auto n = start_notifier();
  notify(n, "bob", 1);
  answer(0, true);
  notify(n, "carol", 1);  // bob is still remembered: no room
  EXPECT_EQ(metrics.push_dropped.value(), 1u);
  wait(10s);  // the notifier's tick forgets bob
  notify(n, "carol", 1);
  ASSERT_EQ(transport->calls.size(), 2u);
  EXPECT_EQ(transport->calls[1].notice.user, "carol");
}

// -- the mailbox's side ---------------------------------------------------------------

class MailboxPushTest : public PushNotifierTest {
protected:
  void SetUp() override {
    start_tree(nullptr, transport);
    for (auto user : {"alice", "bob"})
      ask<login_reply>(registered_actor(directory_name::value), login_atom_v,
                       std::string{user}, std::string(32, 'k'), caf::actor{});
  }

  void deliver(const std::string& to, const mailbox_item& item) {
    ask<int64_t>(mailbox_of(to), deliver_atom_v, item);
  }
};

TEST_F(MailboxPushTest, AMessageForAnOfflineUserIsOfferedWithoutItsBody) {
  deliver("bob", message_from("alice", "m1", "secret body"));
  ASSERT_EQ(transport->calls.size(), 1u);
  auto& posted = transport->calls[0].notice;
  EXPECT_EQ(posted.user, "bob");
  EXPECT_EQ(posted.from, "alice");
  EXPECT_EQ(posted.group, "");
  EXPECT_EQ(posted.waiting, 1);
  EXPECT_GT(posted.ts, 0);
  answer(0, true);
  wait(11s);
  deliver("bob", message_from("alice", "m2"));
  ASSERT_EQ(transport->calls.size(), 2u);
  EXPECT_EQ(transport->calls[1].notice.waiting, 2);
}

TEST_F(MailboxPushTest, AnOnlineUserIsNotNotified) {
  auto log = std::make_shared<recorded>();
  auto session = sys.spawn(recording_session, log);
  spawned.push_back(session);
  ask_done(mailbox_of("bob"), attach_atom_v, session);
  deliver("bob", message_from("alice", "m1"));
  EXPECT_EQ(log->pushes.size(), 1u);
  EXPECT_TRUE(transport->calls.empty());
}

TEST_F(MailboxPushTest, AUserLongPollingTheInboxIsNotNotified) {
  auto poll = self->request(mailbox_of("bob"), caf::infinite, inbox_atom_v, int64_t{30'000});
  sched.run();
  caf::anon_send(mailbox_of("bob"), deliver_atom_v, message_from("alice", "m1"));
  sched.run();
  std::vector<mailbox_item> got;
  poll.receive([&](std::vector<mailbox_item>& items) { got = std::move(items); },
               [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  ASSERT_EQ(got.size(), 1u);  // the poll took the message at once
  EXPECT_TRUE(transport->calls.empty());
}

TEST_F(MailboxPushTest, ReceiptsAndRepeatsAreNotNotified) {
  deliver("bob", message_from("alice", "m1"));
  answer(0, true);
  wait(11s);
  deliver("bob", message_from("alice", "m1"));  // the same (sender, id) again
  caf::anon_send(mailbox_of("bob"), confirm_atom_v,
                 confirm_request{"alice", "m1", {}, receipt_status::read});
  sched.run();  // alice, offline, now has two receipts waiting
  EXPECT_EQ(transport->calls.size(), 1u);
}

} // namespace
} // namespace parley::testing
