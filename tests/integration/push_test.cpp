// Offline push (PROTOCOL.md sections 1 and 4): a real node with --push-webhook pointing at
// a real local HTTP receiver.

#include <cstdlib>

#include "runtime/clock.hpp"
#include "tests/integration/node_fixture.hpp"
#include "tests/support/http_receiver.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// A CA, and a certificate for 127.0.0.1 signed by it, made with the openssl tool.
void make_gateway_certs(const std::filesystem::path& dir) {
  auto cmd = "cd '" + dir.string() + "' && "
             "openssl ecparam -name prime256v1 -genkey -noout -out ca.key && "
             "openssl req -x509 -new -key ca.key -sha256 -days 2 -subj /CN=push-test-ca "
             "-addext basicConstraints=critical,CA:TRUE "
             "-addext keyUsage=critical,keyCertSign -out ca.pem && "
             "openssl ecparam -name prime256v1 -genkey -noout -out gateway.key && "
             "openssl req -new -key gateway.key -subj /CN=127.0.0.1 -out gateway.csr && "
             "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' "
             "> gateway.ext && "
             "openssl x509 -req -in gateway.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-days 2 -sha256 -extfile gateway.ext -out gateway.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

class PushTest : public NodeTest {
protected:
  void SetUp() override {}  // each test starts its node with the receiver it needs

  void start_node(const std::string& webhook) {
    node = std::make_unique<node_process>(
      node_process::options{"n1", dir / "n1", {"--push-webhook=" + webhook}});
  }

  /// Logs `user` in once (registering the key), then leaves; returns once the node
  /// shows the user offline.
  void register_offline(const std::string& user) {
    login(user).reset();
    auto probe = login("probe");
    auto deadline = steady::now() + 5s;
    while (steady::now() < deadline) {
      probe->send_json({{"op", "presence"}, {"id", "p"}, {"user", user}});
      auto ok = probe->recv_op("ok");
      if (ok && !(*ok)["online"].as_bool())
        break;
      std::this_thread::sleep_for(20ms);
    }
    // The mailbox hears of the session's end in the same moment as the directory.
    std::this_thread::sleep_for(100ms);
  }

  double metric(const std::string& name) {
    auto text = http_call(node->admin_port(), "GET", "/metrics").body;
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no metric " << name;
      return -1;
    }
    return std::stod(text.substr(at + name.size() + 2));
  }

  /// The metric once it reached `value` (the receiver records a request before the
  /// node has read its answer), or its value after `timeout`.
  double metric_reaching(const std::string& name, double value,
                         std::chrono::milliseconds timeout = 5s) {
    auto deadline = steady::now() + timeout;
    auto v = metric(name);
    while (v < value && steady::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      v = metric(name);
    }
    return v;
  }

  /// Sends one message and returns the time its ack took.
  steady::duration send_timed(ws_test_client& from, const std::string& id,
                              const std::string& to) {
    auto t0 = steady::now();
    from.send_json(send_frame(id, to, "body of " + id));
    auto ack = from.recv_op("ack");
    EXPECT_TRUE(ack) << id;
    return steady::now() - t0;
  }
};

TEST_F(PushTest, AnOfflineUserGetsAPostWithTheRightFieldsAndNoBody) {
  http_receiver receiver;
  start_node(receiver.url());
  register_offline("bob");
  auto alice = login("alice");
  auto before = static_cast<int64_t>(now_ms());
  alice->send_json({{"op", "send"}, {"id", "m1"}, {"to", "bob"},
                    {"body", "the secret body"}, {"meta", bj::object{{"k", "secret meta"}}}});
  ASSERT_TRUE(alice->recv_op("ack"));
  auto got = receiver.wait_for(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/push");
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].body.find("secret"), std::string::npos) << got[0].body;
  auto notice = bj::parse(got[0].body).as_object();
  EXPECT_EQ(notice.size(), 5u) << got[0].body;
  EXPECT_EQ(notice["user"], "bob");
  EXPECT_EQ(notice["from"], "alice");
  EXPECT_TRUE(notice["group"].is_null());
  EXPECT_EQ(notice["waiting"], 1);
  EXPECT_GE(notice["ts"].as_int64(), before);
  EXPECT_LE(notice["ts"].as_int64(), static_cast<int64_t>(now_ms()));
  EXPECT_EQ(metric_reaching("parley_push_sent_total", 1), 1);
}

TEST_F(PushTest, AGroupMessageNamesItsGroupInTheNotice) {
  http_receiver receiver;
  start_node(receiver.url());
  register_offline("bob");
  auto alice = login("alice");
  alice->send_json({{"op", "group_create"}, {"id", "c1"}, {"name", "trip"},
                    {"members", bj::array{"bob"}}});
  auto created = alice->recv_op("ok");
  ASSERT_TRUE(created);
  std::string gid{(*created)["group"].as_string()};
  alice->send_json({{"op", "send"}, {"id", "g1"}, {"group", gid}, {"body", "the secret plan"}});
  ASSERT_TRUE(alice->recv_op("ack"));
  auto got = receiver.wait_for(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body.find("secret"), std::string::npos) << got[0].body;
  auto notice = bj::parse(got[0].body).as_object();
  EXPECT_EQ(notice["user"], "bob");
  EXPECT_EQ(notice["from"], "alice");
  EXPECT_EQ(notice["group"], gid.c_str());
  // The sender is online and gets no copy of a group message: nothing for alice.
  EXPECT_EQ(receiver.wait_for(2, 500ms).size(), 1u);
}

TEST_F(PushTest, SeveralMessagesWithinTenSecondsGiveOnePostAndTheNextOneIsCurrent) {
  http_receiver receiver;
  start_node(receiver.url());
  register_offline("bob");
  auto alice = login("alice");
  auto acked = send_acked(*alice, "bob", 5, "m");
  ASSERT_EQ(acked.size(), 5u);
  auto first = receiver.wait_for(1, 5s);
  ASSERT_EQ(first.size(), 1u);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(metric("parley_push_sent_total"), 1);
  EXPECT_EQ(metric("parley_push_rate_limited_total"), 4);
  // Once ten seconds have passed since that POST, the next message is announced again,
  // with everything that is waiting by then.
  std::this_thread::sleep_until(first[0].at + 10s + 200ms);
  alice->send_json(send_frame("m5", "bob", "later"));
  ASSERT_TRUE(alice->recv_op("ack"));
  auto both = receiver.wait_for(2, 5s);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(bj::parse(both[1].body).as_object()["waiting"], 6);
  // The gateway kept the connection alive: the second POST reused it.
  EXPECT_EQ(receiver.connections(), 1u);
}

TEST_F(PushTest, AGatewayAnswering500IsTriedAgain) {
  http_receiver receiver;
  receiver.script({500});
  start_node(receiver.url());
  register_offline("bob");
  auto alice = login("alice");
  ASSERT_EQ(send_acked(*alice, "bob", 1, "m").size(), 1u);
  auto got = receiver.wait_for(2, 15s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, got[1].body);  // the same notice, nothing new arrived
  // One POST per user per 10 s, retries included.
  EXPECT_GE(got[1].at - got[0].at, 10s);
  EXPECT_EQ(metric_reaching("parley_push_sent_total", 1), 1);
  EXPECT_EQ(metric("parley_push_retries_total"), 1);
  EXPECT_EQ(metric("parley_push_failed_total"), 0);
}

TEST_F(PushTest, OnlineUsersAndReceiptsAreNotPushed) {
  http_receiver receiver;
  start_node(receiver.url());
  auto alice = login("alice");
  auto bob = login("bob");
  ASSERT_EQ(send_acked(*alice, "bob", 1, "m").size(), 1u);
  ASSERT_TRUE(bob->recv_op("msg"));
  alice.reset();
  register_offline("alice");
  // Both receipts wait in alice's mailbox while she is offline: receipts are not pushed.
  bob->send_json({{"op", "read"}, {"from", "alice"}, {"id", "m0"}});
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(receiver.requests().empty());
  auto back = login("alice");
  EXPECT_TRUE(back->recv_op("receipt"));
  EXPECT_EQ(metric("parley_push_sent_total"), 0);
}

TEST_F(PushTest, AHungGatewayDoesNotDelayAcks) {
  http_receiver receiver{http_receiver::mode::silent};
  start_node(receiver.url());
  std::vector<std::string> users{"u1", "u2", "u3", "u4", "u5", "u6"};
  for (const auto& user : users)
    register_offline(user);
  auto alice = login("alice");
  // Every POST now waits for its 5 s deadline; the messages must not.
  steady::duration slowest{0};
  for (int i = 0; i < 60; ++i)
    slowest = std::max(slowest, send_timed(*alice, "m" + std::to_string(i),
                                           users[i % users.size()]));
  EXPECT_LT(slowest, 1s);
  EXPECT_GE(receiver.wait_for(4, 5s).size(), 4u);  // the POSTs did go out, and hang
  EXPECT_EQ(metric("parley_messages_acked_total"), 60);
}

// Giving up after five attempts (10 + 20 + 40 + 80 s apart) is shown on fake time in
// PushNotifierTest; here a refused connection is counted and a retry scheduled.
TEST_F(PushTest, AGatewayThatIsDownIsCountedAndTriedAgainLater) {
  uint16_t closed_port = 0;
  {
    http_receiver gone;  // a port nobody listens on any more: connection refused
    closed_port = gone.port();
  }
  start_node("http://127.0.0.1:" + std::to_string(closed_port) + "/push");
  register_offline("bob");
  auto alice = login("alice");
  EXPECT_LT(send_timed(*alice, "m1", "bob"), 1s);
  EXPECT_EQ(metric_reaching("parley_push_retries_total", 1, 5s), 1);
  EXPECT_EQ(metric("parley_push_failed_total"), 0);  // not given up yet
  EXPECT_EQ(metric("parley_push_sent_total"), 0);
  EXPECT_NE(node->log().find("event=push_gateway_failing"), std::string::npos);
}

TEST_F(PushTest, AnHttpsGatewayWithATrustedCertificateGetsThePost) {
  make_gateway_certs(dir.path());
  http_receiver receiver{http_receiver::mode::answer,
                         http_receiver::tls_files{(dir / "gateway.pem").string(),
                                                  (dir / "gateway.key").string()}};
  // OpenSSL's default trust store comes from SSL_CERT_FILE when set: the node started
  // now trusts our CA, as an operator's node trusts the system's.
  ::setenv("SSL_CERT_FILE", (dir / "ca.pem").c_str(), 1);
  start_node(receiver.url());
  ::unsetenv("SSL_CERT_FILE");
  register_offline("bob");
  auto alice = login("alice");
  ASSERT_EQ(send_acked(*alice, "bob", 1, "m").size(), 1u);
  auto got = receiver.wait_for(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(bj::parse(got[0].body).as_object()["user"], "bob");
}

TEST_F(PushTest, AnHttpsGatewayWithAnUntrustedCertificateGetsNothing) {
  make_gateway_certs(dir.path());
  http_receiver receiver{http_receiver::mode::answer,
                         http_receiver::tls_files{(dir / "gateway.pem").string(),
                                                  (dir / "gateway.key").string()}};
  start_node(receiver.url());
  register_offline("bob");
  auto alice = login("alice");
  ASSERT_EQ(send_acked(*alice, "bob", 1, "m").size(), 1u);
  std::this_thread::sleep_for(1500ms);  // the first attempt and its retry
  EXPECT_TRUE(receiver.requests().empty());
  EXPECT_GE(receiver.connections(), 1u);
  EXPECT_NE(node->log().find("event=push_gateway_failing detail=tls"), std::string::npos);
}

TEST(PushFlagTest, AWebhookUrlWithoutHostIsRefusedWithExitCode2) {
  temp_dir dir;
  auto [code, err] = run_node_once({"--id=n1", "--data=" + (dir / "n1").string(),
                                    "--push-webhook=http:///push"},
                                   10s);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--push-webhook"), std::string::npos) << err;
}

} // namespace
} // namespace parley::testing
