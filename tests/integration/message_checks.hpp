#pragma once

// What a client checks of its messages: every send acked, every acked message received
// in order and exactly once. Shared by the single-node and the cluster tests.

#include <chrono>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/support/ws_test_client.hpp"

namespace parley::testing {

inline boost::json::object send_frame(const std::string& id, const std::string& to,
                                      const std::string& body) {
  return {{"op", "send"}, {"id", id}, {"to", to}, {"body", body}};
}

/// Sends `count` messages to `to` and returns their ids in ack order.
inline std::vector<std::string> send_acked(ws_test_client& from, const std::string& to,
                                           int count, const std::string& prefix) {
  for (int i = 0; i < count; ++i)
    from.send_json(send_frame(prefix + std::to_string(i), to, "body " + std::to_string(i)));
  std::vector<std::string> acked;
  for (int i = 0; i < count; ++i) {
    auto ack = from.recv_op("ack");
    EXPECT_TRUE(ack) << "ack " << i;
    if (!ack)
      break;
    acked.emplace_back((*ack)["id"].as_string());
  }
  return acked;
}

/// Receives exactly `expected`, in order, and nothing more.
inline void expect_messages(ws_test_client& c, const std::vector<std::string>& expected) {
  for (size_t i = 0; i < expected.size(); ++i) {
    auto msg = c.recv_op("msg");
    ASSERT_TRUE(msg) << "missing message " << i << " of " << expected.size();
    ASSERT_EQ((*msg)["id"], expected[i].c_str()) << "position " << i;
  }
  auto extra = c.recv_op("msg", std::chrono::milliseconds{500});
  EXPECT_FALSE(extra) << boost::json::serialize(*extra);
}

} // namespace parley::testing
