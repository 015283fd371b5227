// A 3-node cluster of real processes: messages across nodes, and nothing acked lost when
// a node is SIGKILLed, loses its data dir, or the whole cluster restarts (PROTOCOL.md 4).

#include <filesystem>
#include <set>

#include "tests/integration/cluster_fixture.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

TEST_F(ClusterTest, EveryNodeListsTheWholeMeshAndWelcomeNamesAllNodes) {
  auto res = http_call(nodes[1]->admin_port(), "GET", "/v1/cluster");
  auto view = bj::parse(res.body).as_object();
  EXPECT_EQ(view["self"], "n2");
  EXPECT_EQ(view["nodes"].as_array().size(), 3u);
  ws_test_client c{nodes[2]->client_port()};
  auto welcome = c.login("alice", keys_of("alice"));
  ASSERT_EQ(welcome["op"], "welcome");
  EXPECT_EQ(welcome["node"], "n3");
  std::set<std::string> urls;
  for (const auto& u : welcome["nodes"].as_array())
    urls.insert(std::string{u.as_string()});
  for (auto& n : nodes)
    EXPECT_TRUE(urls.count(n->client_url())) << n->client_url();
  // Every node's view shows where the sessions are, within a few heartbeats.
  auto n3_sessions_seen_by_n1 = [&] {
    auto v = bj::parse(http_call(nodes[0]->admin_port(), "GET", "/v1/cluster").body);
    for (const auto& n : v.at("nodes").as_array())
      if (n.at("id") == "n3")
        return n.at("sessions").as_int64();
    return int64_t{-1};
  };
  for (int i = 0; i < 60 && n3_sessions_seen_by_n1() != 1; ++i)
    std::this_thread::sleep_for(milliseconds{50});
  EXPECT_EQ(n3_sessions_seen_by_n1(), 1);
  auto metrics = http_call(nodes[0]->admin_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("\nparley_cluster_nodes 3"), std::string::npos);
}

// alice and bob on different nodes, with bob's mailbox on the third one.
TEST_F(ClusterTest, MessagesAndReceiptsCrossNodes) {
  auto bob_name = user_with_primary("bob", "n3");
  auto alice = login(0, "alice");
  auto bob = login(1, bob_name);
  alice->send_json(send_frame("m1", bob_name, "hello across"));
  auto ack = alice->recv_op("ack");
  ASSERT_TRUE(ack);
  auto msg = bob->recv_op("msg");
  ASSERT_TRUE(msg);
  EXPECT_EQ((*msg)["from"], "alice");
  EXPECT_EQ((*msg)["body"], "hello across");
  EXPECT_EQ((*msg)["ts"], (*ack)["ts"]);
  bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", "m1"}});
  auto delivered = alice->recv_op("receipt");
  ASSERT_TRUE(delivered);
  EXPECT_EQ((*delivered)["status"], "delivered");
  EXPECT_EQ((*delivered)["to"], bob_name.c_str());
  bob->send_json({{"op", "read"}, {"from", "alice"}, {"id", "m1"}});
  auto read = alice->recv_op("receipt");
  ASSERT_TRUE(read);
  EXPECT_EQ((*read)["status"], "read");
  // Presence and keys are answered by bob's node of record, wherever asked.
  alice->send_json({{"op", "presence"}, {"id", "p"}, {"user", bob_name}});
  auto p = alice->recv_op("ok");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)["online"], true);
  alice->send_json({{"op", "key"}, {"id", "k"}, {"user", bob_name}});
  auto k = alice->recv_op("ok");
  ASSERT_TRUE(k);
  EXPECT_EQ((*k)["key"], keys_of(bob_name).public_b64().c_str());
}

TEST_F(ClusterTest, KilledPrimaryOfAnOfflineMailboxLosesNothing) {
  auto bob_name = user_with_primary("bob", "n3");
  auto replica = owners_of(bob_name)[1];
  int sender_node = replica == "n1" ? 1 : 0;  // neither primary nor replica: the third node
  login(sender_node, bob_name).reset();
  auto alice = login(sender_node, "alice");
  auto acked = send_acked(*alice, bob_name, 200, "k");
  ASSERT_EQ(acked.size(), 200u);
  nodes[2]->kill9();
  // bob comes back on the replica, which serves his mailbox now.
  auto bob = login(index_of(replica), bob_name);
  expect_messages(*bob, acked);
}

TEST_F(ClusterTest, SessionsOnAKilledNodeReconnectAndEveryAckedMessageArrives) {
  auto bob_name = user_with_primary("bob", "n2");
  auto alice = login(0, "alice");
  auto bob = login(1, bob_name);  // bob's session and mailbox on the node that dies
  for (int i = 0; i < 600; ++i)
    alice->send_json(send_frame("f" + std::to_string(i), bob_name, "x"));
  std::vector<std::string> acked;
  std::vector<std::string> received;
  while (received.size() < 150) {
    auto msg = bob->recv_op("msg");
    ASSERT_TRUE(msg);
    received.emplace_back((*msg)["id"].as_string());
  }
  nodes[1]->kill9();
  // bob's client reconnects to another node of its welcome list.
  bob = login(2, bob_name);
  while (auto ack = alice->recv_op("ack", milliseconds{4000}))
    acked.emplace_back((*ack)["id"].as_string());
  // The sends that got no answer are resent with the same ids, as the client library does.
  std::set<std::string> acked_set{acked.begin(), acked.end()};
  for (int i = 0; i < 600; ++i)
    if (!acked_set.count("f" + std::to_string(i)))
      alice->send_json(send_frame("f" + std::to_string(i), bob_name, "x"));
  while (auto ack = alice->recv_op("ack", milliseconds{4000}))
    acked.emplace_back((*ack)["id"].as_string());
  while (auto msg = bob->recv_op("msg", milliseconds{1500}))
    received.emplace_back((*msg)["id"].as_string());
  std::set<std::string> got{received.begin(), received.end()};
  size_t missing = 0;
  for (const auto& id : acked)
    missing += got.count(id) ? 0 : 1;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acked";
  // After the resend every message is acked: the cluster serves bob again.
  EXPECT_EQ(std::set<std::string>(acked.begin(), acked.end()).size(), 600u);
}

TEST_F(ClusterTest, NodeThatLostItsDataDirIsRebuiltAndTheNextFailureLosesNothing) {
  auto bob_name = user_with_primary("bob", "n1");
  auto replica = index_of(owners_of(bob_name)[1]);
  int third = 3 - replica;  // the node that is neither n1 nor the replica
  login(third, bob_name).reset();
  auto alice = login(third, "alice");
  auto acked = send_acked(*alice, bob_name, 100, "d");
  ASSERT_EQ(acked.size(), 100u);
  // The replica loses its disk: stopped, data dir deleted, started empty.
  ASSERT_EQ(nodes[replica]->terminate(), 0);
  std::filesystem::remove_all(dir / ("n" + std::to_string(replica + 1)));
  nodes[replica]->restart();
  wait_for_up(3);
  // The primary copies bob's mailbox to the rebuilt replica once the mesh settles.
  auto log_has_copy = [&] {
    auto log = nodes[0]->log();
    return log.rfind("event=handoff_done") != std::string::npos &&
           log.find("copied=", log.rfind("event=handoff_done")) != std::string::npos &&
           log.find("copied=0", log.rfind("event=handoff_done")) == std::string::npos;
  };
  for (int i = 0; i < 100 && !log_has_copy(); ++i)
    std::this_thread::sleep_for(milliseconds{50});
  ASSERT_TRUE(log_has_copy());
  const std::string copies = "\nparley_handoff_copies_total ";
  auto metrics = http_call(nodes[0]->admin_port(), "GET", "/metrics").body;
  auto at = metrics.find(copies);
  ASSERT_NE(at, std::string::npos);
  EXPECT_GT(std::stod(metrics.substr(at + copies.size())), 0);
  nodes[0]->kill9();
  auto bob = login(replica, bob_name);
  expect_messages(*bob, acked);
}

TEST_F(ClusterTest, WholeClusterRestartKeepsEverything) {
  auto bob_name = user_with_primary("bob", "n2");
  login(0, bob_name).reset();
  auto alice = login(0, "alice");
  auto acked = send_acked(*alice, bob_name, 50, "w");
  alice.reset();
  for (auto& n : nodes)
    ASSERT_EQ(n->terminate(), 0);
  for (auto& n : nodes)
    n->restart();
  wait_for_up(3);
  auto bob = login(2, bob_name);  // same key: the user record survived too
  expect_messages(*bob, acked);
}


// bob's primary is away while bob reads his messages elsewhere; when it comes back with
// its old copy, it catches up from the node that served meanwhile: what bob confirmed
// is not pushed again, and what arrived meanwhile is not missed.
TEST_F(ClusterTest, ReturningPrimaryCatchesUpBeforeServing) {
  auto bob_name = user_with_primary("bob", "n2");
  auto stand_in = index_of(owners_of(bob_name, {"n1", "n3"}).front());
  login(0, bob_name).reset();
  auto alice = login(0, "alice");
  auto early = send_acked(*alice, bob_name, 10, "e");
  ASSERT_EQ(nodes[1]->terminate(), 0);
  ASSERT_TRUE(node_sees_up(0, 2));
  {
    auto bob = login(stand_in, bob_name);
    expect_messages(*bob, early);
    for (const auto& id : early)
      bob->send_json({{"op", "delivered"}, {"from", "alice"}, {"id", id}});
    for (size_t i = 0; i < early.size(); ++i)
      ASSERT_TRUE(alice->recv_op("receipt")) << "receipt " << i;
  }
  auto late = send_acked(*alice, bob_name, 10, "l");  // bob offline, n2 still away
  nodes[1]->restart();
  wait_for_up(3);
  auto bob = login(2, bob_name);
  expect_messages(*bob, late);
}


int inject(node_process& node, const bj::object& fault, std::string* body = nullptr) {
  auto res = http_call(node.admin_port(), "POST", "/v1/admin/fault", bj::serialize(fault));
  if (body)
    *body = res.body;
  return res.status;
}

class ClusterFaultTest : public ClusterTest {
protected:
  std::vector<std::string> extra_flags() const override { return {"--enable-fault-injection"}; }
};

TEST_F(ClusterFaultTest, DroppedReplicaIsCopiedAgainBeforeTheNextFailure) {
  auto bob_name = user_with_primary("bob", "n1");
  auto replica = owners_of(bob_name)[1];
  login(1, bob_name).reset();
  auto alice = login(2, "alice");
  auto acked = send_acked(*alice, bob_name, 50, "r");
  std::string body;
  ASSERT_EQ(inject(*nodes[2], {{"kind", "drop_replica"}, {"user", bob_name}}, &body), 200);
  EXPECT_EQ(bj::parse(body).at("node"), replica.c_str());
  nodes[0]->kill9();
  auto bob = login(index_of(replica), bob_name);
  expect_messages(*bob, acked);
}

TEST_F(ClusterFaultTest, PartitionedPeerIsDownUntilThePartitionEnds) {
  ASSERT_EQ(inject(*nodes[0], {{"kind", "partition"}, {"peer", "n2"}, {"seconds", 2}}), 200);
  ASSERT_TRUE(node_sees_up(0, 2, std::chrono::seconds{1}));
  // Traffic between users placed on the other nodes goes on meanwhile.
  auto bob_name = user_with_primary("bob", "n3");
  auto bob = login(2, bob_name);
  auto alice = login(0, "alice");
  auto acked = send_acked(*alice, bob_name, 5, "p");
  ASSERT_EQ(acked.size(), 5u);
  ASSERT_TRUE(node_sees_up(0, 3, std::chrono::seconds{10}));
  EXPECT_EQ(inject(*nodes[0], {{"kind", "partition"}, {"peer", "n7"}, {"seconds", 2}}), 400);
  EXPECT_EQ(inject(*nodes[0], {{"kind", "partition"}, {"peer", "n2"}}), 400);
}

// Commits that wait (a slow disk) hold acks back; nothing is lost or reordered.
TEST_F(ClusterFaultTest, DelayedCommitsLoseNothing) {
  auto bob_name = user_with_primary("bob", "n1");
  login(0, bob_name).reset();
  auto alice = login(0, "alice");
  ASSERT_EQ(inject(*nodes[0], {{"kind", "delay"}, {"ms", 300}, {"seconds", 5}}), 200);
  auto acked = send_acked(*alice, bob_name, 20, "s");
  auto bob = login(1, bob_name);
  expect_messages(*bob, acked);
  EXPECT_EQ(inject(*nodes[0], {{"kind", "delay"}, {"ms", -1}, {"seconds", 5}}), 400);
  EXPECT_EQ(inject(*nodes[0], {{"kind", "melt"}}), 400);
}


// A subscription lives at the watched user's primary; when that node dies, the
// subscriber's session subscribes again at the new one by itself.
TEST_F(ClusterTest, PresenceSubscriptionFollowsTheWatchedUsersPrimary) {
  auto carol_name = user_with_primary("carol", "n2");
  login(0, carol_name).reset();
  auto alice = login(0, "alice");
  alice->send_json({{"op", "subscribe"}, {"id", "s1"}, {"users", bj::array{carol_name.c_str()}}});
  ASSERT_TRUE(alice->recv_op("ok"));
  nodes[1]->kill9();
  ASSERT_TRUE(node_sees_up(0, 2));
  // The renewal is a message of its own after the change: give it a moment.
  std::this_thread::sleep_for(milliseconds{300});
  auto carol = login(2, carol_name);
  std::optional<bj::object> p;
  while ((p = alice->recv_op("presence")) && (*p)["online"] != true) {
  }
  ASSERT_TRUE(p) << "no presence change after the failover";
  EXPECT_EQ((*p)["user"], carol_name.c_str());
}


// Subscribes `client` to the presence of `users`; true once it said ok.
bool subscribe(ws_test_client& client, const std::vector<std::string>& users) {
  bj::array list;
  for (const auto& u : users)
    list.push_back(bj::value(u));
  client.send_json({{"op", "subscribe"}, {"id", "s1"}, {"users", list}});
  return client.recv_op("ok").has_value();
}

// Users who registered while their primary was away are unknown to it when it comes
// back, until handoff has copied their records: the subscriber's session renews there
// and, refused at first, tries again. Every later change reaches the subscriber.
TEST_F(ClusterTest, PresenceSubscriptionsFollowUsersToTheirReturningPrimary) {
  ASSERT_EQ(nodes[2]->terminate(), 0);
  ASSERT_TRUE(node_sees_up(0, 2));
  std::vector<std::string> watched;
  for (auto prefix : {"wa", "wb", "wc", "wd"}) {
    watched.push_back(user_with_primary(prefix, "n3"));
    login(0, watched.back()).reset();
  }
  auto alice = login(0, "alice");
  ASSERT_TRUE(subscribe(*alice, watched));
  nodes[2]->restart();
  wait_for_up(3);
  // Renewals back off from 250 ms: a few seconds cover handoff's copies.
  std::this_thread::sleep_for(milliseconds{3000});
  for (const auto& u : watched) {
    auto c = login(1, u);
    std::optional<bj::object> p;
    while ((p = alice->recv_op("presence")) && ((*p)["user"] != u.c_str() || (*p)["online"] != true)) {
    }
    ASSERT_TRUE(p) << "no presence push for " << u << " after its primary came back";
  }
}

class ClusterPresenceTest : public ClusterTest {
protected:
  // Three users whose primary is n1, logged in at `node`; their sessions go to `sessions`.
  std::vector<std::string> users_of_n1_online_at(
    int node, std::vector<std::unique_ptr<ws_test_client>>& sessions) {
    std::vector<std::string> users;
    for (auto prefix : {"wa", "wb", "wc"}) {
      users.push_back(user_with_primary(prefix, "n1"));
      sessions.push_back(login(node, users.back()));
    }
    return users;
  }
};

// Watched users whose sessions and directory lived on a node that dies: no directory
// sees them go, but the subscriber's session renews at their new primaries, learns that
// they are offline there, and tells its client.
TEST_F(ClusterPresenceTest, WatchedUsersOfAKilledNodeAreToldOffline) {
  std::vector<std::unique_ptr<ws_test_client>> sessions;
  auto watched = users_of_n1_online_at(0, sessions);
  auto bob = login(1, "bob");
  ASSERT_TRUE(subscribe(*bob, watched));
  nodes[0]->kill9();
  std::set<std::string> offline;
  std::optional<bj::object> p;
  while (offline.size() < watched.size() && (p = bob->recv_op("presence")))
    if ((*p)["online"] == false)
      offline.insert(std::string{(*p)["user"].as_string()});
  EXPECT_EQ(offline, std::set<std::string>(watched.begin(), watched.end()));
}

// A watched user whose directory died but whose session lives on: the subscriber's
// renewal may reach the new directory before that session registers there, and must
// not tell its client that the user went offline. The user's real logout is told.
TEST_F(ClusterPresenceTest, AWatchedUserWhoseDirectoryDiedIsNotToldOffline) {
  std::vector<std::unique_ptr<ws_test_client>> sessions;
  auto watched = users_of_n1_online_at(1, sessions);
  auto carol = login(2, "carol");
  ASSERT_TRUE(subscribe(*carol, watched));
  nodes[0]->kill9();
  ASSERT_TRUE(node_sees_up(2, 2));
  auto told = carol->recv_op("presence", milliseconds{2500});
  EXPECT_FALSE(told) << "told " << bj::serialize(*told);
  sessions[0].reset();
  std::optional<bj::object> p;
  while ((p = carol->recv_op("presence")) && (*p)["user"] != watched[0].c_str()) {
  }
  ASSERT_TRUE(p) << "the logout of " << watched[0] << " was not told";
  EXPECT_EQ((*p)["online"], false);
}

// REST across nodes: a token from one node works on every node of the cluster, a send
// through one node lands in a mailbox on another, and a long poll on a third gets it.
TEST_F(ClusterTest, RestCallsWorkOnAnyNodeWithOneToken) {
  auto bob_name = user_with_primary("bob", "n3");
  auto token_of = [&](int node, const std::string& user) {
    ws_test_client c{nodes[node]->client_port()};
    auto welcome = c.login(user, keys_of(user));
    return std::string{welcome["token"].as_string()};
  };
  auto alice_token = token_of(0, "alice");
  auto bob_token = token_of(0, bob_name);
  auto body = bj::serialize(bj::object{{"id", "r1"}, {"to", bob_name}, {"body", "via rest"}});
  auto sent = http_call(nodes[1]->client_port(), "POST", "/v1/messages", body, alice_token);
  ASSERT_EQ(sent.status, 200) << sent.body;
  auto inbox = http_call(nodes[0]->client_port(), "GET", "/v1/inbox?wait=5", {}, bob_token);
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  auto items = bj::parse(inbox.body).as_array();
  ASSERT_EQ(items.size(), 1u) << inbox.body;
  EXPECT_EQ(items[0].at("id"), "r1");
  EXPECT_EQ(items[0].at("body"), "via rest");
  auto receipt = bj::serialize(bj::object{{"from", "alice"}, {"id", "r1"}, {"status", "delivered"}});
  EXPECT_EQ(http_call(nodes[2]->client_port(), "POST", "/v1/receipts", receipt, bob_token).status,
            204);
  auto back = http_call(nodes[2]->client_port(), "GET", "/v1/inbox?wait=5", {}, alice_token);
  ASSERT_EQ(back.status, 200);
  auto receipts = bj::parse(back.body).as_array();
  ASSERT_EQ(receipts.size(), 1u) << back.body;
  EXPECT_EQ(receipts[0].at("status"), "delivered");
  auto presence = http_call(nodes[1]->client_port(), "GET", "/v1/presence/" + bob_name, {},
                            alice_token);
  EXPECT_EQ(presence.status, 200) << presence.body;
}

} // namespace
} // namespace parley::testing
