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

// A long session keeps the latest acknowledged sends only (older receipts show their id
// alone), and every send still waiting for its ack.
TEST(SentMessagesTest, ForgetsTheOldestAcknowledgedPastItsCapacity) {
  sent_messages sent{2};
  for (auto id : {"m1", "m2", "m3", "m4"})
    sent.add(id, {"bob", id});
  sent.acked("m1");
  sent.acked("m2");
  sent.acked("m3");
  EXPECT_EQ(sent.find("m1"), nullptr);
  EXPECT_NE(sent.find("m2"), nullptr);
  EXPECT_NE(sent.find("m3"), nullptr);
  EXPECT_NE(sent.find("m4"), nullptr);  // not acknowledged: never forgotten
}

TEST(SentMessagesTest, UnacknowledgedAreTheSendsNeitherAckedNorRefusedInOrder) {
  sent_messages sent;
  for (auto id : {"m1", "m2", "m3", "m4"})
    sent.add(id, {id[1] == '4' ? "#g-1" : "bob", id});
  sent.acked("m2");
  sent.refused("m3");
  sent.refused("q1");  // a request's error, not a send
  auto left = sent.unacknowledged();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].about, "m1");
  EXPECT_EQ(left[1].to, "#g-1");
  EXPECT_EQ(left[1].about, "m4");
}

// A file is sealed and sent before the chat remembers it: its ack, or its refusal, can
// come first.
TEST(SentMessagesTest, AnAckOrRefusalBeforeTheAddSettlesTheSendWhenAdded) {
  sent_messages sent;
  sent.acked("m1");
  sent.refused("m2");
  sent.add("m1", {"bob", "file cat.png"});
  sent.add("m2", {"bob", "file dog.png"});
  sent.add("m3", {"bob", "file owl.png"});
  auto waiting = sent.unacknowledged();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].about, "file owl.png");
  ASSERT_NE(sent.find("m1"), nullptr);  // kept for its receipts
  EXPECT_EQ(sent.find("m2"), nullptr);
}

} // namespace
} // namespace parley::chat
