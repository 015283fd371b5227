// mailbox:<user> on the deterministic scheduler, with the real store on a temp SQLite file.

#include "actors/mailbox.hpp"

#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

class MailboxTest : public ActorTest {
protected:
  void SetUp() override {
    start_tree();
    for (auto user : {"alice", "bob"})
      ask<login_reply>(registered_actor(directory_name::value), login_atom_v,
                       std::string{user}, std::string(32, 'k'), caf::actor{});
  }

  caf::actor fake_session(std::shared_ptr<recorded> log) {
    auto s = sys.spawn(recording_session, log);
    spawned.push_back(s);
    return s;
  }

  int64_t deliver(const std::string& to, const mailbox_item& item) {
    return ask<int64_t>(mailbox_of(to), deliver_atom_v, item);
  }

  void attach(const std::string& user, const caf::actor& session) {
    ask_done(mailbox_of(user), attach_atom_v, session);
  }

  void confirm(const std::string& owner, const std::string& from, const std::string& id,
               receipt_status status) {
    caf::anon_send(mailbox_of(owner), confirm_atom_v, confirm_request{from, id, {}, status});
    sched.run();
  }
};

TEST_F(MailboxTest, DeliverAnswersWithTheAcceptTime) {
  auto ts = deliver("bob", message_from("alice", "m1"));
  EXPECT_GT(ts, 0);
  EXPECT_EQ(metrics.mailbox_depth.value(), 1);
}

TEST_F(MailboxTest, DuplicateDeliverReturnsTheFirstTimeAndIsNotPushedAgain) {
  auto log = std::make_shared<recorded>();
  attach("bob", fake_session(log));
  auto first = deliver("bob", message_from("alice", "m1"));
  sched.advance_time(std::chrono::milliseconds{5});
  auto second = deliver("bob", message_from("alice", "m1", "changed"));
  EXPECT_EQ(first, second);
  ASSERT_EQ(log->pushes.size(), 1u);
  EXPECT_EQ(log->pushes[0].body, "hello");
}

TEST_F(MailboxTest, AttachPushesEverythingWaitingInArrivalOrder) {
  for (int i = 0; i < 5; ++i)
    deliver("bob", message_from("alice", "m" + std::to_string(i)));
  auto log = std::make_shared<recorded>();
  attach("bob", fake_session(log));
  ASSERT_EQ(log->pushes.size(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(log->pushes[i].id, "m" + std::to_string(i));
}

TEST_F(MailboxTest, UnknownOwnerRefusesMessages) {
  auto err = ask_error(mailbox_of("nobody"), deliver_atom_v, message_from("alice", "m1"));
  EXPECT_EQ(code_of(err), errc::unknown_user);
}

TEST_F(MailboxTest, DeliveredConfirmationSendsAReceiptToTheSender) {
  auto alice_log = std::make_shared<recorded>();
  attach("alice", fake_session(alice_log));
  deliver("bob", message_from("alice", "m1"));
  confirm("bob", "alice", "m1", receipt_status::delivered);
  ASSERT_EQ(alice_log->pushes.size(), 1u);
  auto& r = alice_log->pushes[0];
  EXPECT_EQ(r.kind, item_kind::receipt);
  EXPECT_EQ(r.peer, "bob");
  EXPECT_EQ(r.id, "m1");
  EXPECT_EQ(r.status, receipt_status::delivered);
  EXPECT_EQ(metrics.messages_delivered.value(), 1u);
  // m1 left bob's mailbox; alice is online, so her receipt is held in memory (not in
  // the queue) until her socket wrote it.
  EXPECT_EQ(metrics.mailbox_depth.value(), 0);
  // Repeated confirmations change nothing.
  confirm("bob", "alice", "m1", receipt_status::delivered);
  EXPECT_EQ(alice_log->pushes.size(), 1u);
}

TEST_F(MailboxTest, ReceiptsForAnOfflineSenderWaitInItsMailbox) {
  deliver("bob", message_from("alice", "m1"));
  confirm("bob", "alice", "m1", receipt_status::read);  // implies delivered
  auto log = std::make_shared<recorded>();
  attach("alice", fake_session(log));
  ASSERT_EQ(log->pushes.size(), 2u);
  EXPECT_EQ(log->pushes[0].status, receipt_status::delivered);
  EXPECT_EQ(log->pushes[1].status, receipt_status::read);
  // Until a socket has written them, every attach gets them again.
  auto again = std::make_shared<recorded>();
  attach("alice", fake_session(again));
  ASSERT_EQ(again->pushes.size(), 2u);
  caf::anon_send(mailbox_of("alice"), handed_atom_v,
                 std::vector<int64_t>{again->pushes[0].seq, again->pushes[1].seq});
  sched.run();
  auto third = std::make_shared<recorded>();
  attach("alice", fake_session(third));
  EXPECT_TRUE(third->pushes.empty());
}

TEST_F(MailboxTest, ReceiptsNotWrittenBeforeTheSessionEndsWaitForTheNextOne) {
  auto first = std::make_shared<recorded>();
  auto session = fake_session(first);
  attach("alice", session);
  deliver("bob", message_from("alice", "m1"));
  confirm("bob", "alice", "m1", receipt_status::delivered);
  ASSERT_EQ(first->pushes.size(), 1u);  // pushed, but the socket never wrote it
  caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
  sched.run();
  auto second = std::make_shared<recorded>();
  attach("alice", fake_session(second));
  ASSERT_EQ(second->pushes.size(), 1u);
  EXPECT_EQ(second->pushes[0].status, receipt_status::delivered);
  EXPECT_GT(second->pushes[0].seq, 0);  // stored this time
}

TEST_F(MailboxTest, WrittenReceiptsAreForgotten) {
  auto first = std::make_shared<recorded>();
  auto session = fake_session(first);
  attach("alice", session);
  deliver("bob", message_from("alice", "m1"));
  confirm("bob", "alice", "m1", receipt_status::delivered);
  ASSERT_EQ(first->pushes.size(), 1u);
  caf::anon_send(mailbox_of("alice"), handed_atom_v, std::vector<int64_t>{first->pushes[0].seq});
  sched.run();
  caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
  sched.run();
  auto second = std::make_shared<recorded>();
  attach("alice", fake_session(second));
  EXPECT_TRUE(second->pushes.empty());
}

TEST_F(MailboxTest, CrashedMailboxReloadsWhatWasCommitted) {
  deliver("bob", message_from("alice", "m1"));
  deliver("bob", message_from("alice", "m2"));
  confirm("bob", "alice", "m1", receipt_status::delivered);
  auto old = mailbox_of("bob");
  crash_actor(old);
  auto fresh = mailbox_of("bob");
  EXPECT_NE(fresh, old);
  EXPECT_EQ(metrics.actor_restarts.value(), 1u);
  auto log = std::make_shared<recorded>();
  attach("bob", fake_session(log));
  ASSERT_EQ(log->pushes.size(), 1u);
  EXPECT_EQ(log->pushes[0].id, "m2");
  // The reloaded mailbox still knows m1 was delivered: read moves it on to read.
  auto alice_log = std::make_shared<recorded>();
  attach("alice", fake_session(alice_log));
  confirm("bob", "alice", "m1", receipt_status::read);
  ASSERT_EQ(alice_log->pushes.size(), 2u);  // the earlier delivered receipt, then read
  EXPECT_EQ(alice_log->pushes[1].status, receipt_status::read);
}

// A mailbox that dies while a deliver waits for the store still answers it, as CAF
// answers a request to an actor that is gone: the sender may resend the same id (the
// store may have committed it: the resend then gets the original time). Unanswered, the
// client would wait for its ack until it reconnected.
TEST_F(MailboxTest, ADeliverInFlightWhenTheMailboxCrashesIsAnsweredWithAnError) {
  auto store = registered_actor(store_name::value);
  caf::anon_send(store, delay_atom_v, int64_t{50}, int64_t{10});  // commits wait 50 ms
  sched.run();
  auto mb = mailbox_of("bob");
  auto handle = self->request(mb, caf::infinite, deliver_atom_v, message_from("alice", "m1"));
  sched.run();
  crash_actor(mb);
  sched.advance_time(std::chrono::milliseconds{100});
  sched.run();
  ASSERT_TRUE(answered());
  handle.receive([](int64_t) { ADD_FAILURE() << "acked by a mailbox that died"; },
                 [](caf::error& err) { EXPECT_EQ(err, caf::sec::request_receiver_down); });
  // The resend reaches the restarted mailbox, and the store (still slow) commits it.
  EXPECT_GT(ask_while_time_passes<int64_t>(std::chrono::milliseconds{100}, 3, mailbox_of("bob"),
                                           deliver_atom_v, message_from("alice", "m1")),
            0);
}

TEST_F(MailboxTest, IdleMailboxStopsAndComesBackOnDemand) {
  deliver("bob", message_from("alice", "m1"));
  auto first = mailbox_of("bob");
  EXPECT_EQ(metrics.mailboxes.value(), 1);
  for (int i = 0; i < 6; ++i) {
    sched.advance_time(std::chrono::seconds{15});
    sched.run();
  }
  EXPECT_TRUE(first->getf(caf::abstract_actor::is_terminated_flag));
  EXPECT_EQ(metrics.mailboxes.value(), 0);
  EXPECT_EQ(metrics.actor_restarts.value(), 0u);
  auto log = std::make_shared<recorded>();
  attach("bob", fake_session(log));
  ASSERT_EQ(log->pushes.size(), 1u);
  EXPECT_EQ(log->pushes[0].id, "m1");
}

TEST_F(MailboxTest, AttachedMailboxDoesNotIdleStop) {
  auto log = std::make_shared<recorded>();
  attach("bob", fake_session(log));
  auto mb = mailbox_of("bob");
  for (int i = 0; i < 10; ++i) {
    sched.advance_time(std::chrono::seconds{15});
    sched.run();
  }
  EXPECT_FALSE(mb->getf(caf::abstract_actor::is_terminated_flag));
}

TEST_F(MailboxTest, InboxLongPollIsAnsweredByTheNextArrival) {
  auto handle = self->request(mailbox_of("bob"), caf::infinite, inbox_atom_v, int64_t{30000});
  sched.run();
  deliver("bob", message_from("alice", "late"));
  std::vector<mailbox_item> items;
  if (!answered())
    return;
  handle.receive([&](std::vector<mailbox_item>& x) { items = std::move(x); },
                 [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].id, "late");
}

TEST_F(MailboxTest, InboxLongPollTimesOutEmpty) {
  auto handle = self->request(mailbox_of("bob"), caf::infinite, inbox_atom_v, int64_t{1000});
  sched.run();
  sched.advance_time(std::chrono::seconds{1});
  sched.run();
  if (!answered())
    return;
  bool empty = false;
  handle.receive([&](std::vector<mailbox_item>& x) { empty = x.empty(); },
                 [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  EXPECT_TRUE(empty);
}

TEST_F(MailboxTest, AnInboxLongPollWhenTheMailboxCrashesIsAnsweredWithAnError) {
  auto mb = mailbox_of("bob");
  auto handle = self->request(mb, caf::infinite, inbox_atom_v, int64_t{30000});
  sched.run();
  crash_actor(mb);
  ASSERT_TRUE(answered());
  handle.receive([](std::vector<mailbox_item>&) { ADD_FAILURE() << "answered by a dead mailbox"; },
                 [](caf::error& err) { EXPECT_EQ(err, caf::sec::request_receiver_down); });
}

} // namespace
} // namespace parley::testing
