#pragma once

// One real parley-node per test, and helpers to log users in over real WebSockets.

#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/message_checks.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_test_client.hpp"

namespace parley::testing {

class NodeTest : public ::testing::Test {
protected:
  void SetUp() override {
    node = std::make_unique<node_process>(
      node_process::options{"n1", dir / "n1", {"--enable-fault-injection"}});
  }

  void TearDown() override {
    if (HasFailure() && node)
      std::cerr << "---- node log ----\n" << node->log() << "---- node stdout ----\n"
                << node->output() << "------------------\n";
  }

  /// The same user keeps the same key pair for the whole test.
  const key_pair& keys_of(const std::string& user) {
    auto i = keys.find(user);
    if (i == keys.end())
      i = keys.emplace(user, key_pair::generate()).first;
    return i->second;
  }

  /// A logged-in connection; fails the test if the welcome does not come.
  std::unique_ptr<ws_test_client> login(const std::string& user) {
    auto c = std::make_unique<ws_test_client>(node->client_port());
    auto welcome = c->login(user, keys_of(user));
    EXPECT_EQ(welcome["op"], "welcome") << boost::json::serialize(welcome);
    tokens[user] = std::string{welcome["token"].as_string()};
    return c;
  }

  temp_dir dir;
  std::unique_ptr<node_process> node;
  std::map<std::string, key_pair> keys;
  std::map<std::string, std::string> tokens;
};

} // namespace parley::testing
