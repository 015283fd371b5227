// REST calls (PROTOCOL.md section 5) and the admin port (section 6).

#include <future>

#include "tests/integration/node_fixture.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

class RestTest : public NodeTest {
protected:
  http_result call(const std::string& method, const std::string& target,
                   const std::string& user, const bj::object& body = {}) {
    return http_call(node->client_port(), method, target,
                     body.empty() ? std::string{} : bj::serialize(body), tokens[user]);
  }
};

TEST_F(RestTest, SendIsAckedAndArrivesOnTheWebSocket) {
  login("alice").reset();
  auto bob = login("bob");
  auto res = call("POST", "/v1/messages", "alice",
                  {{"id", "r1"}, {"to", "bob"}, {"body", "via rest"}, {"meta", bj::object{}}});
  ASSERT_EQ(res.status, 200) << res.body;
  auto answer = bj::parse(res.body).as_object();
  EXPECT_EQ(answer["id"], "r1");
  EXPECT_EQ(answer["status"], "sent");
  auto msg = bob->recv_op("msg");
  ASSERT_TRUE(msg);
  EXPECT_EQ((*msg)["from"], "alice");
  EXPECT_EQ((*msg)["body"], "via rest");
  EXPECT_EQ((*msg)["ts"], answer["ts"]);
}

TEST_F(RestTest, LongPollWaitsForTheNextMessage) {
  login("alice").reset();
  login("bob").reset();
  auto started = std::chrono::steady_clock::now();
  auto poll = std::async(std::launch::async, [&] { return call("GET", "/v1/inbox?wait=10", "bob"); });
  std::this_thread::sleep_for(milliseconds{300});
  ASSERT_EQ(call("POST", "/v1/messages", "alice", {{"id", "p1"}, {"to", "bob"}, {"body", "hi"}}).status,
            200);
  auto res = poll.get();
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(res.status, 200) << res.body;
  auto items = bj::parse(res.body).as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object()["op"], "msg");
  EXPECT_EQ(items[0].as_object()["id"], "p1");
  EXPECT_LT(waited, std::chrono::seconds{5});
  // Not confirmed yet: it is still waiting. Confirm it and it is gone.
  EXPECT_EQ(bj::parse(call("GET", "/v1/inbox", "bob").body).as_array().size(), 1u);
  EXPECT_EQ(call("POST", "/v1/receipts", "bob", {{"from", "alice"}, {"id", "p1"}, {"status", "read"}})
              .status,
            204);
  EXPECT_EQ(bj::parse(call("GET", "/v1/inbox", "bob").body).as_array().size(), 0u);
  // alice polls her receipts: delivered, then read, handed over once. A poll answers as
  // soon as anything waits, so the second may come with the next poll.
  bj::array receipts;
  for (int polls = 0; polls < 3 && receipts.size() < 2; ++polls) {
    auto polled = bj::parse(call("GET", "/v1/inbox?wait=5", "alice").body);
    for (auto& r : polled.as_array())
      receipts.push_back(r);
  }
  ASSERT_EQ(receipts.size(), 2u);
  EXPECT_EQ(receipts[0].as_object()["op"], "receipt");
  EXPECT_EQ(receipts[0].as_object()["status"], "delivered");
  EXPECT_EQ(receipts[1].as_object()["status"], "read");
  EXPECT_EQ(bj::parse(call("GET", "/v1/inbox", "alice").body).as_array().size(), 0u);
}

// HEAD changes nothing: on the inbox, whose GET hands receipts over once, it is refused,
// and the receipt waiting there still comes with the next GET.
TEST_F(RestTest, HeadOnTheInboxIsRefusedAndHandsNothingOver) {
  login("alice").reset();
  login("bob").reset();
  ASSERT_EQ(call("POST", "/v1/messages", "alice", {{"id", "h1"}, {"to", "bob"}, {"body", "hi"}}).status,
            200);
  ASSERT_EQ(call("POST", "/v1/receipts", "bob", {{"from", "alice"}, {"id", "h1"}, {"status", "delivered"}})
              .status,
            204);
  EXPECT_EQ(call("HEAD", "/v1/inbox", "alice").status, 400);
  auto items = bj::parse(call("GET", "/v1/inbox?wait=5", "alice").body).as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object()["op"], "receipt");
}

TEST_F(RestTest, EmptyLongPollReturnsAnEmptyArrayAfterTheWait) {
  login("bob").reset();
  auto started = std::chrono::steady_clock::now();
  auto res = call("GET", "/v1/inbox?wait=1", "bob");
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "[]");
  EXPECT_GE(waited, milliseconds{900});
  EXPECT_LT(waited, milliseconds{3000});
}

TEST_F(RestTest, KeyAndPresence) {
  login("alice").reset();
  auto key = call("GET", "/v1/users/alice/key", "alice");
  ASSERT_EQ(key.status, 200);
  EXPECT_EQ(bj::parse(key.body).as_object()["key"], keys_of("alice").public_b64().c_str());
  auto presence = call("GET", "/v1/presence/alice", "alice");
  ASSERT_EQ(presence.status, 200);
  auto p = bj::parse(presence.body).as_object();
  EXPECT_EQ(p["online"], false);
  EXPECT_GT(p["last_seen"].as_int64(), 0);
  EXPECT_EQ(call("GET", "/v1/presence/ghost", "alice").status, 404);
  EXPECT_EQ(call("GET", "/v1/users/ghost/key", "alice").status, 404);
}

TEST_F(RestTest, BadRequestsGetProtocolErrors) {
  login("alice").reset();
  auto bad_json = http_call(node->client_port(), "POST", "/v1/messages", "{oops", tokens["alice"]);
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bj::parse(bad_json.body).as_object()["error"], "bad_request");
  auto unknown = call("POST", "/v1/messages", "alice", {{"id", "u"}, {"to", "ghost"}, {"body", "x"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(bj::parse(unknown.body).as_object()["error"], "unknown_user");
  auto big = call("POST", "/v1/messages", "alice",
                  {{"id", "b"}, {"to", "alice"}, {"body", std::string(70 * 1024, 'x')}});
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(call("GET", "/v1/inbox?wait=soon", "alice").status, 400);
  EXPECT_EQ(call("POST", "/v1/receipts", "alice", {{"from", "bob"}, {"id", "x"}, {"status", "seen"}}).status,
            400);
  // The scheme's name is case-insensitive.
  EXPECT_EQ(http_call(node->client_port(), "GET", "/v1/presence/alice", {},
                      "bearer " + tokens["alice"]).status,
            200);
  auto nowhere = http_call(node->client_port(), "GET", "/v1/nothing-here");
  EXPECT_EQ(nowhere.status, 404);
  EXPECT_EQ(bj::parse(nowhere.body).as_object()["error"], "not_found");
  // Ids are 1..64 characters: an empty one is no id.
  auto no_id = call("POST", "/v1/messages", "alice", {{"id", ""}, {"to", "alice"}, {"body", "x"}});
  EXPECT_EQ(no_id.status, 400);
  EXPECT_EQ(bj::parse(no_id.body).as_object()["error"], "bad_request");
  EXPECT_EQ(call("POST", "/v1/receipts", "alice", {{"from", "alice"}, {"id", ""}, {"status", "read"}}).status,
            400);
}

TEST_F(RestTest, AdminPortServesHealthMetricsClusterAndConsole) {
  auto health = http_call(node->admin_port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  auto checked = http_call(node->admin_port(), "HEAD", "/healthz");  // health checkers do
  EXPECT_EQ(checked.status, 200);
  EXPECT_EQ(checked.content_length, "3");
  auto alice = login("alice");
  alice->send_json(send_frame("m", "alice", "note to self"));
  ASSERT_TRUE(alice->recv_op("ack"));
  auto metrics = http_call(node->admin_port(), "GET", "/metrics").body;
  for (auto name : {"parley_sessions 1", "parley_messages_acked_total 1",
                    "parley_messages_delivered_total", "parley_mailbox_depth",
                    "parley_ack_latency_seconds_bucket{le=", "parley_actor_restarts_total",
                    "parley_cluster_nodes 1"})
    EXPECT_NE(metrics.find(name), std::string::npos) << name;
  auto cluster = bj::parse(http_call(node->admin_port(), "GET", "/v1/cluster").body).as_object();
  EXPECT_EQ(cluster["self"], "n1");
  auto n = cluster["nodes"].as_array()[0].as_object();
  EXPECT_EQ(n["status"], "up");
  EXPECT_EQ(n["sessions"], 1);
  EXPECT_EQ(n["client"], ("127.0.0.1:" + std::to_string(node->client_port())).c_str());
  auto console = http_call(node->admin_port(), "GET", "/");
  EXPECT_EQ(console.status, 200);
  EXPECT_NE(console.content_type.find("text/html"), std::string::npos);
}

} // namespace
} // namespace parley::testing
