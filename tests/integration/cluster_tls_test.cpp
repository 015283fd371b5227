// The closed mesh: with --tls-dir the cluster port admits only nodes holding a
// certificate of the cluster's CA. A node with another CA's certificate, or with none,
// never joins and never gets a message through.

#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include <array>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_test_client.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;

void make_certs(const std::filesystem::path& dir, const std::string& nodes) {
  auto cmd = std::string{"bash "} + PARLEY_SOURCE_DIR + "/scripts/make-cluster-certs.sh " +
             dir.string() + " " + nodes;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

std::set<std::string> members_seen_by(const node_process& node) {
  std::set<std::string> ids;
  auto view = bj::parse(http_call(node.admin_port(), "GET", "/v1/cluster").body);
  for (const auto& n : view.at("nodes").as_array())
    if (n.at("status") == "up")
      ids.insert(std::string{n.at("id").as_string()});
  return ids;
}

bool wait_until_seen(const node_process& node, const std::set<std::string>& ids) {
  for (int i = 0; i < 200; ++i) {
    if (members_seen_by(node) == ids)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return false;
}

TEST(ClusterTlsTest, OnlyNodesOfTheClusterCaJoin) {
  temp_dir dir;
  make_certs(dir / "certs", "n1 n2");
  make_certs(dir / "foreign", "n8");
  node_process n1{{"n1", dir / "n1", {"--tls-dir=" + (dir / "certs" / "n1").string()}}};
  auto join = "--join=" + n1.cluster_address();
  node_process n2{{"n2", dir / "n2", {"--tls-dir=" + (dir / "certs" / "n2").string(), join}}};
  node_process foreign{{"n8", dir / "n8", {"--tls-dir=" + (dir / "foreign" / "n8").string(), join}}};
  node_process plain{{"n9", dir / "n9", {join}}};
  ASSERT_TRUE(wait_until_seen(n1, {"n1", "n2"})) << n1.log();
  ASSERT_TRUE(wait_until_seen(n2, {"n1", "n2"})) << n2.log();
  // Both outsiders retry every second; give them several tries.
  std::this_thread::sleep_for(std::chrono::seconds{3});
  EXPECT_EQ(members_seen_by(n1), (std::set<std::string>{"n1", "n2"}))
    << "---- n1 ----\n" << n1.log() << "---- n2 ----\n" << n2.log();
  EXPECT_EQ(members_seen_by(foreign), (std::set<std::string>{"n8"}));
  EXPECT_EQ(members_seen_by(plain), (std::set<std::string>{"n9"}));
  // Not one join reached n1: it logs every member it admits.
  EXPECT_EQ(n1.log().find("node=n8"), std::string::npos);
  EXPECT_EQ(n1.log().find("node=n9"), std::string::npos);
}

// Knocks on a TLS port with bytes that are no TLS handshake, as a scanner (or a node
// started without --tls-dir) would, and hangs up.
void knock_with_garbage(uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket{io};
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec)
    return;
  std::string garbage(64, 'x');
  boost::asio::write(socket, boost::asio::buffer(garbage), ec);
  std::array<char, 256> sink;
  socket.read_some(boost::asio::buffer(sink), ec);  // the node's alert, or its close
}

// CAF 0.17.6's OpenSSL session leaves a failed handshake's errors in the thread's
// OpenSSL error queue, and the next read on a healthy connection of that thread took
// them for its own failure: every outsider's attempt cut the link between two members.
TEST(ClusterTlsTest, FailedHandshakesOfOutsidersLeaveTheMeshAlone) {
  temp_dir dir;
  make_certs(dir / "certs", "n1 n2");
  node_process n1{{"n1", dir / "n1", {"--tls-dir=" + (dir / "certs" / "n1").string()}}};
  auto join = "--join=" + n1.cluster_address();
  node_process n2{{"n2", dir / "n2", {"--tls-dir=" + (dir / "certs" / "n2").string(), join}}};
  ASSERT_TRUE(wait_until_seen(n1, {"n1", "n2"})) << n1.log();
  auto port = n1.cluster_port();
  // Heartbeats cross the link every 500 ms: knocks spread over a few of them.
  for (int i = 0; i < 30; ++i) {
    knock_with_garbage(port);
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds{600});
  EXPECT_EQ(members_seen_by(n1), (std::set<std::string>{"n1", "n2"}));
  EXPECT_EQ(n1.log().find("event=node_down"), std::string::npos) << n1.log();
  EXPECT_EQ(n2.log().find("event=node_down"), std::string::npos) << n2.log();
}

TEST(ClusterTlsTest, MissingCertificateFilesAreAFlagError) {
  temp_dir dir;
  std::filesystem::create_directories(dir / "empty");
  auto [code, err] = run_node_once({"--id=n1", "--data=" + (dir / "d").string(),
                                    "--tls-dir=" + (dir / "empty").string()},
                                   std::chrono::seconds{10});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--tls-dir"), std::string::npos) << err;
}

} // namespace
} // namespace parley::testing
