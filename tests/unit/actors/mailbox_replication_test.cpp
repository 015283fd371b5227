// mailbox:<user> as the primary of a two-node cluster on the deterministic scheduler:
// the second node's store is a stand-in that records what reaches it and can hold its
// answers back, so the test sees when the mailbox acks.

#include "actors/mailbox.hpp"

#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

struct replica_log {
  bool hold = false;         // keep answers back until released
  bool refuse_copies = false;  // answer the primary store's copies with an error
  std::vector<mailbox_item> appended;  // by either path
  size_t copy_messages = 0;  // from the primary's copier (replicate_atom)
  size_t own_appends = 0;    // from the mailbox itself (its fallback, append_atom)
  std::vector<caf::response_promise> held_appends;
  std::vector<caf::response_promise> held_copies;
  std::vector<std::string> changes;
};

caf::behavior replica_store(caf::event_based_actor* self, std::shared_ptr<replica_log> log) {
  return {
    // What the primary's copier sends, one message per turn.
    [self, log](replicate_atom, const std::vector<copied_item>& items,
                const std::vector<item_change>& changes) {
      ++log->copy_messages;
      for (const auto& c : items)
        log->appended.push_back(c.item);
      for (const auto& c : changes)
        log->changes.push_back(std::string{"status "} + to_string(c.status) + " " + c.id);
      auto promise = self->make_response_promise();
      if (log->refuse_copies)
        promise.deliver(caf::make_error(errc::internal, "refused"));
      else if (log->hold)
        log->held_copies.push_back(promise);
      else
        promise.deliver(caf::make_message());
      return promise;
    },
    [log](replicate_atom, const std::vector<item_change>& changes) {
      for (const auto& c : changes)
        log->changes.push_back(std::string{"status "} + to_string(c.status) + " " + c.id);
    },
    // What a mailbox sends when the copier's copy failed.
    [self, log](append_atom, const std::string&, const mailbox_item& item) {
      ++log->own_appends;
      log->appended.push_back(item);
      auto promise = self->make_response_promise();
      if (log->hold)
        log->held_appends.push_back(promise);
      else
        promise.deliver(stored_ref{static_cast<int64_t>(log->appended.size()), item.ts,
                                   item.status, false});
      return promise;
    },
    [log](erase_atom, const std::string&, const std::string&, const std::string&,
          const std::string& id, receipt_status) { log->changes.push_back("erase " + id); },
    [](dump_atom, const std::string&) { return mailbox_copy{}; },
    // Releases the held answers (a promise is delivered by its own actor).
    [log](caf::ok_atom) {
      for (auto& p : log->held_copies)
        p.deliver(caf::make_message());
      for (auto& p : log->held_appends)
        p.deliver(stored_ref{1, 0, receipt_status::sent, false});
      log->held_copies.clear();
      log->held_appends.clear();
    },
  };
}

member_status node_member(const std::string& id, std::map<std::string, caf::actor> services) {
  member_info info;
  info.id = id;
  info.services = std::move(services);
  return member_status{info, true, 0};
}

class MailboxReplicationTest : public ActorTest {
protected:
  void SetUp() override {
    replica = sys.spawn(replica_store, log);
    spawned.push_back(replica);
    view.publish(std::make_shared<const cluster_snapshot>(
      "n1",
      std::vector<member_status>{node_member("n1", {}), node_member("n2", {{"store", replica}})},
      2, 2));
    start_tree(&view);
    owner = user_served_by("n1");
    for (const auto& user : {std::string{"alice"}, owner})
      ask<login_reply>(registered_actor(directory_name::value), login_atom_v, user,
                       std::string(32, 'k'), caf::actor{});
  }

  std::string user_served_by(const std::string& node) {
    auto snap = view.current();
    for (int i = 0;; ++i) {
      auto user = "bob" + std::to_string(i);
      if (snap->primary(user) == node)
        return user;
    }
  }

  // Sends alice's message `id` to the owner's mailbox while the replica holds its
  // answers back; the system runs. The handle waits for the ack.
  auto deliver_while_the_replica_holds(const std::string& id) {
    log->hold = true;
    auto handle = self->request(mailbox_of(owner), caf::infinite, deliver_atom_v,
                                message_from("alice", id));
    sched.run();
    return handle;
  }

  // The owner's client reads alice's message `id`; the system runs.
  void read_by_owner(const std::string& id) {
    caf::anon_send(mailbox_of(owner), confirm_atom_v,
                   confirm_request{"alice", id, {}, receipt_status::read});
    sched.run();
  }

  std::shared_ptr<replica_log> log = std::make_shared<replica_log>();
  caf::actor replica;
  cluster_view view{cluster_snapshot::single(member_info{"n1", {}, {}, {}, {}, 0, 0}, 2)};
  std::string owner;
};

TEST_F(MailboxReplicationTest, AckWaitsUntilTheReplicaCommitted) {
  auto handle = deliver_while_the_replica_holds("m1");
  ASSERT_EQ(log->appended.size(), 1u);
  EXPECT_EQ(log->appended[0].id, "m1");
  EXPECT_GT(log->appended[0].ts, 0);  // the primary's accept time travels with the copy
  EXPECT_TRUE(self->mailbox().empty()) << "acked before the replica committed";
  caf::anon_send(replica, caf::ok_atom_v);
  sched.run();
  EXPECT_EQ(log->own_appends, 0u);  // the copy went through the copier
  int64_t ts = 0;
  ASSERT_TRUE(answered());
  handle.receive([&](int64_t x) { ts = x; }, [&](caf::error& err) { FAIL() << sys.render(err); });
  EXPECT_EQ(ts, log->appended[0].ts);
}

TEST_F(MailboxReplicationTest, CopiesOfOneTurnTravelInOneMessage) {
  auto mb = mailbox_of(owner);
  for (auto id : {"m1", "m2", "m3"})
    self->request(mb, caf::infinite, deliver_atom_v, message_from("alice", id));
  sched.run();
  ASSERT_EQ(log->appended.size(), 3u);
  EXPECT_EQ(log->copy_messages, 1u);
  EXPECT_EQ(log->own_appends, 0u);
  std::vector<std::string> order;
  for (const auto& item : log->appended)
    order.push_back(item.id);
  EXPECT_EQ(order, (std::vector<std::string>{"m1", "m2", "m3"}));
}

TEST_F(MailboxReplicationTest, CopiesTheReplicaRefusedAreMadeByTheMailbox) {
  log->refuse_copies = true;
  auto ts = ask<int64_t>(mailbox_of(owner), deliver_atom_v, message_from("alice", "m1"));
  EXPECT_GT(ts, 0);
  EXPECT_EQ(log->copy_messages, 1u);
  EXPECT_EQ(log->own_appends, 1u);  // the ack waited for the mailbox's own copy
}

TEST_F(MailboxReplicationTest, AckComesOnceTheViewDropsAReplicaThatDiedHoldingCopies) {
  auto handle = deliver_while_the_replica_holds("m1");
  ASSERT_EQ(log->held_copies.size(), 1u);
  // n2 dies with the copies unanswered, and the view drops it.
  view.publish(std::make_shared<const cluster_snapshot>(
    "n1", std::vector<member_status>{node_member("n1", {})}, 2, 3));
  caf::anon_send_exit(replica, caf::exit_reason::kill);
  sched.run();
  ASSERT_TRUE(answered()) << "the copier never heard that the replica died";
  handle.receive([](int64_t ts) { EXPECT_GT(ts, 0); },
                 [&](caf::error& err) { FAIL() << sys.render(err); });
}

TEST_F(MailboxReplicationTest, CopiesWaitingOnANodeTheViewShowsDownFailAtOnce) {
  auto handle = deliver_while_the_replica_holds("m1");
  ASSERT_EQ(log->held_copies.size(), 1u);
  // n2 hangs: its connection stays, but the membership's heartbeats show it down.
  auto n2 = node_member("n2", {{"store", replica}});
  n2.up = false;
  view.publish(std::make_shared<const cluster_snapshot>(
    "n1", std::vector<member_status>{node_member("n1", {}), n2}, 2, 3));
  caf::anon_send(registered_actor(copier_name::value), view_changed_atom_v, uint64_t{3});
  sched.run();
  ASSERT_TRUE(answered()) << "the ack waited on a node shown down";
  handle.receive([](int64_t ts) { EXPECT_GT(ts, 0); },
                 [&](caf::error& err) { FAIL() << sys.render(err); });
}

TEST_F(MailboxReplicationTest, ConfirmationsReachTheReplicaByIdentity) {
  ask<int64_t>(mailbox_of(owner), deliver_atom_v, message_from("alice", "m1"));
  read_by_owner("m1");
  EXPECT_EQ(log->changes, (std::vector<std::string>{"status read m1"}));
}

TEST_F(MailboxReplicationTest, AResendOfAWaitingMessageIsCopiedWithItsFirstTime) {
  // A group message keeps the time it comes with: the resend's differs.
  auto first = message_from("alice", "m1");
  first.group = "g-1";
  first.ts = 1000;
  auto again = first;
  again.ts = 2000;
  EXPECT_EQ(ask<int64_t>(mailbox_of(owner), deliver_atom_v, first), 1000);
  EXPECT_EQ(ask<int64_t>(mailbox_of(owner), deliver_atom_v, again), 1000);
  ASSERT_EQ(log->appended.size(), 2u);  // the stand-in keeps repeats
  EXPECT_EQ(log->appended[1].ts, 1000);
}

TEST_F(MailboxReplicationTest, ConfirmationsReachTheReplicaWhileTheCopierIsAway) {
  ask<int64_t>(mailbox_of(owner), deliver_atom_v, message_from("alice", "m1"));
  sys.registry().erase(copier_name::value);  // between its stop and its restart
  read_by_owner("m1");
  EXPECT_EQ(log->changes, (std::vector<std::string>{"status read m1"}));
}

TEST_F(MailboxReplicationTest, ConfirmationsReachTheReplicaWhenTheCopierIsDead) {
  ask<int64_t>(mailbox_of(owner), deliver_atom_v, message_from("alice", "m1"));
  // The registry keeps a stopped actor's handle until the restart replaces it.
  auto dead = sys.spawn([](caf::event_based_actor*) -> caf::behavior { return {[](int) {}}; });
  caf::anon_send_exit(dead, caf::exit_reason::kill);
  sched.run();
  register_as(sys, copier_name::value, dead);
  read_by_owner("m1");
  EXPECT_EQ(log->changes, (std::vector<std::string>{"status read m1"}));
}

TEST_F(MailboxReplicationTest, MailboxStopsWhenAnotherNodeServesItsOwner) {
  auto mb = mailbox_of(owner);
  // n1 leaves the ring (as seen from here): n2 serves everyone now.
  view.publish(std::make_shared<const cluster_snapshot>(
    "n1", std::vector<member_status>{node_member("n2", {{"store", replica}})}, 2, 3));
  caf::anon_send(mb, view_changed_atom_v, uint64_t{3});
  sched.run();
  auto err = ask_error(mb, deliver_atom_v, message_from("alice", "m2"));
  EXPECT_EQ(err, caf::sec::request_receiver_down);
}

} // namespace
} // namespace parley::testing
