#pragma once

// Three real parley-node processes on loopback joined in a mesh, with one cluster
// secret, and helpers to place users the way the nodes do and to log them in anywhere.

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "runtime/hash_ring.hpp"
#include "tests/integration/message_checks.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_test_client.hpp"

namespace parley::testing {

class ClusterTest : public ::testing::Test {
protected:
  static constexpr int node_count = 3;

  void SetUp() override {
    {
      std::ofstream secret{dir / "secret"};
      secret << "a cluster secret of at least thirty-two bytes, for tests";
    }
    for (int i = 0; i < node_count; ++i) {
      auto id = "n" + std::to_string(i + 1);
      std::vector<std::string> flags{"--secret-file=" + (dir / "secret").string()};
      for (auto& f : extra_flags())
        flags.push_back(f);
      if (i > 0)
        flags.push_back("--join=" + nodes[0]->cluster_address());
      nodes.push_back(std::make_unique<node_process>(
        node_process::options{id, dir / id, flags, /*keep_ports=*/true}));
    }
    // Restarts may find any node first: every node seeds from all the others.
    for (int i = 0; i < node_count; ++i) {
      std::vector<std::string> flags{"--secret-file=" + (dir / "secret").string(),
                                     "--join=" + join_list_without(i)};
      for (auto& f : extra_flags())
        flags.push_back(f);
      nodes[i]->set_extra_flags(flags);
    }
    wait_for_up(node_count);
  }

  /// Flags every node gets besides ids, ports, secret and seeds.
  virtual std::vector<std::string> extra_flags() const { return {}; }

  void TearDown() override {
    if (HasFailure())
      for (auto& n : nodes)
        if (n)
          std::cerr << "---- log of a node ----\n" << n->log() << "\n";
  }

  std::string join_list_without(int skip) const {
    std::string out;
    for (int i = 0; i < node_count; ++i)
      if (i != skip)
        out += (out.empty() ? "" : ",") + nodes[i]->cluster_address();
    return out;
  }

  /// Index of node "nK".
  static int index_of(const std::string& id) { return std::stoi(id.substr(1)) - 1; }

  /// The nodes holding `user` while the nodes `up` are alive (default: all), primary first.
  std::vector<std::string> owners_of(const std::string& user,
                                     std::vector<std::string> up = {}) const {
    if (up.empty())
      for (int i = 0; i < node_count; ++i)
        up.push_back("n" + std::to_string(i + 1));
    hash_ring ring;
    for (const auto& n : up)
      ring.add(n);
    return ring.preference(user, 2);
  }

  /// A user name (prefix + number) whose primary is node `primary`.
  std::string user_with_primary(const std::string& prefix, const std::string& primary) const {
    for (int i = 0;; ++i) {
      auto user = prefix + std::to_string(i);
      if (owners_of(user).front() == primary)
        return user;
    }
  }

  /// Waits until node `i` reports `count` nodes up in /v1/cluster.
  bool node_sees_up(int i, int count, std::chrono::seconds timeout = std::chrono::seconds{15}) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto res = http_call(nodes[i]->admin_port(), "GET", "/v1/cluster");
      if (res.status == 200) {
        int up = 0;
        auto view = boost::json::parse(res.body);
        for (const auto& n : view.at("nodes").as_array())
          up += n.at("status") == "up" ? 1 : 0;
        if (up == count)
          return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    return false;
  }

  void wait_for_up(int count) {
    for (int i = 0; i < node_count; ++i) {
      if (nodes[i] && nodes[i]->running()) {
        ASSERT_TRUE(node_sees_up(i, count)) << "node n" << i + 1 << " does not see " << count;
      }
    }
  }

  const key_pair& keys_of(const std::string& user) {
    auto i = keys.find(user);
    if (i == keys.end())
      i = keys.emplace(user, key_pair::generate()).first;
    return i->second;
  }

  std::unique_ptr<ws_test_client> login(int node, const std::string& user) {
    auto c = std::make_unique<ws_test_client>(nodes[node]->client_port());
    auto welcome = c->login(user, keys_of(user));
    EXPECT_EQ(welcome["op"], "welcome") << boost::json::serialize(welcome);
    return c;
  }

  temp_dir dir;
  std::vector<std::unique_ptr<node_process>> nodes;
  std::map<std::string, key_pair> keys;
};

} // namespace parley::testing
