// group:<gid> on the deterministic scheduler, with the node's store, directory and
// mailboxes around it.

#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

class GroupActorTest : public ActorTest {
protected:
  void SetUp() override {
    start_tree();
    for (auto user : {"alice", "bob", "carol", "dave"})
      ask<login_reply>(registered_actor(directory_name::value), login_atom_v,
                       std::string{user}, std::string(32, 'k'), caf::actor{});
  }

  caf::actor group_of(const std::string& gid) {
    return ask<caf::actor>(registered_actor(groups_name::value), ensure_child_atom_v,
                           group_child_id(gid));
  }

  group_record create(const std::string& gid, std::vector<std::string> members) {
    group_record proposal{gid, "friends", members.front(), members, 0, 0};
    return ask<group_record>(group_of(gid), group_create_atom_v, proposal);
  }

  std::vector<mailbox_item> waiting_for(const std::string& user) {
    auto log = std::make_shared<recorded>();
    auto session = sys.spawn(recording_session, log);
    spawned.push_back(session);
    auto mb = ask<caf::actor>(registered_actor(mailboxes_name::value), ensure_child_atom_v,
                              mailbox_child_id(user));
    ask_done(mb, attach_atom_v, session);
    return log->pushes;
  }
};

TEST_F(GroupActorTest, SendFillsEveryOtherMembersMailboxWithOneTime) {
  auto rec = create("g-1", {"alice", "bob", "carol"});
  EXPECT_EQ(rec.version, 1);
  auto ts = ask<int64_t>(group_of("g-1"), group_send_atom_v, message_from("alice", "m1"));
  EXPECT_GT(ts, 0);
  for (auto member : {"bob", "carol"}) {
    auto items = waiting_for(member);
    ASSERT_EQ(items.size(), 1u) << member;
    EXPECT_EQ(items[0].group, "g-1");
    EXPECT_EQ(items[0].peer, "alice");
    EXPECT_EQ(items[0].ts, ts);
  }
  EXPECT_TRUE(waiting_for("alice").empty());
}

TEST_F(GroupActorTest, ChangesSurviveACrashOfTheGroupActor) {
  create("g-1", {"alice", "bob"});
  ask<group_record>(group_of("g-1"), group_add_atom_v, std::string{"alice"},
                    std::vector<std::string>{"carol"});
  crash_actor(group_of("g-1"));
  auto info = ask<group_record>(group_of("g-1"), group_info_atom_v, std::string{"carol"});
  EXPECT_EQ(info.members, (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(info.version, 2);
}

// The group waits for its copies to commit (the store is slow here) when it crashes: the
// requester hears an error at once instead of nothing, and may retry.
TEST_F(GroupActorTest, AChangeInFlightWhenTheGroupCrashesIsAnsweredWithAnError) {
  create("g-1", {"alice", "bob"});
  caf::anon_send(registered_actor(store_name::value), delay_atom_v, int64_t{50}, int64_t{10});
  sched.run();
  auto group = group_of("g-1");
  auto handle = self->request(group, caf::infinite, group_add_atom_v, std::string{"alice"},
                              std::vector<std::string>{"carol"});
  sched.run();
  crash_actor(group);
  ASSERT_TRUE(answered());
  handle.receive([](group_record&) { ADD_FAILURE() << "answered by a dead group"; },
                 [](caf::error& err) { EXPECT_EQ(code_of(err), errc::unavailable); });
}

TEST_F(GroupActorTest, ASendInFlightWhenTheGroupCrashesIsAnsweredWithAnError) {
  create("g-1", {"alice", "bob", "carol"});
  caf::anon_send(registered_actor(store_name::value), delay_atom_v, int64_t{50}, int64_t{10});
  sched.run();
  auto group = group_of("g-1");
  auto handle = self->request(group, caf::infinite, group_send_atom_v,
                              message_from("alice", "m1"));
  sched.run();
  crash_actor(group);
  ASSERT_TRUE(answered());
  handle.receive([](int64_t) { ADD_FAILURE() << "acked by a dead group"; },
                 [](caf::error& err) { EXPECT_EQ(err, caf::sec::request_receiver_down); });
  // The resend reaches the restarted group (the store still slow); the members'
  // mailboxes hold the message once.
  EXPECT_GT(ask_while_time_passes<int64_t>(std::chrono::milliseconds{100}, 3, group_of("g-1"),
                                           group_send_atom_v, message_from("alice", "m1")),
            0);
  for (auto member : {"bob", "carol"})
    EXPECT_EQ(waiting_for(member).size(), 1u) << member;
}

TEST_F(GroupActorTest, RulesOfMembershipAreEnforced) {
  create("g-1", {"alice", "bob"});
  auto g = group_of("g-1");
  EXPECT_EQ(code_of(ask_error(g, group_add_atom_v, std::string{"bob"},
                              std::vector<std::string>{"dave"})),
            errc::forbidden);
  EXPECT_EQ(code_of(ask_error(g, group_add_atom_v, std::string{"alice"},
                              std::vector<std::string>{"nobody"})),
            errc::unknown_user);
  EXPECT_EQ(code_of(ask_error(g, group_info_atom_v, std::string{"dave"})), errc::not_member);
  EXPECT_EQ(code_of(ask_error(g, group_send_atom_v, message_from("dave", "x"))),
            errc::not_member);
  EXPECT_EQ(code_of(ask_error(group_of("g-2"), group_info_atom_v, std::string{"alice"})),
            errc::unknown_group);
}

TEST_F(GroupActorTest, AGroupCannotGrowPastItsLimit) {
  create("g-1", {"alice"});
  std::vector<std::string> crowd(1024, "bob");
  for (size_t i = 0; i < crowd.size(); ++i)
    crowd[i] = "u" + std::to_string(i);
  EXPECT_EQ(code_of(ask_error(group_of("g-1"), group_add_atom_v, std::string{"alice"}, crowd)),
            errc::too_large);
}

TEST_F(GroupActorTest, IdleGroupStopsAndReloads) {
  create("g-1", {"alice", "bob"});
  auto first = group_of("g-1");
  EXPECT_EQ(metrics.groups.value(), 1);
  for (int i = 0; i < 6; ++i) {
    sched.advance_time(std::chrono::seconds{15});
    sched.run();
  }
  EXPECT_TRUE(first->getf(caf::abstract_actor::is_terminated_flag));
  EXPECT_EQ(metrics.groups.value(), 0);
  auto info = ask<group_record>(group_of("g-1"), group_info_atom_v, std::string{"bob"});
  EXPECT_EQ(info.owner, "alice");
}

} // namespace
} // namespace parley::testing
