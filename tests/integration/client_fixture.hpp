#pragma once

// One real parley-node and parley::client instances on it, each with a recorder; a user
// keeps its key pair and its pinned peer keys across client restarts in one test.

#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/client.hpp"
#include "tests/integration/client_recorder.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley::testing {

class ClientTest : public ::testing::Test {
protected:
  void SetUp() override {
    node = std::make_unique<node_process>(node_process::options{"n1", dir / "n1", {}});
  }

  void TearDown() override {
    clients.clear();  // stopped before their node goes
    if (HasFailure() && node)
      std::cerr << "---- node log ----\n" << node->log() << "------------------\n";
  }

  /// A started client for `user` with its recorder; the same user keeps its key pair.
  std::pair<client*, recorder*> start(const std::string& user,
                                      const std::function<void(client_options&)>& tweak = {}) {
    if (keys.count(user) == 0)
      keys.emplace(user, identity_keys::generate());
    client_options opts;
    opts.user = user;
    opts.keys = keys.at(user);
    auto& store = pins[user];
    if (!store)
      store = std::make_shared<memory_key_store>();
    opts.pinned_keys = store;  // a user's pins outlive its client, as on a device
    opts.servers = {node->client_url()};
    if (tweak)
      tweak(opts);
    auto entry = std::make_unique<running_client>();
    entry->c = std::make_unique<client>(std::move(opts));
    entry->r.attach(*entry->c);
    EXPECT_FALSE(entry->c->start().has_value());
    auto result = std::make_pair(entry->c.get(), &entry->r);
    clients.push_back(std::move(entry));
    return result;
  }

  /// Starts `user` and waits for its welcome.
  std::pair<client*, recorder*> start_online(
    const std::string& user, const std::function<void(client_options&)>& tweak = {}) {
    auto [c, r] = start(user, tweak);
    EXPECT_TRUE(r->wait_for("connected")) << user << " never connected";
    return {c, r};
  }

  struct running_client {
    recorder r;  // outlives the client, whose callbacks write into it
    std::unique_ptr<client> c;
  };

  temp_dir dir;
  std::unique_ptr<node_process> node;
  std::map<std::string, identity_keys> keys;
  std::map<std::string, std::shared_ptr<memory_key_store>> pins;
  std::vector<std::unique_ptr<running_client>> clients;
};

} // namespace parley::testing
