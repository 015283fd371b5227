// The consistent hash ring: placement is stable, distinct, balanced, and moves few keys.

#include "runtime/hash_ring.hpp"

#include <map>
#include <set>

#include <gtest/gtest.h>

namespace parley {
namespace {

hash_ring ring_of(std::initializer_list<const char*> nodes) {
  hash_ring ring;
  for (auto n : nodes)
    ring.add(n);
  return ring;
}

TEST(HashRingTest, PreferenceListsDistinctNodes) {
  auto ring = ring_of({"n1", "n2", "n3"});
  for (int i = 0; i < 200; ++i) {
    auto pref = ring.preference("user" + std::to_string(i), 2);
    ASSERT_EQ(pref.size(), 2u);
    EXPECT_NE(pref[0], pref[1]);
  }
  EXPECT_EQ(ring.preference("alice", 5).size(), 3u);
  EXPECT_TRUE(hash_ring{}.preference("alice", 2).empty());
}

// primary() is the allocation-free answer to preference(key, 1), wrap-around included.
TEST(HashRingTest, PrimaryIsTheFirstOfThePreference) {
  for (auto ring : {ring_of({"n1"}), ring_of({"n1", "n2", "n3"}), ring_of({"a", "b"})}) {
    for (int i = 0; i < 2000; ++i) {
      auto key = "user" + std::to_string(i);
      const auto* primary = ring.primary(key);
      ASSERT_NE(primary, nullptr);
      EXPECT_EQ(*primary, ring.preference(key, 1).front()) << key;
    }
  }
  EXPECT_EQ(hash_ring{}.primary("alice"), nullptr);
}

TEST(HashRingTest, PlacementDoesNotDependOnInsertionOrder) {
  auto a = ring_of({"n1", "n2", "n3"});
  auto b = ring_of({"n3", "n1", "n2"});
  for (int i = 0; i < 200; ++i) {
    auto key = "u" + std::to_string(i);
    EXPECT_EQ(a.preference(key, 2), b.preference(key, 2));
  }
}

TEST(HashRingTest, KeysSpreadOverAllNodes) {
  auto ring = ring_of({"n1", "n2", "n3"});
  std::map<std::string, int> primaries;
  for (int i = 0; i < 3000; ++i)
    ++primaries[ring.preference("user" + std::to_string(i), 1)[0]];
  ASSERT_EQ(primaries.size(), 3u);
  for (auto& [node, count] : primaries)
    EXPECT_GT(count, 600) << node;  // a fair share is 1000
}

// A dead node's keys go to the node that was their first replica; nobody else's move.
TEST(HashRingTest, RemovingANodePromotesItsReplica) {
  auto ring = ring_of({"n1", "n2", "n3"});
  std::map<std::string, std::vector<std::string>> before;
  for (int i = 0; i < 500; ++i) {
    auto key = "user" + std::to_string(i);
    before[key] = ring.preference(key, 2);
  }
  ring.remove("n2");
  EXPECT_FALSE(ring.contains("n2"));
  for (auto& [key, pref] : before) {
    auto now = ring.preference(key, 2);
    if (pref[0] == "n2")
      EXPECT_EQ(now[0], pref[1]) << key;
    else
      EXPECT_EQ(now[0], pref[0]) << key;
  }
}

TEST(HashRingTest, HashIsFixedAcrossBuilds) {
  // Nodes built by different compilers must agree: the value is part of the format.
  EXPECT_EQ(hash_ring::hash(""), hash_ring::hash(std::string{}));
  EXPECT_EQ(hash_ring::hash("alice"), 0x3507d047a67c08f4ULL);
}

} // namespace
} // namespace parley
