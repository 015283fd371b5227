// The groups table on a real SQLite file: newest version wins, in any order.

#include <gtest/gtest.h>

#include "persistence/group_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley {
namespace {

class GroupStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = sqlite_db::open(dir / "groups.db", sync_mode::normal);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    auto s = group_store::open(*db);
    ASSERT_TRUE(s);
    store.emplace(std::move(*s));
  }

  static group_row row(int64_t version, std::vector<std::string> members) {
    return group_row{"g-1", "name v" + std::to_string(version), members.front(), members,
                     version, 1000};
  }

  testing::temp_dir dir;
  std::unique_ptr<sqlite_db> db;
  std::optional<group_store> store;
};

TEST_F(GroupStoreTest, StoredGroupReadsBackWithMembersInJoinOrder) {
  ASSERT_EQ(store->put(row(1, {"zed", "amy", "bob"})), true);
  auto got = store->get("g-1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->members, (std::vector<std::string>{"zed", "amy", "bob"}));
  EXPECT_EQ((*got)->owner, "zed");
  EXPECT_EQ((*got)->version, 1);
  EXPECT_EQ((*got)->created, 1000);
}

TEST_F(GroupStoreTest, OlderOrEqualVersionDoesNotOverwriteNewer) {
  ASSERT_EQ(store->put(row(3, {"amy", "bob"})), true);
  EXPECT_EQ(store->put(row(2, {"amy"})), false);
  EXPECT_EQ(store->put(row(3, {"amy", "carl"})), false);
  auto got = store->get("g-1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->members, (std::vector<std::string>{"amy", "bob"}));
  EXPECT_EQ(store->put(row(4, {"amy"})), true);
  EXPECT_EQ((*store->get("g-1"))->members, (std::vector<std::string>{"amy"}));
}

TEST_F(GroupStoreTest, MissingGroupIsNothingAndDropForgetsOne) {
  auto none = store->get("g-2");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  ASSERT_EQ(store->put(row(1, {"amy"})), true);
  EXPECT_EQ(store->load_all()->size(), 1u);
  EXPECT_FALSE(store->drop("g-1"));
  EXPECT_FALSE(*store->get("g-1"));
  EXPECT_TRUE(store->load_all()->empty());
}

TEST_F(GroupStoreTest, EmptyGroupKeepsNoMembers) {
  ASSERT_EQ(store->put(group_row{"g-1", "gone", "", {}, 5, 1}), true);
  auto got = store->get("g-1");
  EXPECT_TRUE((*got)->members.empty());
}

} // namespace
} // namespace parley
