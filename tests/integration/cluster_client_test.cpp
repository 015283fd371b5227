// parley::client in a 3-node cluster: when the node a client is connected to is
// SIGKILLed, it reconnects to another node of its last `welcome`, and nothing acked is
// lost, doubled or reordered.

#include <algorithm>
#include <future>
#include <memory>

#include "net/client.hpp"
#include "tests/integration/client_recorder.hpp"
#include "tests/integration/cluster_fixture.hpp"
#include "tests/integration/plaintext_checks.hpp"

namespace parley::testing {
namespace {

using std::chrono::seconds;

class ClusterClientTest : public ClusterTest {
protected:
  void TearDown() override {
    clients.clear();  // stopped before their nodes go
    ClusterTest::TearDown();
  }

  /// A started client of `user` that knows only node `node` until its first welcome.
  std::pair<client*, recorder*> start_on(int node, const std::string& user) {
    client_options opts;
    opts.user = user;
    opts.keys = identity_keys::generate();
    opts.servers = {nodes[node]->client_url()};
    opts.backoff.initial = std::chrono::milliseconds{50};
    auto entry = std::make_unique<running_client>();
    entry->c = std::make_unique<client>(std::move(opts));
    entry->r.attach(*entry->c);
    EXPECT_FALSE(entry->c->start().has_value());
    EXPECT_TRUE(entry->r.wait_for("connected")) << user;
    auto result = std::make_pair(entry->c.get(), &entry->r);
    clients.push_back(std::move(entry));
    return result;
  }

  struct running_client {
    recorder r;
    std::unique_ptr<client> c;
  };
  std::vector<std::unique_ptr<running_client>> clients;
};

TEST_F(ClusterClientTest, ClientsOfAKilledNodeCarryOnElsewhere) {
  // bob's session and his mailbox's primary are on n2, the node that dies.
  auto bob_name = user_with_primary("bob", "n2");
  auto [alice, a] = start_on(0, "alice");
  auto [bob, b] = start_on(1, bob_name);
  std::vector<std::string> sent;
  for (int i = 0; i < 20; ++i)
    sent.push_back(alice->send(bob_name, "before " + std::to_string(i)));
  ASSERT_TRUE(a->wait_for("ack ", 20));
  ASSERT_TRUE(b->wait_for("msg ", 20));

  nodes[1]->kill9();
  ASSERT_TRUE(b->wait_for("disconnected "));
  for (int i = 0; i < 20; ++i)
    sent.push_back(alice->send(bob_name, "after " + std::to_string(i)));
  // bob never confirmed: the new primary pushes the first twenty again, and the client
  // drops the repeats.
  ASSERT_TRUE(b->wait_for("connected", 2, seconds{10}));
  ASSERT_TRUE(a->wait_for("ack ", 40, seconds{15}));
  ASSERT_TRUE(b->wait_for("msg ", 40, seconds{10}));
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  // Every send acked once, and bob gets them in ack order (PROTOCOL.md 4). That can
  // differ from the order of sending: a send that meets the dead node before alice's
  // node has seen it go may be answered `unavailable`, and the client resends it after
  // later ones.
  std::vector<std::string> acked;
  for (const auto& line : a->lines("ack "))
    acked.push_back(line.substr(4));
  auto sorted = [](std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  EXPECT_EQ(sorted(acked), sorted(sent));
  ASSERT_GE(acked.size(), 20u);  // the first twenty were acked before the kill, in order
  EXPECT_EQ(std::vector<std::string>(acked.begin(), acked.begin() + 20),
            std::vector<std::string>(sent.begin(), sent.begin() + 20));
  EXPECT_EQ(b->lines("msg "), msg_lines(acked));
  EXPECT_EQ(alice->unacked(), 0u);
  EXPECT_EQ(a->lines("disconnected").size(), 0u);  // alice's node stayed up
}

// What waits for offline users is spread over the nodes (mailbox copies, the group's
// record, media owners): no node's data dir holds a body or a file in clear.
TEST_F(ClusterClientTest, NoNodeStoresPlaintextOfMessagesGroupsOrFiles) {
  start_on(1, "bob");
  start_on(2, "carol");
  clients.clear();  // both registered and offline: everything waits on disk
  auto [alice, a] = start_on(0, "alice");

  std::promise<reply<group_info>> created;
  alice->group_create("plans", {"bob", "carol"},
                      [&](const reply<group_info>& r) { created.set_value(r); });
  auto future = created.get_future();
  ASSERT_EQ(future.wait_for(seconds{10}), std::future_status::ready);
  auto answer = future.get();
  ASSERT_TRUE(std::holds_alternative<group_info>(answer));
  auto gid = std::get<group_info>(answer).group;

  auto direct = canary("direct");
  auto grouped = canary("group");
  std::string file;
  for (int i = 0; i < 100; ++i)
    file += canary("file");
  std::vector<std::string> ids{alice->send("bob", direct), alice->send_group(gid, grouped),
                               alice->send_file("carol", file, "image/png", "cat.png")};
  for (const auto& id : ids)
    ASSERT_TRUE(a->wait_for("ack " + id, 1, seconds{15})) << id;

  int nodes_with_ids = 0;
  for (int i = 0; i < node_count; ++i) {
    auto data = dir / ("n" + std::to_string(i + 1));
    EXPECT_EQ(files_holding(data, direct), 0) << "n" << i + 1 << " stores a body in clear";
    EXPECT_EQ(files_holding(data, grouped), 0) << "n" << i + 1 << " stores a group body in clear";
    EXPECT_EQ(files_holding(data, file.substr(0, 40)), 0) << "n" << i + 1 << " stores a file in clear";
    nodes_with_ids += files_holding(data, ids[0]) > 0 ? 1 : 0;
  }
  // The messages are there, as ciphertext, on both of bob's nodes.
  EXPECT_EQ(nodes_with_ids, 2);
}

} // namespace
} // namespace parley::testing
