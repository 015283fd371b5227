// Nothing acknowledged is lost: node restarts (SIGTERM and SIGKILL) and a crashed mailbox
// actor restarted by its supervisor (PROTOCOL.md section 4).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/integration/node_fixture.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

class DurabilityTest : public NodeTest {
protected:
  int crash(const std::string& actor) {
    auto body = bj::serialize(bj::object{{"kind", "crash_actor"}, {"actor", actor}});
    return http_call(node->admin_port(), "POST", "/v1/admin/fault", body).status;
  }

  double metric(const std::string& name) {
    auto text = http_call(node->admin_port(), "GET", "/metrics").body;
    auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
  }
};

// A test process that crashes runs no destructor: the nodes it started must not live on
// (they get SIGKILL from the kernel when it dies).
TEST(NodeProcessTest, ANodeDoesNotOutliveATestProcessThatDied) {
  temp_dir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    node_process node{node_process::options{"n1", dir / "n1", {}}};
    pid_t pid = node.pid();
    if (write(fds[1], &pid, sizeof pid) != sizeof pid)
      _exit(1);
    _exit(0);  // as a crash would: no destructor runs
  }
  close(fds[1]);
  pid_t node_pid = 0;
  auto got = read(fds[0], &node_pid, sizeof node_pid);
  close(fds[0]);
  waitpid(child, nullptr, 0);
  ASSERT_EQ(got, static_cast<ssize_t>(sizeof node_pid));
  // Gone, or a zombie left for init to reap: not running.
  auto running = [node_pid] {
    std::ifstream stat{"/proc/" + std::to_string(node_pid) + "/stat"};
    std::string text;
    std::getline(stat, text);
    auto end = text.rfind(')');
    return end != std::string::npos && end + 2 < text.size() && text[end + 2] != 'Z';
  };
  for (int i = 0; i < 100 && running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  EXPECT_FALSE(running());
  if (running())
    kill(node_pid, SIGKILL);
}

TEST_F(DurabilityTest, SigtermStopsCleanlyAndKeepsEverything) {
  auto alice = login("alice");
  login("bob").reset();
  auto acked = send_acked(*alice, "bob", 50, "t");
  alice.reset();
  EXPECT_EQ(node->terminate(std::chrono::seconds{5}), 0);
  node->restart();
  auto bob = login("bob");  // same key: the user record survived too
  expect_messages(*bob, acked);
}

TEST_F(DurabilityTest, SigkillAfterAckLosesNothing) {
  auto alice = login("alice");
  login("bob").reset();
  auto acked = send_acked(*alice, "bob", 500, "k");
  ASSERT_EQ(acked.size(), 500u);
  node->kill9();
  node->restart();
  auto bob = login("bob");
  expect_messages(*bob, acked);
}

TEST_F(DurabilityTest, SigkillUnderTrafficLosesNoAckedMessage) {
  auto alice = login("alice");
  login("bob").reset();
  for (int i = 0; i < 2000; ++i)
    alice->send_json(send_frame("f" + std::to_string(i), "bob", "x"));
  std::vector<std::string> acked;
  // Kill after a few hundred acks, with the rest still in flight.
  while (acked.size() < 300) {
    auto ack = alice->recv_op("ack");
    ASSERT_TRUE(ack);
    acked.emplace_back((*ack)["id"].as_string());
  }
  node->kill9();
  while (auto ack = alice->recv_op("ack", milliseconds{200}))
    acked.emplace_back((*ack)["id"].as_string());
  node->restart();
  auto bob = login("bob");
  // Every acked message arrives, in order; unacked ones may have made it too.
  size_t next = 0;
  while (auto msg = bob->recv_op("msg", milliseconds{500})) {
    if (next < acked.size() && (*msg)["id"] == acked[next].c_str())
      ++next;
  }
  EXPECT_EQ(next, acked.size()) << "first acked message missing: " << acked[next];
}

TEST_F(DurabilityTest, LastSeenAndKeysSurviveRestart) {
  login("bob").reset();
  node->kill9();
  node->restart();
  auto alice = login("alice");
  alice->send_json({{"op", "presence"}, {"id", "q"}, {"user", "bob"}});
  auto p = alice->recv_op("ok");
  ASSERT_TRUE(p);
  EXPECT_GT((*p)["last_seen"].as_int64(), 0);
  ws_test_client impostor{node->client_port()};
  EXPECT_EQ(impostor.login("bob", key_pair::generate())["code"], "auth_failed");
}

TEST_F(DurabilityTest, CrashedMailboxIsRestartedBySupervisorWithoutLoss) {
  auto alice = login("alice");
  login("bob").reset();
  auto before = send_acked(*alice, "bob", 20, "c");
  EXPECT_EQ(crash("mailbox:bob"), 200);
  auto after = send_acked(*alice, "bob", 20, "d");
  before.insert(before.end(), after.begin(), after.end());
  auto bob = login("bob");
  expect_messages(*bob, before);
  EXPECT_GE(metric("parley_actor_restarts_total"), 1);
}

TEST_F(DurabilityTest, OnlineUserKeepsReceivingAfterItsMailboxCrashes) {
  auto alice = login("alice");
  auto bob = login("bob");
  alice->send_json(send_frame("x1", "bob", "before"));
  ASSERT_TRUE(alice->recv_op("ack"));
  ASSERT_TRUE(bob->recv_op("msg"));
  EXPECT_EQ(crash("mailbox:bob"), 200);
  // The restarted mailbox reloads x1 (never confirmed) and the session re-attaches.
  auto again = bob->recv_op("msg");
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)["id"], "x1");
  alice->send_json(send_frame("x2", "bob", "after"));
  ASSERT_TRUE(alice->recv_op("ack"));
  auto next = bob->recv_op("msg");
  ASSERT_TRUE(next);
  EXPECT_EQ((*next)["id"], "x2");
}

TEST_F(DurabilityTest, FaultInjectionNeedsItsFlagAndAKnownActor) {
  EXPECT_EQ(crash("mailbox:nobody-running"), 404);
  EXPECT_EQ(http_call(node->admin_port(), "POST", "/v1/admin/fault", "{}").status, 400);
  node->kill9();
  node = std::make_unique<node_process>(node_process::options{"n1", dir / "n1", {}});
  EXPECT_EQ(crash("store"), 404);
}

} // namespace
} // namespace parley::testing
