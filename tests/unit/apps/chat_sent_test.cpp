#include "apps/chat_sent.hpp"

#include <gtest/gtest.h>

namespace parley::chat {
namespace {

TEST(SentMessagesTest, FindsWhatWasSentUntilItIsRefused) {
  sent_messages sent;
  sent.add("m1", {"bob", "\"hi\""});
  sent.add("m2", {"#g-1", "file cat.png"});
  ASSERT_NE(sent.find("m1"), nullptr);
  EXPECT_EQ(sent.find("m1")->to, "bob");
  EXPECT_EQ(sent.find("m2")->about, "file cat.png");
  EXPECT_EQ(sent.find("m3"), nullptr);
  sent.refused("m1");
  EXPECT_EQ(sent.find("m1"), nullptr);
  EXPECT_NE(sent.find("m2"), nullptr);
}

// A long session keeps the latest sends only; older receipts show their id alone.
TEST(SentMessagesTest, ForgetsTheOldestPastItsCapacity) {
  sent_messages sent{2};
  sent.add("m1", {"bob", "1"});
  sent.add("m2", {"bob", "2"});
  sent.refused("m2");
  sent.add("m3", {"bob", "3"});
  EXPECT_NE(sent.find("m1"), nullptr);  // m2's refusal made room
  sent.add("m4", {"bob", "4"});
  EXPECT_EQ(sent.find("m1"), nullptr);
  EXPECT_NE(sent.find("m3"), nullptr);
  EXPECT_NE(sent.find("m4"), nullptr);
}

} // namespace
} // namespace parley::chat
