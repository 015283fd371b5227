// One-to-one messaging through a real node (PROTOCOL.md sections 3 and 4).

#include "runtime/clock.hpp"
#include "tests/integration/node_fixture.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

class MessagingTest : public NodeTest {};

TEST_F(MessagingTest, OnlineMessageIsAckedDeliveredAndReceiptsFollow) {
  auto alice = login("alice");
  auto bob = login("bob");
  alice->send_json({{"op", "send"}, {"id", "m1"}, {"to", "bob"}, {"body", "hi bob"},
                    {"meta", bj::object{{"kind", "text"}}}});
  auto ack = alice->recv_op("ack");
  ASSERT_TRUE(ack);
  EXPECT_EQ((*ack)["id"], "m1");
  auto msg = bob->recv_op("msg");
  ASSERT_TRUE(msg);
  EXPECT_EQ((*msg)["id"], "m1");
  EXPECT_EQ((*msg)["from"], "alice");
  EXPECT_EQ((*msg)["to"], "bob");
  EXPECT_TRUE((*msg)["group"].is_null());
  EXPECT_EQ((*msg)["body"], "hi bob");
  EXPECT_EQ((*msg)["meta"].as_object()["kind"], "text");
  EXPECT_EQ((*msg)["ts"], (*ack)["ts"]);

  bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "m1"}});
  auto delivered = alice->recv_op("receipt");
  ASSERT_TRUE(delivered);
  EXPECT_EQ((*delivered)["id"], "m1");
  EXPECT_EQ((*delivered)["to"], "bob");
  EXPECT_EQ((*delivered)["status"], "delivered");
  EXPECT_TRUE((*delivered)["group"].is_null());

  bob->send_json({{"op", "read"}, {"from", "alice"}, {"id", "m1"}});
  auto read = alice->recv_op("receipt");
  ASSERT_TRUE(read);
  EXPECT_EQ((*read)["status"], "read");
  EXPECT_GE((*read)["ts"].as_int64(), (*delivered)["ts"].as_int64());
}

TEST_F(MessagingTest, OfflineRecipientGetsMessagesAtLogin) {
  auto alice = login("alice");
  login("bob").reset();  // bob exists, then goes away
  for (int i = 0; i < 3; ++i)
    alice->send_json(send_frame("m" + std::to_string(i), "bob", "while you were out"));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(alice->recv_op("ack"));
  auto bob = login("bob");
  for (int i = 0; i < 3; ++i) {
    auto msg = bob->recv_op("msg");
    ASSERT_TRUE(msg);
    EXPECT_EQ((*msg)["id"], ("m" + std::to_string(i)).c_str());
  }
}

TEST_F(MessagingTest, ThousandQueuedMessagesArriveInAckOrder) {
  auto alice = login("alice");
  login("bob").reset();
  constexpr int count = 1000;
  for (int i = 0; i < count; ++i)
    alice->send_json(send_frame("q" + std::to_string(i), "bob", std::to_string(i)));
  std::vector<std::string> ack_order;
  for (int i = 0; i < count; ++i) {
    auto ack = alice->recv_op("ack");
    ASSERT_TRUE(ack) << "ack " << i;
    ack_order.emplace_back((*ack)["id"].as_string());
  }
  auto bob = login("bob");
  for (int i = 0; i < count; ++i) {
    auto msg = bob->recv_op("msg");
    ASSERT_TRUE(msg) << "msg " << i;
    ASSERT_EQ((*msg)["id"], ack_order[i].c_str()) << "position " << i;
  }
  EXPECT_FALSE(bob->recv_op("msg", milliseconds{300}));
}

TEST_F(MessagingTest, DuplicateSendReturnsOriginalAckAndDeliversOnce) {
  auto alice = login("alice");
  auto bob = login("bob");
  alice->send_json(send_frame("dup", "bob", "once"));
  auto first = alice->recv_op("ack");
  ASSERT_TRUE(first);
  ASSERT_TRUE(bob->recv_op("msg"));
  alice->send_json(send_frame("dup", "bob", "once"));
  auto second = alice->recv_op("ack");
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["ts"], (*first)["ts"]);
  auto extra = bob->recv_op("msg", milliseconds{300});
  EXPECT_FALSE(extra) << bj::serialize(*extra);
  // Still a duplicate after delivery.
  bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "dup"}});
  ASSERT_TRUE(alice->recv_op("receipt"));
  alice->send_json(send_frame("dup", "bob", "once"));
  ASSERT_TRUE(alice->recv_op("ack"));
  EXPECT_FALSE(bob->recv_op("msg", milliseconds{300}));
}

TEST_F(MessagingTest, DeliveredMessagesAreNotPushedAgain) {
  auto alice = login("alice");
  auto bob = login("bob");
  alice->send_json(send_frame("a", "bob", "1"));
  alice->send_json(send_frame("b", "bob", "2"));
  ASSERT_TRUE(bob->recv_op("msg"));
  ASSERT_TRUE(bob->recv_op("msg"));
  bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "a"}});
  ASSERT_TRUE(alice->recv_op("receipt"));
  bob.reset();
  // Only the unconfirmed one comes back at the next login.
  auto again = login("bob");
  auto msg = again->recv_op("msg");
  ASSERT_TRUE(msg);
  EXPECT_EQ((*msg)["id"], "b");
  EXPECT_FALSE(again->recv_op("msg", milliseconds{300}));
}

TEST_F(MessagingTest, ReadWithoutDeliveredImpliesBothAndReceiptsOnlyMoveForward) {
  auto alice = login("alice");
  auto bob = login("bob");
  alice->send_json(send_frame("r1", "bob", "x"));
  ASSERT_TRUE(bob->recv_op("msg"));
  bob->send_json({{"op", "read"}, {"from", "alice"}, {"id", "r1"}});
  auto first = alice->recv_op("receipt");
  auto second = alice->recv_op("receipt");
  ASSERT_TRUE(first && second);
  EXPECT_EQ((*first)["status"], "delivered");
  EXPECT_EQ((*second)["status"], "read");
  // Going back, or repeating, produces nothing.
  bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "r1"}});
  bob->send_json({{"op", "read"}, {"from", "alice"}, {"id", "r1"}});
  EXPECT_FALSE(alice->recv_op("receipt", milliseconds{300}));
}

TEST_F(MessagingTest, ReceiptsWaitForAnOfflineSender) {
  auto alice = login("alice");
  auto bob = login("bob");
  alice->send_json(send_frame("w1", "bob", "x"));
  ASSERT_TRUE(alice->recv_op("ack"));
  ASSERT_TRUE(bob->recv_op("msg"));
  alice.reset();
  bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "w1"}});
  bob->send_json({{"op", "read"}, {"from", "alice"}, {"id", "w1"}});
  bob->send_json({{"op", "ping"}, {"id", "sync"}});  // the confirmations are processed
  ASSERT_TRUE(bob->recv_op("pong"));
  std::this_thread::sleep_for(milliseconds{200});
  auto back = login("alice");
  auto d = back->recv_op("receipt");
  auto r = back->recv_op("receipt");
  ASSERT_TRUE(d && r);
  EXPECT_EQ((*d)["status"], "delivered");
  EXPECT_EQ((*r)["status"], "read");
  // Receipts are handed over once.
  back.reset();
  auto third = login("alice");
  EXPECT_FALSE(third->recv_op("receipt", milliseconds{300}));
}

TEST_F(MessagingTest, UnknownRecipientIsAnError) {
  auto alice = login("alice");
  alice->send_json(send_frame("u1", "nobody", "x"));
  auto err = alice->recv_op("error");
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)["id"], "u1");
  EXPECT_EQ((*err)["code"], "unknown_user");
}

// `asker`'s answer to a presence query for `user` once it says offline (the server notices
// a closed socket a moment later); nothing if it never does within a second.
std::optional<bj::object> presence_once_offline(ws_test_client& asker, const std::string& user) {
  for (int i = 0; i < 50; ++i) {
    asker.send_json({{"op", "presence"}, {"id", "q1"}, {"user", user}});
    auto p = asker.recv_op("ok");
    if (!p)
      return std::nullopt;
    if ((*p)["online"] == false)
      return p;
    std::this_thread::sleep_for(milliseconds{20});
  }
  return std::nullopt;
}

// last_seen is the time of the user's last frame (PROTOCOL.md 3), a frame the server
// refuses as malformed included.
TEST_F(MessagingTest, ARefusedFrameStillCountsForLastSeen) {
  auto alice = login("alice");
  auto bob = login("bob");
  std::this_thread::sleep_for(milliseconds{30});
  auto before = now_ms();
  bob->send_text("{not json");
  ASSERT_TRUE(bob->recv_op("error"));
  bob.reset();
  auto p = presence_once_offline(*alice, "bob");
  ASSERT_TRUE(p) << "bob still online";
  EXPECT_GE((*p)["last_seen"].as_int64(), before);
}

TEST_F(MessagingTest, PresenceLastSeenSubscribeAndKeys) {
  auto alice = login("alice");
  login("bob").reset();
  auto p = presence_once_offline(*alice, "bob");
  ASSERT_TRUE(p) << "bob still online";
  EXPECT_EQ((*p)["id"], "q1");
  auto offline_since = (*p)["last_seen"].as_int64();
  EXPECT_GT(offline_since, 0);

  alice->send_json({{"op", "subscribe"}, {"id", "q2"}, {"users", bj::array{"bob"}}});
  ASSERT_TRUE(alice->recv_op("ok"));
  auto bob = login("bob");
  auto online = alice->recv_op("presence");
  ASSERT_TRUE(online);
  EXPECT_EQ((*online)["user"], "bob");
  EXPECT_EQ((*online)["online"], true);
  std::this_thread::sleep_for(milliseconds{20});
  bob->send_json({{"op", "ping"}, {"id", "p"}});
  ASSERT_TRUE(bob->recv_op("pong"));
  bob.reset();
  auto offline = alice->recv_op("presence");
  ASSERT_TRUE(offline);
  EXPECT_EQ((*offline)["online"], false);
  EXPECT_GT((*offline)["last_seen"].as_int64(), offline_since);

  alice->send_json({{"op", "key"}, {"id", "q3"}, {"user", "bob"}});
  auto key = alice->recv_op("ok");
  ASSERT_TRUE(key);
  EXPECT_EQ((*key)["key"], keys_of("bob").public_b64().c_str());

  alice->send_json({{"op", "presence"}, {"id", "q4"}, {"user", "ghost"}});
  auto err = alice->recv_op("error");
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)["code"], "unknown_user");
  EXPECT_EQ((*err)["message"], "ghost");
}

TEST_F(MessagingTest, BadInputGetsErrorsAndTheConnectionStays) {
  auto alice = login("alice");
  alice->send_text("{not json");
  auto e1 = alice->recv_op("error");
  ASSERT_TRUE(e1);
  EXPECT_EQ((*e1)["code"], "bad_request");
  alice->send_json({{"op", "teleport"}, {"id", "t1"}});
  auto e2 = alice->recv_op("error");
  ASSERT_TRUE(e2);
  EXPECT_EQ((*e2)["id"], "t1");
  EXPECT_EQ((*e2)["code"], "bad_request");
  alice->send_json({{"op", "send"}, {"id", "s1"}, {"to", "Not Valid"}, {"body", "x"}});
  EXPECT_EQ((*alice->recv_op("error"))["code"], "bad_request");
  alice->send_json({{"op", "send"}, {"id", "s2"}, {"to", "alice"}, {"body", "x"},
                    {"meta", bj::object{{"pad", std::string(5000, 'x')}}}});
  auto e3 = alice->recv_op("error");
  ASSERT_TRUE(e3);
  EXPECT_EQ((*e3)["code"], "too_large");
  // An id is 1..64 characters: an empty one is refused, and nothing is sent.
  alice->send_json({{"op", "send"}, {"id", ""}, {"to", "alice"}, {"body", "x"}});
  EXPECT_EQ((*alice->recv_op("error"))["code"], "bad_request");
  alice->send_json({{"op", "presence"}, {"id", ""}, {"user", "alice"}});
  EXPECT_EQ((*alice->recv_op("error"))["code"], "bad_request");
  alice->send_json({{"op", "hello"}, {"id", "h2"}, {"user", "alice"}, {"token", "t"}});
  auto e4 = alice->recv_op("error");
  ASSERT_TRUE(e4);
  EXPECT_EQ((*e4)["id"], "h2");
  EXPECT_EQ((*e4)["code"], "bad_request");
  alice->send_json({{"op", "ping"}, {"id", "still-here"}});
  EXPECT_TRUE(alice->recv_op("pong"));
}

TEST_F(MessagingTest, OversizedFrameClosesWith1009) {
  auto alice = login("alice");
  alice->send_text(std::string(129 * 1024, ' '));
  EXPECT_EQ(alice->wait_closed(), 1009);
}

TEST_F(MessagingTest, BinaryFrameCloses) {
  auto alice = login("alice");
  alice->send_binary("\x01\x02");
  EXPECT_EQ(alice->wait_closed(), 1003);
  // Nobody else is affected.
  auto bob = login("bob");
  bob->send_json({{"op", "ping"}, {"id", "p"}});
  EXPECT_TRUE(bob->recv_op("pong"));
}

TEST_F(MessagingTest, PingAnswersWithServerTime) {
  auto alice = login("alice");
  alice->send_json({{"op", "ping"}, {"id", "p1"}});
  auto pong = alice->recv_op("pong");
  ASSERT_TRUE(pong);
  EXPECT_EQ((*pong)["id"], "p1");
  EXPECT_GT((*pong)["ts"].as_int64(), 0);
}

} // namespace
} // namespace parley::testing
