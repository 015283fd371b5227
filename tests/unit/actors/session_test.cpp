// session:<user> with a recording client link, on the deterministic scheduler.

#include "actors/session.hpp"

#include <map>
#include <utility>

#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

class recording_link : public client_link {
public:
  bool send(outgoing_frame frame) override {
    frames.push_back(std::move(frame));
    return false;
  }
  // Like the WebSocket: the first close decides, later ones are no-ops.
  void close(close_reason why) override {
    if (!closed)
      closed = why;
  }

  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& f : frames)
      if (auto* x = std::get_if<T>(&f))
        out.push_back(*x);
    return out;
  }

  std::vector<outgoing_frame> frames;
  std::optional<close_reason> closed;
};

// A socket that takes every write: a frame sent while not corked is written at once,
// frames sent while corked are written by uncork(). `events` records the order.
class corking_link : public recording_link {
public:
  bool send(outgoing_frame frame) override {
    events.push_back(corked ? "held" : "sent");
    if (auto* item = std::get_if<item_frame>(&frame);
        corked && item && item->item.kind == item_kind::receipt)
      held_receipts.push_back(item->item.seq);
    recording_link::send(std::move(frame));
    return !corked;
  }
  void cork() override {
    corked = true;
    events.push_back("cork");
  }
  std::vector<int64_t> uncork() override {
    corked = false;
    events.push_back("uncork");
    return std::exchange(held_receipts, {});
  }

  bool corked = false;
  std::vector<std::string> events;
  std::vector<int64_t> held_receipts;
};

class SessionTest : public ActorTest {
protected:
  void SetUp() override { start_tree(); }

  struct client {
    std::shared_ptr<recording_link> link;
    caf::actor session;
  };

  client open(const std::string& user, const std::string& key = std::string(32, 'k'),
              session_settings settings = {"n1"},
              std::shared_ptr<recording_link> link = nullptr) {
    client c{link ? std::move(link) : std::make_shared<recording_link>(), {}};
    session_args args;
    args.user = user;
    args.key = key;
    args.token = "token-" + user;
    args.nodes = {"ws://127.0.0.1:1/v1/ws"};
    args.link = c.link;
    if (!settings.local)
      settings.local = &local;
    c.session = spawn_session(sys, std::move(args), settings, &metrics);
    sched.run();
    return c;
  }

  static send_request send_to(const std::string& to, const std::string& id) {
    send_request r;
    r.id = id;
    r.to = to;
    r.body = "hi";
    r.meta = "{}";
    return r;
  }
};

TEST_F(SessionTest, LoginSendsWelcomeAndCountsTheSession) {
  auto alice = open("alice");
  auto welcomes = alice.link->all<welcome_frame>();
  ASSERT_EQ(welcomes.size(), 1u);
  EXPECT_EQ(welcomes[0].user, "alice");
  EXPECT_EQ(welcomes[0].node, "n1");
  EXPECT_EQ(welcomes[0].token, "token-alice");
  EXPECT_EQ(metrics.sessions.value(), 1);
  EXPECT_EQ(ask<uint64_t>(registered_actor(sessions_name::value), count_children_atom_v), 1u);
}

TEST_F(SessionTest, WrongKeyEndsTheSessionWithAuthFailed) {
  open("alice", "key-1");
  auto impostor = open("alice", "key-2");
  auto errors = impostor.link->all<error_frame>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, errc::auth_failed);
  EXPECT_EQ(impostor.link->closed, close_reason::auth_failed);
  EXPECT_TRUE(impostor.session->getf(caf::abstract_actor::is_terminated_flag));
}

// Just after a peer dies, this node may still send a login to the dead node's directory
// for a moment. The session tries again against the directory of the moment, and only
// a directory that stays out of reach sends the client away with `unavailable`.
TEST_F(SessionTest, ALoginThatCannotReachTheDirectoryIsTriedAgain) {
  auto directory = registered_actor(directory_name::value);
  auto gone = sys.spawn([]() -> caf::behavior { return {[](int) {}}; });
  caf::anon_send_exit(gone, caf::exit_reason::user_shutdown);
  sched.run();
  register_as(sys, directory_name::value, gone);
  auto alice = open("alice");
  EXPECT_TRUE(alice.link->frames.empty());
  EXPECT_FALSE(alice.link->closed);
  register_as(sys, directory_name::value, directory);
  sched.advance_time(std::chrono::milliseconds{50});
  sched.run();
  EXPECT_TRUE(alice.link->all<error_frame>().empty());
  EXPECT_EQ(alice.link->all<welcome_frame>().size(), 1u);

  register_as(sys, directory_name::value, gone);
  auto bob = open("bob");
  for (int i = 0; i < 40 && !bob.link->closed; ++i) {
    sched.advance_time(std::chrono::milliseconds{50});
    sched.run();
  }
  auto errors = bob.link->all<error_frame>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, errc::unavailable);
  EXPECT_TRUE(bob.link->all<welcome_frame>().empty());
  EXPECT_TRUE(bob.session->getf(caf::abstract_actor::is_terminated_flag));
  register_as(sys, directory_name::value, directory);
}

// A login attempt that timed out may still have been registered by a slow directory, which
// then tells us of a newer login of the same user. That newer session keeps the user: this
// one closes with `replaced` and does not try again.
TEST_F(SessionTest, ASessionReplacedWhileItsLoginIsRetriedClosesAndTriesNoMore) {
  auto directory = registered_actor(directory_name::value);
  auto logins = std::make_shared<int>(0);
  auto unanswered = std::make_shared<std::vector<caf::response_promise>>();
  auto silent = sys.spawn([logins, unanswered](caf::event_based_actor* self) -> caf::behavior {
    return {[=](login_atom, const std::string&, const std::string&, const caf::actor&) {
      ++*logins;
      unanswered->push_back(self->make_response_promise());
      return unanswered->back();
    }};
  });
  register_as(sys, directory_name::value, silent);
  auto alice = open("alice");
  EXPECT_EQ(*logins, 1);
  caf::anon_send(alice.session, replaced_atom_v);
  sched.run();
  for (int i = 0; i < 40; ++i) {
    sched.advance_time(std::chrono::milliseconds{250});
    sched.run();
  }
  EXPECT_EQ(*logins, 1);
  auto errors = alice.link->all<error_frame>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, errc::replaced);
  EXPECT_EQ(alice.link->closed, close_reason::replaced);
  EXPECT_TRUE(alice.link->all<welcome_frame>().empty());
  EXPECT_TRUE(alice.session->getf(caf::abstract_actor::is_terminated_flag));
  register_as(sys, directory_name::value, directory);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_F(SessionTest, SendIsAckedAndPushedToTheRecipient) {
  auto alice = open("alice");
  auto bob = open("bob");
  caf::anon_send(alice.session, send_to("bob", "m1"));
  sched.run();
  auto acks = alice.link->all<ack_frame>();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].id, "m1");
  auto items = bob.link->all<item_frame>();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].item.peer, "alice");
  EXPECT_EQ(items[0].item.ts, acks[0].ts);
  EXPECT_EQ(metrics.messages_acked.value(), 1u);
  EXPECT_EQ(metrics.ack_latency.count(), 1u);
}

// A session finds a running mailbox in the supervisor's index. A handle read there can
// belong to a mailbox that has just stopped; the send then asks the supervisor, which
// knows the mailbox that runs now, and the message is acked and delivered all the same.
// bob's mailbox dies while alice's message waits for its commit: the session tries the
// restarted mailbox, and alice gets her ack without resending.
TEST_F(SessionTest, AMailboxThatDiesMidCommitCostsARetryNotTheMessage) {
  auto alice = open("alice");
  auto bob = open("bob");
  caf::anon_send(registered_actor(store_name::value), delay_atom_v, int64_t{50}, int64_t{10});
  sched.run();
  caf::anon_send(alice.session, send_to("bob", "m1"));
  sched.run();
  auto mailbox = local.mailboxes.find(mailbox_child_id("bob"));
  ASSERT_TRUE(mailbox);
  crash_actor(mailbox);
  for (int i = 0; i < 5; ++i) {
    sched.advance_time(std::chrono::milliseconds{100});
    sched.run();
  }
  EXPECT_TRUE(alice.link->all<error_frame>().empty());
  ASSERT_EQ(alice.link->all<ack_frame>().size(), 1u);
  auto items = bob.link->all<item_frame>();
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0].item.id, "m1");
}

TEST_F(SessionTest, AStaleHandleInTheIndexCostsARetryNotTheMessage) {
  auto alice = open("alice");
  auto bob = open("bob");
  auto running = local.mailboxes.find(mailbox_child_id("bob"));
  ASSERT_TRUE(running);
  auto stopped = sys.spawn([]() -> caf::behavior { return {[](int) {}}; });
  caf::anon_send_exit(stopped, caf::exit_reason::user_shutdown);
  sched.run();
  local.mailboxes.set(mailbox_child_id("bob"), stopped);  // as if read just before the stop
  caf::anon_send(alice.session, send_to("bob", "m1"));
  sched.run();
  EXPECT_TRUE(alice.link->all<error_frame>().empty());
  ASSERT_EQ(alice.link->all<ack_frame>().size(), 1u);
  auto items = bob.link->all<item_frame>();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].item.id, "m1");
}

TEST_F(SessionTest, ConfirmationsBecomeReceiptsForTheSender) {
  auto alice = open("alice");
  auto bob = open("bob");
  caf::anon_send(alice.session, send_to("bob", "m1"));
  sched.run();
  caf::anon_send(bob.session, confirm_request{"alice", "m1", {}, receipt_status::read});
  sched.run();
  std::vector<receipt_status> seen;
  for (auto& f : alice.link->all<item_frame>())
    seen.push_back(f.item.status);
  EXPECT_EQ(seen, (std::vector<receipt_status>{receipt_status::delivered, receipt_status::read}));
}

// Frames made while more messages wait for the session leave in one write, in order,
// once the session has worked through them.
TEST_F(SessionTest, FramesMadeWhileMessagesWaitLeaveTogetherInOrder) {
  auto link = std::make_shared<corking_link>();
  auto alice = open("alice", std::string(32, 'k'), {"n1"}, link);
  link->events.clear();
  for (int i = 0; i < 3; ++i)
    caf::anon_send(alice.session, ping_request{"p" + std::to_string(i)});
  sched.run();
  EXPECT_EQ(link->events,
            (std::vector<std::string>{"cork", "held", "held", "held", "uncork"}));
  std::vector<std::string> ids;
  for (auto& f : link->all<pong_frame>())
    ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"p0", "p1", "p2"}));
  caf::anon_send(alice.session, ping_request{"p3"});  // alone: written at once
  sched.run();
  EXPECT_EQ(link->events.back(), "sent");
}

// A receipt is the client's once written; one written by uncork is no exception, and a
// later session of the same user does not get it again.
TEST_F(SessionTest, ReceiptsWrittenTogetherAreNotSentToTheNextSession) {
  auto link = std::make_shared<corking_link>();
  auto alice = open("alice", std::string(32, 'k'), {"n1"}, link);
  auto bob = open("bob");
  caf::anon_send(alice.session, send_to("bob", "m1"));
  sched.run();
  link->events.clear();
  caf::anon_send(bob.session, confirm_request{"alice", "m1", {}, receipt_status::read});
  sched.run();
  ASSERT_EQ(link->all<item_frame>().size(), 2u);
  ASSERT_EQ(link->events,
            (std::vector<std::string>{"cork", "held", "held", "uncork"}));
  auto again = open("alice");
  EXPECT_TRUE(again.link->all<item_frame>().empty());
}

TEST_F(SessionTest, UnknownRecipientAndGroupsAreErrorsForThatId) {
  auto alice = open("alice");
  caf::anon_send(alice.session, send_to("ghost", "m1"));
  auto to_group = send_to("", "m2");
  to_group.group = "g-1";
  caf::anon_send(alice.session, to_group);
  sched.run();
  std::map<std::string, errc> by_id;
  for (auto& e : alice.link->all<error_frame>())
    by_id[e.id] = e.code;
  EXPECT_EQ(by_id, (std::map<std::string, errc>{{"m1", errc::unknown_user},
                                                {"m2", errc::unknown_group}}));
}

TEST_F(SessionTest, RateLimitRejectsFramesBeyondTheBurst) {
  session_settings tight{"n1", nullptr, 1.0, 3.0};
  auto alice = open("alice", std::string(32, 'k'), tight);
  for (int i = 0; i < 5; ++i)
    caf::anon_send(alice.session, ping_request{"p" + std::to_string(i)});
  sched.run();
  EXPECT_EQ(alice.link->all<pong_frame>().size(), 3u);
  auto errors = alice.link->all<error_frame>();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, errc::rate_limited);
  EXPECT_EQ(errors[0].id, "p3");
}

TEST_F(SessionTest, ReplacedSessionTellsTheClientAndCloses) {
  auto first = open("alice");
  auto second = open("alice");
  auto errors = first.link->all<error_frame>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, errc::replaced);
  EXPECT_EQ(first.link->closed, close_reason::replaced);
  EXPECT_TRUE(first.session->getf(caf::abstract_actor::is_terminated_flag));
  EXPECT_FALSE(second.session->getf(caf::abstract_actor::is_terminated_flag));
}

TEST_F(SessionTest, ClosedConnectionEndsTheSessionAndTheUserGoesOffline) {
  auto alice = open("alice");
  caf::anon_send(alice.session, closed_atom_v);
  sched.run();
  EXPECT_TRUE(alice.session->getf(caf::abstract_actor::is_terminated_flag));
  EXPECT_EQ(metrics.sessions.value(), 0);
  auto p = ask<presence_info>(registered_actor(directory_name::value), presence_atom_v,
                              std::string{"alice"});
  EXPECT_FALSE(p.online);
}

TEST_F(SessionTest, PresenceKeyAndPingAnswerWithTheRequestId) {
  auto alice = open("alice");
  open("bob", "bob-key-32-bytes-bob-key-32-byte");
  caf::anon_send(alice.session, presence_request{"q1", "bob"});
  caf::anon_send(alice.session, key_request{"q2", "bob"});
  caf::anon_send(alice.session, ping_request{"q3"});
  sched.run();
  auto p = alice.link->all<presence_frame>();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].id, "q1");
  EXPECT_TRUE(p[0].online);
  auto k = alice.link->all<key_frame>();
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k[0].key, "bob-key-32-bytes-bob-key-32-byte");
  EXPECT_EQ(alice.link->all<pong_frame>().at(0).id, "q3");
}

// After a change of the cluster the session subscribes again, and each directory answers
// with where the watched users stand (a snapshot). The client hears only what differs
// from what it was told, and an offline only if the user's directory still says so a
// second later: bob's own session (alive elsewhere) may not have told his new directory
// yet; carol's node died with her session, so nobody pushed her going offline.
TEST_F(SessionTest, ARenewedSubscriptionTellsTheClientOnlyWhatChangedMeanwhile) {
  auto alice = open("alice");
  auto bob = open("bob");
  ask<login_reply>(registered_actor(directory_name::value), login_atom_v,
                   std::string{"carol"}, std::string(32, 'k'), caf::actor{});
  caf::anon_send(alice.session, subscribe_request{"s1", {"bob", "carol"}});
  sched.run();
  ASSERT_EQ(alice.link->all<ok_frame>().size(), 1u);
  EXPECT_TRUE(alice.link->all<presence_frame>().empty()) << "subscribing pushes nothing";
  // carol came online on a node that then died (pushed by her directory there).
  caf::anon_send(alice.session, presence_atom_v, presence_info{"carol", true, 100});
  sched.run();
  ASSERT_EQ(alice.link->all<presence_frame>().size(), 1u);
  // The renewal's snapshots: bob offline (his session has not re-registered yet), carol
  // offline. Neither is told at once.
  caf::anon_send(alice.session, presence_atom_v, presence_info{"bob", false, 50}, true);
  caf::anon_send(alice.session, presence_atom_v, presence_info{"carol", false, 200}, true);
  sched.run();
  EXPECT_EQ(alice.link->all<presence_frame>().size(), 1u);
  sched.advance_time(std::chrono::seconds{1});
  sched.run();
  auto told = alice.link->all<presence_frame>();
  ASSERT_EQ(told.size(), 2u) << "carol's offline, and nothing about bob, who is online";
  EXPECT_EQ(told[1].user, "carol");
  EXPECT_FALSE(told[1].online);
  caf::anon_send(alice.session, presence_atom_v, presence_info{"carol", false, 0}, true);
  sched.run();
  sched.advance_time(std::chrono::seconds{1});
  sched.run();
  EXPECT_EQ(alice.link->all<presence_frame>().size(), 2u) << "told twice";
}

} // namespace
} // namespace parley::testing
