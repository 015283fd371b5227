// Authentication over a real socket (PROTOCOL.md section 2).

#include "runtime/base64.hpp"
#include "tests/integration/node_fixture.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;

class LoginTest : public NodeTest {};

TEST_F(LoginTest, WelcomeCarriesTokenNodeAndNodeList) {
  ws_test_client c{node->client_port()};
  auto welcome = c.login("alice", keys_of("alice"));
  ASSERT_EQ(welcome["op"], "welcome");
  EXPECT_EQ(welcome["user"], "alice");
  EXPECT_EQ(welcome["node"], "n1");
  EXPECT_FALSE(welcome["token"].as_string().empty());
  EXPECT_GT(welcome["server_time"].as_int64(), 1'600'000'000'000);
  ASSERT_EQ(welcome["nodes"].as_array().size(), 1u);
  EXPECT_EQ(welcome["nodes"].as_array()[0], node->client_url().c_str());
}

TEST_F(LoginTest, KnownUserWithAnotherKeyIsRejected) {
  login("alice");
  ws_test_client impostor{node->client_port()};
  auto reply = impostor.login("alice", key_pair::generate());
  EXPECT_EQ(reply["op"], "error");
  EXPECT_EQ(reply["code"], "auth_failed");
  EXPECT_TRUE(impostor.wait_closed());
}

TEST_F(LoginTest, BadSignatureIsRejected) {
  ws_test_client c{node->client_port()};
  auto challenge = c.recv_op("challenge");
  ASSERT_TRUE(challenge);
  auto& keys = keys_of("alice");
  // Signed for another nonce: a reused or foreign nonce.
  c.send_json({{"op", "hello"},
               {"user", "alice"},
               {"key", keys.public_b64()},
               {"sig", keys.sign_login("AAAA", "alice")}});
  auto reply = c.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["code"], "auth_failed");
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(LoginTest, AnyFrameBeforeHelloIsRejectedAndCloses) {
  ws_test_client c{node->client_port()};
  ASSERT_TRUE(c.recv_op("challenge"));
  c.send_json({{"op", "ping"}, {"id", "p1"}});
  auto reply = c.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["code"], "auth_failed");
  EXPECT_EQ(c.wait_closed(), 1008);
}

TEST_F(LoginTest, TokenLoginWorksAndForgedTokensDoNot) {
  login("alice");
  ws_test_client again{node->client_port()};
  auto welcome = again.login_with_token("alice", tokens["alice"]);
  EXPECT_EQ(welcome["op"], "welcome");

  ws_test_client other{node->client_port()};
  auto reply = other.login_with_token("bob", tokens["alice"]);  // alice's token for bob
  EXPECT_EQ(reply["code"], "auth_failed");

  auto forged = tokens["alice"];
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  ws_test_client third{node->client_port()};
  EXPECT_EQ(third.login_with_token("alice", forged)["code"], "auth_failed");

  // A bad signature is refused even beside a valid token.
  ws_test_client fourth{node->client_port()};
  ASSERT_TRUE(fourth.recv_op("challenge"));
  fourth.send_json({{"op", "hello"}, {"user", "alice"}, {"token", tokens["alice"]},
                    {"key", base64_encode(std::string(32, '\1'))},
                    {"sig", base64_encode(std::string(64, '\0'))}});
  auto refused = fourth.recv();
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["code"], "auth_failed");
}

TEST_F(LoginTest, NewLoginReplacesTheOldSession) {
  auto first = login("alice");
  auto second = login("alice");
  auto err = first->recv_op("error");
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)["code"], "replaced");
  EXPECT_TRUE(first->wait_closed());
  second->send_json({{"op", "ping"}, {"id", "p"}});
  EXPECT_TRUE(second->recv_op("pong"));
}

TEST_F(LoginTest, RestTokenFlowRegistersAndAuthorizes) {
  auto challenge = http_call(node->client_port(), "POST", "/v1/auth/challenge");
  ASSERT_EQ(challenge.status, 200);
  std::string nonce{bj::parse(challenge.body).as_object()["nonce"].as_string()};
  auto& keys = keys_of("carol");
  auto body = bj::serialize(bj::object{{"user", "carol"},
                                       {"key", keys.public_b64()},
                                       {"sig", keys.sign_login(nonce, "carol")},
                                       {"nonce", nonce}});
  auto token = http_call(node->client_port(), "POST", "/v1/auth/token", body);
  ASSERT_EQ(token.status, 200) << token.body;
  std::string t{bj::parse(token.body).as_object()["token"].as_string()};
  // The nonce is single-use.
  EXPECT_EQ(http_call(node->client_port(), "POST", "/v1/auth/token", body).status, 401);
  // The token opens REST calls; none opens them without it.
  EXPECT_EQ(http_call(node->client_port(), "GET", "/v1/users/carol/key", {}, t).status, 200);
  EXPECT_EQ(http_call(node->client_port(), "GET", "/v1/users/carol/key").status, 401);
  EXPECT_EQ(http_call(node->client_port(), "GET", "/v1/users/carol/key", {}, "v1.x.1.y").status,
            401);
  // And the WebSocket takes it as well.
  ws_test_client c{node->client_port()};
  EXPECT_EQ(c.login_with_token("carol", t)["op"], "welcome");
}

TEST_F(LoginTest, BadFlagsExitWithCodeTwoAndOneLine) {
  for (auto args : std::vector<std::vector<std::string>>{
         {"--data=" + (dir / "x").string()},
         {"--id=n1", "--data=" + (dir / "x").string(), "--sync=maybe"},
         {"--id=n1", "--data=/proc/parley-cannot-create"},
         {"--id=n1", "--data=" + (dir / "y").string(), "--client=127.0.0.1:" +
                                                         std::to_string(node->client_port())},
       }) {
    auto [code, err] = run_node_once(args, std::chrono::seconds{10});
    EXPECT_EQ(code, 2) << err;
    EXPECT_NE(err.find("parley-node: "), std::string::npos) << err;
  }
  // The running node's data dir is not usable by a second node.
  auto [code, err] = run_node_once({"--id=n2", "--data=" + (dir / "n1").string()},
                                   std::chrono::seconds{10});
  EXPECT_EQ(code, 2) << err;
  EXPECT_NE(err.find("in use by another running node"), std::string::npos) << err;
}

} // namespace
} // namespace parley::testing
