// Group chats across three real nodes: members on different nodes, and a group whose
// primary node is SIGKILLed keeps working without losing an acked message.

#include <set>

#include "tests/integration/cluster_fixture.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

class ClusterGroupTest : public ClusterTest {
protected:
  std::string create_group(ws_test_client& owner, std::vector<std::string> members) {
    bj::array list;
    for (auto& m : members)
      list.emplace_back(m);
    owner.send_json({{"op", "group_create"}, {"id", "c1"}, {"name", "mesh"}, {"members", list}});
    auto ok = owner.recv_op("ok");
    EXPECT_TRUE(ok);
    return ok ? std::string{(*ok)["group"].as_string()} : std::string{};
  }

  /// Sends until acked, resending the same id after `unavailable` as a client does
  /// while the cluster fails over. False if no ack came within the tries.
  static bool send_until_acked(ws_test_client& c, const std::string& gid, const std::string& id) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      c.send_json({{"op", "send"}, {"id", id}, {"group", gid}, {"body", "b " + id}});
      for (;;) {
        auto frame = c.recv(milliseconds{8000});
        if (!frame)
          return false;
        if ((*frame)["id"] != id.c_str())
          continue;
        if ((*frame)["op"] == "ack")
          return true;
        break;  // an error: try again shortly
      }
      std::this_thread::sleep_for(milliseconds{200});
    }
    return false;
  }
};

TEST_F(ClusterGroupTest, MembersOnEveryNodeGetTheMessageAndTheirReceipts) {
  auto alice = login(0, "alice");
  auto bob = login(1, "bob");
  auto carol = login(2, "carol");
  auto gid = create_group(*alice, {"bob", "carol"});
  ASSERT_FALSE(gid.empty());
  ASSERT_TRUE(send_until_acked(*alice, gid, "m1"));
  for (auto* member : {bob.get(), carol.get()}) {
    auto msg = member->recv_op("msg");
    ASSERT_TRUE(msg);
    EXPECT_EQ((*msg)["group"], gid.c_str());
    member->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "m1"}, {"group", gid}});
  }
  std::set<std::string> receipt_from;
  for (int i = 0; i < 2; ++i) {
    auto r = alice->recv_op("receipt");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["group"], gid.c_str());
    receipt_from.emplace((*r)["to"].as_string());
  }
  EXPECT_EQ(receipt_from, (std::set<std::string>{"bob", "carol"}));
}

TEST_F(ClusterGroupTest, KilledPrimaryOfAGroupLosesNoAckedMessage) {
  auto alice = login(0, "alice");
  login(1, "bob").reset();
  login(2, "carol").reset();
  auto gid = create_group(*alice, {"bob", "carol"});
  ASSERT_FALSE(gid.empty());
  auto primary = index_of(owners_of(gid).front());
  int survivor = primary == 0 ? 1 : 0;
  // alice talks through a node that stays up.
  alice = login(survivor, "alice");

  std::vector<std::string> acked;
  for (int i = 0; i < 30; ++i) {
    auto id = "a" + std::to_string(i);
    ASSERT_TRUE(send_until_acked(*alice, gid, id)) << id;
    acked.push_back(id);
  }
  nodes[primary]->kill9();
  for (int i = 0; i < 30; ++i) {
    auto id = "b" + std::to_string(i);
    ASSERT_TRUE(send_until_acked(*alice, gid, id)) << id;
    acked.push_back(id);
  }
  // The group's state moved with it.
  alice->send_json({{"op", "group_info"}, {"id", "i1"}, {"group", gid}});
  auto info = alice->recv_op("ok");
  ASSERT_TRUE(info);
  EXPECT_EQ((*info)["owner"], "alice");
  EXPECT_EQ((*info)["members"].as_array().size(), 3u);

  for (const auto& member : {std::string{"bob"}, std::string{"carol"}}) {
    auto c = login(survivor, member);
    expect_messages(*c, acked);
  }
}

} // namespace
} // namespace parley::testing
