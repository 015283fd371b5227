// A client that stops answering is closed, so its user does not stay online for good
// (--client-idle-timeout; docs/protocol.md "Silent clients").

#include "runtime/clock.hpp"
#include "tests/integration/node_fixture.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class IdleClientTest : public NodeTest {
protected:
  void SetUp() override {
    node = std::make_unique<node_process>(
      node_process::options{"n1", dir / "n1", {"--client-idle-timeout=2"}});
  }

  /// bob online, and alice subscribed to his presence.
  void alice_watches_bob() {
    bob = login("bob");
    alice = login("alice");
    alice->send_json({{"op", "subscribe"}, {"id", "s1"}, {"users", bj::array{"bob"}}});
    ASSERT_TRUE(alice->recv_op("ok"));
  }

  /// The first presence push about bob saying he is offline, skipping others.
  std::optional<bj::object> bob_told_offline(std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    for (;;) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline
                                                          - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return std::nullopt;
      auto p = alice->recv_op("presence", left);
      if (!p || ((*p)["user"] == "bob" && (*p)["online"] == false))
        return p;
    }
  }

  std::unique_ptr<ws_test_client> alice;
  std::unique_ptr<ws_test_client> bob;
};

} // namespace

// bob's process is frozen: his TCP connection stays up, but nothing he sends or reads
// moves, so the server's ping goes unanswered.
TEST_F(IdleClientTest, AFrozenClientIsClosedAndItsUserGoesOffline) {
  ASSERT_NO_FATAL_FAILURE(alice_watches_bob());
  ASSERT_TRUE(bob_told_offline(seconds{6})) << "bob still online after three idle timeouts";
  // What the server sent bob while he was frozen: a ping, then a close (1001).
  EXPECT_EQ(bob->wait_closed(seconds{1}), std::optional<uint16_t>{1001});
}

// bob and alice only read (as clients waiting for messages do), answering pings: they
// send no frame of their own for twice the timeout and stay online.
TEST_F(IdleClientTest, AClientThatAnswersPingsStaysOnline) {
  ASSERT_NO_FATAL_FAILURE(alice_watches_bob());
  // Both read in turns for twice the timeout, as their apps would while idle.
  for (int i = 0; i < 8; ++i) {
    EXPECT_FALSE(bob->recv(milliseconds{250})) << "nothing was sent to bob";
    EXPECT_FALSE(bob_told_offline(milliseconds{250}));
  }
  EXPECT_FALSE(bob->closed());
  alice->send_json({{"op", "presence"}, {"id", "q1"}, {"user", "bob"}});
  auto p = alice->recv_op("ok");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)["online"], true);
  alice->send_json(send_frame("m1", "bob", "still there?"));
  ASSERT_TRUE(alice->recv_op("ack"));
  auto msg = bob->recv_op("msg");
  ASSERT_TRUE(msg);
  EXPECT_EQ((*msg)["body"], "still there?");
}

// A pong answers the server's ping on its own: the app runs, but its user did nothing,
// so last_seen stays at bob's last frame of his own.
TEST_F(IdleClientTest, PongsToTheServersPingsDoNotMoveLastSeen) {
  ASSERT_NO_FATAL_FAILURE(alice_watches_bob());
  auto after_login = now_ms();
  // Pinged after a second of silence; bob's and alice's reads answer the pings.
  for (int i = 0; i < 8; ++i) {
    EXPECT_FALSE(bob->recv(milliseconds{200}));
    EXPECT_FALSE(bob_told_offline(milliseconds{200}));
  }
  bob.reset();
  auto offline = bob_told_offline(seconds{2});
  ASSERT_TRUE(offline);
  EXPECT_LT((*offline)["last_seen"].as_int64(), after_login)
    << "last_seen moved " << (*offline)["last_seen"].as_int64() - after_login
    << " ms past bob's last frame";
}

} // namespace parley::testing
