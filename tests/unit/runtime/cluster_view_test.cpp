// Cluster snapshots: who serves a key, and which members count.

#include "runtime/cluster_view.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

member_status member(const std::string& id, bool up) {
  member_info info;
  info.id = id;
  info.cluster = "127.0.0.1:" + std::to_string(7090 + id.back() - '0');
  return member_status{info, up, 0};
}

TEST(ClusterViewTest, DownMembersHoldNoKeys) {
  cluster_snapshot all{"n1", {member("n1", true), member("n2", true), member("n3", true)}, 2, 5};
  cluster_snapshot n2_down{"n1", {member("n1", true), member("n2", false), member("n3", true)},
                           2, 6};
  EXPECT_EQ(all.up_count(), 3u);
  EXPECT_EQ(n2_down.up_count(), 2u);
  for (int i = 0; i < 100; ++i) {
    auto key = "user" + std::to_string(i);
    auto before = all.owners(key);
    auto after = n2_down.owners(key);
    ASSERT_EQ(after.size(), 2u);
    for (const auto& node : after)
      EXPECT_NE(node, "n2");
    if (before[0] != "n2")
      EXPECT_EQ(after[0], before[0]) << key;  // nobody else's keys move
    else
      EXPECT_EQ(after[0], before[1]) << key;  // the replica takes over
  }
  EXPECT_EQ(n2_down.up_member("n2"), nullptr);
  EXPECT_NE(n2_down.up_member("n3"), nullptr);
}

TEST(ClusterViewTest, ALoneNodeServesEverythingWithFewerCopies) {
  auto alone = cluster_snapshot::single(member_info{"n1", {}, {}, {}, {}, 0, 0}, 2);
  EXPECT_EQ(alone->owners("bob"), (std::vector<std::string>{"n1"}));
  EXPECT_EQ(alone->primary("bob"), "n1");
  EXPECT_TRUE(alone->is_local("n1"));
  EXPECT_FALSE(alone->service("n1", "store"));  // nothing announced
}

TEST(ClusterViewTest, PublishingMovesTheEpoch) {
  cluster_view view{cluster_snapshot::single(member_info{"n1", {}, {}, {}, {}, 0, 0}, 2)};
  EXPECT_EQ(view.epoch(), 1u);
  view.publish(std::make_shared<const cluster_snapshot>(
    "n1", std::vector<member_status>{member("n1", true), member("n2", true)}, 2, 2));
  EXPECT_EQ(view.epoch(), 2u);
  EXPECT_EQ(view.current()->up_count(), 2u);
}

} // namespace
} // namespace parley
