// Group chats through a real node (PROTOCOL.md section 3, group ops; section 4 for the
// group send's ack and receipts).

#include "tests/integration/node_fixture.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

class GroupTest : public NodeTest {
protected:
  /// Creates a group as `owner` with `members`; returns its id (empty on failure).
  std::string create_group(ws_test_client& owner, const std::string& name,
                           std::vector<std::string> members) {
    bj::array list;
    for (auto& m : members)
      list.emplace_back(m);
    owner.send_json({{"op", "group_create"}, {"id", "c1"}, {"name", name}, {"members", list}});
    auto ok = owner.recv_op("ok");
    EXPECT_TRUE(ok);
    if (!ok)
      return {};
    EXPECT_EQ((*ok)["id"], "c1");
    return std::string{(*ok)["group"].as_string()};
  }

  /// Sends a request and returns the answer to it: `ok` or `error`.
  bj::object ask(ws_test_client& c, bj::object request) {
    c.send_json(request);
    for (;;) {
      auto frame = c.recv();
      if (!frame)
        return {};
      if (((*frame)["op"] == "ok" || (*frame)["op"] == "error") && (*frame)["id"] == request["id"])
        return *frame;
    }
  }

  static bj::object group_send(const std::string& id, const std::string& gid,
                               const std::string& body) {
    return {{"op", "send"}, {"id", id}, {"group", gid}, {"body", body}};
  }

  static std::vector<std::string> strings(const bj::value& v) {
    std::vector<std::string> out;
    for (const auto& s : v.as_array())
      out.emplace_back(s.as_string());
    return out;
  }
};

TEST_F(GroupTest, GroupMessageReachesEveryMemberAndEachMemberReceiptReachesTheSender) {
  auto alice = login("alice");
  auto bob = login("bob");
  auto carol = login("carol");
  auto gid = create_group(*alice, "climbing", {"bob", "carol"});
  ASSERT_EQ(gid.rfind("g-", 0), 0u) << gid;

  alice->send_json(group_send("m1", gid, "hello group"));
  auto ack = alice->recv_op("ack");
  ASSERT_TRUE(ack);
  EXPECT_EQ((*ack)["id"], "m1");
  for (auto [member, name] : {std::pair{bob.get(), "bob"}, std::pair{carol.get(), "carol"}}) {
    auto msg = member->recv_op("msg");
    ASSERT_TRUE(msg);
    EXPECT_EQ((*msg)["id"], "m1");
    EXPECT_EQ((*msg)["to"], name);
    EXPECT_EQ((*msg)["from"], "alice");
    EXPECT_EQ((*msg)["group"], gid.c_str());
    EXPECT_EQ((*msg)["body"], "hello group");
    EXPECT_EQ((*msg)["ts"], (*ack)["ts"]);
  }
  // The sender does not get its own message back.
  EXPECT_FALSE(alice->recv_op("msg", milliseconds{300}));

  bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "m1"}, {"group", gid}});
  auto from_bob = alice->recv_op("receipt");
  ASSERT_TRUE(from_bob);
  EXPECT_EQ((*from_bob)["id"], "m1");
  EXPECT_EQ((*from_bob)["to"], "bob");
  EXPECT_EQ((*from_bob)["group"], gid.c_str());
  EXPECT_EQ((*from_bob)["status"], "delivered");

  // A read without a delivered implies both.
  carol->send_json({{"op", "read"}, {"from", "alice"}, {"id", "m1"}, {"group", gid}});
  std::vector<std::string> carol_statuses;
  for (int i = 0; i < 2; ++i) {
    auto r = alice->recv_op("receipt");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["to"], "carol");
    EXPECT_EQ((*r)["group"], gid.c_str());
    carol_statuses.emplace_back((*r)["status"].as_string());
  }
  EXPECT_EQ(carol_statuses, (std::vector<std::string>{"delivered", "read"}));
}

// PROTOCOL.md names a message by sender and id: a member's client that leaves `group`
// out of its confirmation still confirms the group message, and the receipt names it.
TEST_F(GroupTest, ConfirmationWithoutTheGroupStillReachesTheSender) {
  auto alice = login("alice");
  auto bob = login("bob");
  auto gid = create_group(*alice, "plain client", {"bob"});
  alice->send_json(group_send("p1", gid, "hi"));
  ASSERT_TRUE(alice->recv_op("ack"));
  ASSERT_TRUE(bob->recv_op("msg"));
  bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "p1"}});
  auto delivered = alice->recv_op("receipt");
  ASSERT_TRUE(delivered);
  EXPECT_EQ((*delivered)["group"], gid.c_str());
  EXPECT_EQ((*delivered)["to"], "bob");
  // The read comes after the message left the waiting queue: found in the store.
  bob->send_json({{"op", "read"}, {"from", "alice"}, {"id", "p1"}});
  auto read = alice->recv_op("receipt");
  ASSERT_TRUE(read);
  EXPECT_EQ((*read)["status"], "read");
  EXPECT_EQ((*read)["group"], gid.c_str());
  // Confirmed: not pushed again at the next login.
  bob.reset();
  bob = login("bob");
  EXPECT_FALSE(bob->recv_op("msg", milliseconds{500}));
}

TEST_F(GroupTest, OfflineMembersGetGroupMessagesAtLogin) {
  auto alice = login("alice");
  login("bob").reset();
  auto gid = create_group(*alice, "news", {"bob"});
  for (int i = 0; i < 5; ++i)
    alice->send_json(group_send("n" + std::to_string(i), gid, "item " + std::to_string(i)));
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(alice->recv_op("ack"));
  auto bob = login("bob");
  for (int i = 0; i < 5; ++i) {
    auto msg = bob->recv_op("msg");
    ASSERT_TRUE(msg);
    EXPECT_EQ((*msg)["id"], ("n" + std::to_string(i)).c_str());
    EXPECT_EQ((*msg)["group"], gid.c_str());
  }
}

TEST_F(GroupTest, InfoShowsNameOwnerAndMembersToMembersOnly) {
  auto alice = login("alice");
  login("bob").reset();
  auto dave = login("dave");
  auto gid = create_group(*alice, "book club", {"bob"});
  auto info = ask(*alice, {{"op", "group_info"}, {"id", "i1"}, {"group", gid}});
  ASSERT_EQ(info["op"], "ok") << bj::serialize(info);
  EXPECT_EQ(info["group"], gid.c_str());
  EXPECT_EQ(info["name"], "book club");
  EXPECT_EQ(info["owner"], "alice");
  EXPECT_EQ(strings(info["members"]), (std::vector<std::string>{"alice", "bob"}));

  auto stranger = ask(*dave, {{"op", "group_info"}, {"id", "i2"}, {"group", gid}});
  EXPECT_EQ(stranger["code"], "not_member");
  auto nowhere = ask(*dave, {{"op", "group_info"}, {"id", "i3"}, {"group", "g-0000000000000000"}});
  EXPECT_EQ(nowhere["code"], "unknown_group");
  auto stranger_send = ask(*dave, group_send("d1", gid, "let me in"));
  EXPECT_EQ(stranger_send["code"], "not_member");
}

TEST_F(GroupTest, OnlyTheOwnerAddsAndRemovesMembers) {
  auto alice = login("alice");
  auto bob = login("bob");
  login("carol").reset();
  auto gid = create_group(*alice, "team", {"bob"});
  auto by_bob = ask(*bob, {{"op", "group_add"}, {"id", "a1"}, {"group", gid},
                           {"users", bj::array{"carol"}}});
  EXPECT_EQ(by_bob["code"], "forbidden");
  auto by_alice = ask(*alice, {{"op", "group_add"}, {"id", "a2"}, {"group", gid},
                               {"users", bj::array{"carol"}}});
  EXPECT_EQ(by_alice["op"], "ok") << bj::serialize(by_alice);
  auto removed = ask(*alice, {{"op", "group_remove"}, {"id", "r1"}, {"group", gid},
                              {"users", bj::array{"bob"}}});
  EXPECT_EQ(removed["op"], "ok") << bj::serialize(removed);
  auto info = ask(*alice, {{"op", "group_info"}, {"id", "i1"}, {"group", gid}});
  EXPECT_EQ(strings(info["members"]), (std::vector<std::string>{"alice", "carol"}));
  auto bob_send = ask(*bob, group_send("b1", gid, "still here?"));
  EXPECT_EQ(bob_send["code"], "not_member");
}

TEST_F(GroupTest, MemberAddedLaterSeesOnlyLaterMessages) {
  auto alice = login("alice");
  auto dave = login("dave");
  login("bob").reset();
  auto gid = create_group(*alice, "late", {"bob"});
  alice->send_json(group_send("before", gid, "old news"));
  ASSERT_TRUE(alice->recv_op("ack"));
  auto added = ask(*alice, {{"op", "group_add"}, {"id", "a1"}, {"group", gid},
                            {"users", bj::array{"dave"}}});
  ASSERT_EQ(added["op"], "ok");
  alice->send_json(group_send("after", gid, "welcome dave"));
  ASSERT_TRUE(alice->recv_op("ack"));
  auto msg = dave->recv_op("msg");
  ASSERT_TRUE(msg);
  EXPECT_EQ((*msg)["id"], "after");
  EXPECT_FALSE(dave->recv_op("msg", milliseconds{300}));
}

TEST_F(GroupTest, OwnerWhoLeavesHandsTheGroupToTheNextMember) {
  auto alice = login("alice");
  auto bob = login("bob");
  login("carol").reset();
  auto gid = create_group(*alice, "handover", {"bob", "carol"});
  auto left = ask(*alice, {{"op", "group_leave"}, {"id", "l1"}, {"group", gid}});
  ASSERT_EQ(left["op"], "ok") << bj::serialize(left);
  auto info = ask(*bob, {{"op", "group_info"}, {"id", "i1"}, {"group", gid}});
  EXPECT_EQ(info["owner"], "bob");
  EXPECT_EQ(strings(info["members"]), (std::vector<std::string>{"bob", "carol"}));
  auto again = ask(*alice, {{"op", "group_leave"}, {"id", "l2"}, {"group", gid}});
  EXPECT_EQ(again["code"], "not_member");
}

TEST_F(GroupTest, ResentGroupMessageKeepsItsAckAndIsDeliveredOnce) {
  auto alice = login("alice");
  auto bob = login("bob");
  auto gid = create_group(*alice, "dedup", {"bob"});
  alice->send_json(group_send("x1", gid, "once"));
  auto first = alice->recv_op("ack");
  ASSERT_TRUE(first);
  std::this_thread::sleep_for(milliseconds{20});
  alice->send_json(group_send("x1", gid, "once"));
  auto second = alice->recv_op("ack");
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["ts"], (*first)["ts"]);
  expect_messages(*bob, {"x1"});
}

TEST_F(GroupTest, ResendReachesOnlyTheMembersOfTheFirstSend) {
  auto alice = login("alice");
  auto bob = login("bob");
  auto dave = login("dave");
  auto gid = create_group(*alice, "resend", {"bob"});
  alice->send_json(group_send("r1", gid, "first"));
  auto first = alice->recv_op("ack");
  ASSERT_TRUE(first);
  auto added = ask(*alice, {{"op", "group_add"}, {"id", "a1"}, {"group", gid},
                            {"users", bj::array{"dave"}}});
  ASSERT_EQ(added["op"], "ok");
  alice->send_json(group_send("r1", gid, "first"));
  auto again = alice->recv_op("ack");
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)["ts"], (*first)["ts"]);
  EXPECT_FALSE(dave->recv_op("msg", milliseconds{300}));
  expect_messages(*bob, {"r1"});
}

TEST_F(GroupTest, BadGroupRequestsGetClearErrorsAndTheConnectionStays) {
  auto alice = login("alice");
  auto unknown = ask(*alice, {{"op", "group_create"}, {"id", "c1"}, {"name", "x"},
                              {"members", bj::array{"nobody"}}});
  EXPECT_EQ(unknown["code"], "unknown_user");
  auto no_name = ask(*alice, {{"op", "group_create"}, {"id", "c2"}, {"members", bj::array{}}});
  EXPECT_EQ(no_name["code"], "bad_request");
  auto bad_id = ask(*alice, {{"op", "group_info"}, {"id", "i1"}, {"group", "../etc"}});
  EXPECT_EQ(bad_id["code"], "bad_request");
  bj::array crowd;
  for (int i = 0; i < 1024; ++i)
    crowd.emplace_back("u" + std::to_string(i));
  auto too_many = ask(*alice, {{"op", "group_create"}, {"id", "c3"}, {"name", "crowd"},
                               {"members", crowd}});
  EXPECT_EQ(too_many["code"], "too_large");
  auto bad_send = ask(*alice, group_send("s1", "g-0000000000000001", "anyone?"));
  EXPECT_EQ(bad_send["code"], "unknown_group");
  alice->send_json({{"op", "ping"}, {"id", "p1"}});
  EXPECT_TRUE(alice->recv_op("pong"));
}

TEST_F(GroupTest, GroupsSurviveAKilledNode) {
  auto alice = login("alice");
  login("bob").reset();
  auto gid = create_group(*alice, "durable", {"bob"});
  alice->send_json(group_send("k1", gid, "before the crash"));
  ASSERT_TRUE(alice->recv_op("ack"));
  alice.reset();
  node->kill9();
  node->restart();
  auto bob = login("bob");
  expect_messages(*bob, {"k1"});
  auto info = ask(*bob, {{"op", "group_info"}, {"id", "i1"}, {"group", gid}});
  EXPECT_EQ(info["owner"], "alice");
  bob->send_json(group_send("k2", gid, "after the crash"));
  EXPECT_TRUE(bob->recv_op("ack"));
}

TEST_F(GroupTest, CrashedGroupActorIsRestartedAndKeepsItsMembers) {
  auto alice = login("alice");
  auto bob = login("bob");
  auto gid = create_group(*alice, "fragile", {"bob"});
  alice->send_json(group_send("c1", gid, "before"));
  ASSERT_TRUE(alice->recv_op("ack"));
  auto body = bj::serialize(bj::object{{"kind", "crash_actor"}, {"actor", "group:" + gid}});
  EXPECT_EQ(http_call(node->admin_port(), "POST", "/v1/admin/fault", body).status, 200);
  alice->send_json(group_send("c2", gid, "after"));
  ASSERT_TRUE(alice->recv_op("ack"));
  expect_messages(*bob, {"c1", "c2"});
  auto info = ask(*bob, {{"op", "group_info"}, {"id", "i1"}, {"group", gid}});
  EXPECT_EQ(strings(info["members"]), (std::vector<std::string>{"alice", "bob"}));
}

TEST_F(GroupTest, RestSendReachesTheGroup) {
  auto alice = login("alice");
  auto bob = login("bob");
  auto gid = create_group(*alice, "rest", {"bob"});
  auto res = http_call(node->client_port(), "POST", "/v1/messages",
                       bj::serialize(bj::object{{"id", "r1"}, {"group", gid}, {"body", "via rest"}}),
                       tokens["alice"]);
  ASSERT_EQ(res.status, 200) << res.body;
  auto msg = bob->recv_op("msg");
  ASSERT_TRUE(msg);
  EXPECT_EQ((*msg)["group"], gid.c_str());
  EXPECT_EQ((*msg)["body"], "via rest");
}

} // namespace
} // namespace parley::testing
