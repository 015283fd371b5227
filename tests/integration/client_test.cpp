// parley::client against a real node: login, acks and receipts in order, offline
// delivery, and surviving a SIGKILLed node with nothing lost or doubled.

#include <condition_variable>
#include <csignal>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "net/client.hpp"
#include "tests/integration/client_fixture.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// -- messaging through the library ----------------------------------------------------------

TEST_F(ClientTest, SenderSeesAckThenDeliveredThenRead) {
  auto [alice, a] = start_online("alice");
  auto [bob, b] = start_online("bob");
  auto id = alice->send("bob", "hi bob", R"({"kind":"text"})");
  ASSERT_TRUE(b->wait_for("msg "));
  auto m = b->messages().front();
  EXPECT_EQ(m.id, id);
  EXPECT_EQ(m.from, "alice");
  EXPECT_EQ(m.to, "bob");
  EXPECT_EQ(m.body, "hi bob");
  EXPECT_EQ(m.meta, R"({"kind":"text"})");
  EXPECT_TRUE(m.group.empty());

  bob->mark_delivered(m.from, m.id);
  ASSERT_TRUE(a->wait_for("delivered "));
  bob->mark_read(m.from, m.id);
  ASSERT_TRUE(a->wait_for("read "));
  EXPECT_EQ(a->lines(), (std::vector<std::string>{"connected", "ack " + id, "delivered " + id,
                                                  "read " + id}));
  EXPECT_EQ(alice->unacked(), 0u);
}

TEST_F(ClientTest, OfflineRecipientGetsMessagesWhenItStarts) {
  start_online("bob");
  clients.clear();  // bob is known to the node, and offline
  auto [alice, a] = start_online("alice");
  std::vector<std::string> sent;
  for (int i = 0; i < 3; ++i)
    sent.push_back(alice->send("bob", "while you were out " + std::to_string(i)));
  ASSERT_TRUE(a->wait_for("ack ", 3));

  auto [bob, b] = start("bob");
  ASSERT_TRUE(b->wait_for("msg ", 3));
  EXPECT_EQ(b->lines("msg "), msg_lines(sent));
  for (const auto& id : sent)
    bob->mark_delivered("alice", id);
  ASSERT_TRUE(a->wait_for("delivered ", 3));
}

TEST_F(ClientTest, NodeKillLosesAndDoublesNothing) {
  auto [alice, a] = start_online("alice");
  auto [bob, b] = start_online("bob");
  std::vector<std::string> sent;
  for (int i = 0; i < 3; ++i)
    sent.push_back(alice->send("bob", "before " + std::to_string(i)));
  ASSERT_TRUE(a->wait_for("ack ", 3));
  // Bob has them but confirms nothing: the node pushes them again after the restart,
  // and the client must not show them twice.
  ASSERT_TRUE(b->wait_for("msg ", 3));

  node->kill9();
  ASSERT_TRUE(a->wait_for("disconnected "));
  ASSERT_TRUE(b->wait_for("disconnected "));
  for (int i = 0; i < 2; ++i)
    sent.push_back(alice->send("bob", "while down " + std::to_string(i)));
  EXPECT_EQ(alice->unacked(), 2u);
  // Down long enough for a few refused attempts, so reconnecting means backing off.
  std::this_thread::sleep_for(milliseconds{700});

  node->restart();  // new ports: the clients learn them like a moved deployment
  alice->set_servers({node->client_url()});
  bob->set_servers({node->client_url()});
  ASSERT_TRUE(a->wait_for("ack ", 5, seconds{15}));
  ASSERT_TRUE(b->wait_for("msg ", 5));
  std::this_thread::sleep_for(milliseconds{300});  // room for a wrongly repeated message
  EXPECT_EQ(b->lines("msg "), msg_lines(sent));
  EXPECT_EQ(a->lines("connected").size(), 2u);
  EXPECT_EQ(alice->unacked(), 0u);
}

TEST_F(ClientTest, SubscriptionIsRenewedAfterReconnect) {
  auto [alice, a] = start_online("alice");
  auto [bob, b] = start_online("bob");
  std::promise<std::optional<client_error>> subscribed;
  alice->subscribe({"bob"}, [&](const std::optional<client_error>& e) { subscribed.set_value(e); });
  auto outcome = subscribed.get_future();
  ASSERT_EQ(outcome.wait_for(seconds{5}), std::future_status::ready);
  ASSERT_FALSE(outcome.get().has_value());

  node->kill9();
  ASSERT_TRUE(a->wait_for("disconnected "));
  node->restart();
  alice->set_servers({node->client_url()});
  bob->set_servers({node->client_url()});
  ASSERT_TRUE(a->wait_for("connected", 2));
  ASSERT_TRUE(b->wait_for("connected", 2));
  // The node's directory takes one session's requests in order: once this presence
  // is answered, the subscription renewed at login is in place.
  std::promise<void> answered;
  alice->presence("bob", [&](const reply<presence_info>&) { answered.set_value(); });
  ASSERT_EQ(answered.get_future().wait_for(seconds{5}), std::future_status::ready);

  bob->stop();
  EXPECT_TRUE(a->wait_for("presence bob offline"));
}

TEST_F(ClientTest, RunsOnTheCallersIoContext) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::promise<void> finished;
  std::thread runner{[&] {
    io.run();
    finished.set_value();
  }};
  {
    recorder r;  // outlives the client
    client_options opts;
    opts.user = "carol";
    opts.keys = identity_keys::generate();
    opts.servers = {node->client_url()};
    client carol{std::move(opts), io};
    r.attach(carol);
    ASSERT_FALSE(carol.start().has_value());
    carol.send("carol", "a note to self");  // allowed: docs/protocol.md
    EXPECT_TRUE(r.wait_for("ack "));
    EXPECT_TRUE(r.wait_for("msg "));
    carol.stop();
  }
  // Without the guard, run() returns once the client has closed its connection.
  work.reset();
  auto done = finished.get_future();
  bool ended = done.wait_for(seconds{5}) == std::future_status::ready;
  if (!ended)
    io.stop();
  runner.join();
  EXPECT_TRUE(ended) << "the client left work on the caller's io_context after stop()";
}

TEST_F(ClientTest, RefusedTokenFallsBackToKey) {
  auto [alice, a] = start_online("alice");
  // A node with other data has another token secret: the token from the first node is
  // refused there, and the key registers alice anew.
  node->kill9();
  ASSERT_TRUE(a->wait_for("disconnected "));
  node_process other{{"n2", dir / "n2", {}}};
  alice->set_servers({other.client_url()});
  ASSERT_TRUE(a->wait_for("connected", 2));
  EXPECT_TRUE(a->lines("error ").empty());
  EXPECT_NE(other.log().find("user_registered user=alice"), std::string::npos);
  alice->stop();
}

TEST_F(ClientTest, SilentNodeIsGivenUpWithinThreeHeartbeats) {
  auto fast = [](client_options& o) {
    o.heartbeat = milliseconds{200};
    o.login_timeout = milliseconds{1000};
  };
  auto [alice, a] = start_online("alice", fast);
  // Idle but alive: the node answers the pings, so five heartbeats pass quietly.
  std::this_thread::sleep_for(milliseconds{1000});
  ASSERT_TRUE(a->lines("disconnected ").empty());
  // A stopped process keeps its sockets open and answers nothing, like a hung host.
  ::kill(node->pid(), SIGSTOP);
  struct resume_node {
    pid_t pid;
    ~resume_node() { ::kill(pid, SIGCONT); }
  } resume{node->pid()};
  ASSERT_TRUE(a->wait_for("disconnected ", 1, seconds{3}));
  EXPECT_EQ(a->lines("disconnected ").front(), "disconnected the server stopped answering");
  ::kill(node->pid(), SIGCONT);
  EXPECT_TRUE(a->wait_for("connected", 2));
}

TEST_F(ClientTest, ReplacedSessionStopsReconnecting) {
  auto [first, r1] = start_online("alice");
  start_online("alice");
  ASSERT_TRUE(r1->wait_for("disconnected "));
  EXPECT_EQ(r1->lines("disconnected "), std::vector<std::string>{"disconnected replaced"});
  std::this_thread::sleep_for(milliseconds{800});  // longer than any first backoff
  EXPECT_EQ(r1->lines("connected").size(), 1u);
  EXPECT_FALSE(first->online());
}

TEST_F(ClientTest, ForeignKeyIsRefusedForGood) {
  start_online("alice");
  clients.clear();
  keys["alice"] = identity_keys::generate();  // not the key the node registered
  auto [impostor, r] = start("alice");
  ASSERT_TRUE(r->wait_for("disconnected "));
  EXPECT_EQ(r->lines(),
            (std::vector<std::string>{"error auth_failed ", "disconnected auth_failed"}));
  EXPECT_FALSE(impostor->online());
}

TEST_F(ClientTest, PresenceAndKeyAnswerThroughCallbacks) {
  auto [alice, a] = start_online("alice");
  start_online("bob");
  // Answers come on the client's thread; each lands in its own slot.
  std::mutex m;
  std::condition_variable cv;
  std::optional<reply<presence_info>> bob_presence, nobody_presence;
  std::optional<reply<key_info>> bob_key;
  auto keep = [&](auto& slot) {
    return [&](const auto& answer) {
      std::lock_guard<std::mutex> guard{m};
      slot = answer;
      cv.notify_all();
    };
  };
  alice->presence("bob", keep(bob_presence));
  alice->presence("nobody", keep(nobody_presence));
  alice->key("bob", keep(bob_key));
  std::unique_lock<std::mutex> lock{m};
  ASSERT_TRUE(cv.wait_for(lock, seconds{5},
                          [&] { return bob_presence && nobody_presence && bob_key; }));
  auto* online = std::get_if<presence_info>(&*bob_presence);
  ASSERT_TRUE(online);
  EXPECT_EQ(online->user, "bob");
  EXPECT_TRUE(online->online);
  auto* unknown = std::get_if<client_error>(&*nobody_presence);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->code, "unknown_user");
  auto* key = std::get_if<key_info>(&*bob_key);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->public_key, keys.at("bob").public_key);
}

TEST_F(ClientTest, SendThatCannotSucceedIsRefusedLocally) {
  auto [alice, a] = start_online("alice");
  auto bad_meta = alice->send("bob", "x", "[1,2]");
  auto bad_user = alice->send("Not A User", "x");
  auto too_big = alice->send("bob", std::string(70 * 1024, 'x'));
  ASSERT_TRUE(a->wait_for("error ", 3));
  EXPECT_EQ(a->lines("error "),
            (std::vector<std::string>{"error bad_request " + bad_meta,
                                      "error bad_request " + bad_user,
                                      "error too_large " + too_big}));
  EXPECT_EQ(alice->unacked(), 0u);
}

} // namespace
} // namespace parley::testing
