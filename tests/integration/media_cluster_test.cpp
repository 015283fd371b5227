// Media on a 3-node cluster of real processes: stored on the object's owners, served by
// every node, and still served after owners are SIGKILLed (PROTOCOL.md section 5).

#include <fstream>
#include <sstream>

#include "runtime/media_id.hpp"
#include "tests/integration/cluster_fixture.hpp"
#include "tests/support/media_client.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

class MediaClusterTest : public ClusterTest {
protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ws_test_client c{nodes[0]->client_port()};
    auto welcome = c.login("alice", keys_of("alice"));
    ASSERT_EQ(welcome["op"], "welcome");
    token = std::string{welcome["token"].as_string()};  // every node accepts it
  }

  std::filesystem::path blob_path(int node, const std::string& id) const {
    return dir / ("n" + std::to_string(node + 1)) / "media" / id.substr(0, 2) / id.substr(2, 2)
           / id;
  }

  std::string file_bytes(int node, const std::string& id) const {
    std::ifstream in{blob_path(node, id), std::ios::binary};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  http_result get(int node, const std::string& id) {
    return media_get(nodes[node]->client_port(), "/v1/media/" + id, token);
  }

  /// Bytes whose object has `owners` as its owners on the full cluster.
  std::string bytes_owned_by(const std::vector<std::string>& owners, size_t size) {
    for (uint32_t seed = 1;; ++seed) {
      auto bytes = media_bytes(size, seed);
      if (owners_of(media_id_of(bytes)) == owners)
        return bytes;
    }
  }

  bool file_appears(int node, const std::string& id, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(blob_path(node, id)))
        return true;
      std::this_thread::sleep_for(milliseconds{50});
    }
    return false;
  }

  std::string token;
};

TEST_F(MediaClusterTest, UploadAtANonOwnerIsStoredOnTheOwnersAndServedEverywhere) {
  // n1 takes the upload but the object belongs to n2 and n3.
  auto bytes = bytes_owned_by({"n2", "n3"}, 3 << 20);
  auto id = media_id_of(bytes);
  auto put = media_put(nodes[0]->client_port(), bytes, "image/webp", token);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(bj::parse(put.body).at("media").as_string(), id);
  // Committed on both owners before the answer; the exact bytes, nothing on n1.
  EXPECT_TRUE(file_bytes(1, id) == bytes);
  EXPECT_TRUE(file_bytes(2, id) == bytes);
  EXPECT_FALSE(std::filesystem::exists(blob_path(0, id)));
  for (int i = 0; i < node_count; ++i) {
    auto got = get(i, id);
    ASSERT_EQ(got.status, 200) << "n" << i + 1 << ": " << got.body;
    EXPECT_EQ(got.content_type, "image/webp");
    EXPECT_TRUE(got.body == bytes) << "n" << i + 1;
  }
}

TEST_F(MediaClusterTest, SixteenMiBCrossesNodesInSlices) {
  auto bytes = bytes_owned_by({"n3", "n2"}, max_media_bytes);
  auto id = media_id_of(bytes);
  auto put = media_put(nodes[0]->client_port(), bytes, "application/octet-stream", token);
  ASSERT_EQ(put.status, 201) << put.body;
  auto got = get(0, id);
  ASSERT_EQ(got.status, 200);
  EXPECT_TRUE(got.body == bytes);
}

// A HEAD at a node that does not hold the object asks an owner for its type and size:
// the 3 MiB stay where they are, and nobody counts a download.
TEST_F(MediaClusterTest, HeadAtANodeWithoutTheObjectMovesNoBytes) {
  auto bytes = bytes_owned_by({"n2", "n3"}, 3 << 20);
  auto id = media_id_of(bytes);
  ASSERT_EQ(media_put(nodes[1]->client_port(), bytes, "image/gif", token).status, 201);
  auto head = http_call(nodes[0]->client_port(), "HEAD", "/v1/media/" + id, {}, token);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.content_type, "image/gif");
  EXPECT_EQ(head.content_length, std::to_string(3 << 20));
  EXPECT_TRUE(head.body.empty());
  for (int i = 0; i < node_count; ++i) {
    auto metrics = http_call(nodes[i]->admin_port(), "GET", "/metrics").body;
    EXPECT_NE(metrics.find("\nparley_media_downloads_total 0\n"), std::string::npos)
      << "n" << i + 1;
  }
  auto missing = http_call(nodes[0]->client_port(), "HEAD", "/v1/media/" + std::string(64, 'b'),
                           {}, token);
  EXPECT_EQ(missing.status, 404);
}

TEST_F(MediaClusterTest, StillServedAfterASigkillOfOneOwner) {
  auto bytes = bytes_owned_by({"n1", "n2"}, 1 << 20);
  auto id = media_id_of(bytes);
  ASSERT_EQ(media_put(nodes[2]->client_port(), bytes, "image/jpeg", token).status, 201);
  nodes[0]->kill9();
  for (int i : {1, 2}) {
    auto got = get(i, id);
    ASSERT_EQ(got.status, 200) << "n" << i + 1 << ": " << got.body;
    EXPECT_EQ(got.content_type, "image/jpeg");
    EXPECT_TRUE(got.body == bytes);
  }
}

TEST_F(MediaClusterTest, ALostReplicaIsRebuiltSoASecondLossIsSurvivedToo) {
  auto bytes = bytes_owned_by({"n1", "n2"}, 2 << 20);
  auto id = media_id_of(bytes);
  ASSERT_EQ(media_put(nodes[0]->client_port(), bytes, "image/gif", token).status, 201);
  ASSERT_FALSE(std::filesystem::exists(blob_path(2, id)));
  nodes[0]->kill9();
  // n3 is an owner now: the surviving holder copies the object there.
  ASSERT_TRUE(file_appears(2, id, std::chrono::seconds{15}));
  EXPECT_TRUE(file_bytes(2, id) == bytes);
  nodes[1]->kill9();
  auto got = get(2, id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.content_type, "image/gif");
  EXPECT_TRUE(got.body == bytes);
}

TEST_F(MediaClusterTest, AnOwnerThatLostItsMediaDirGetsItBackAndTheStandInLetsGo) {
  auto bytes = bytes_owned_by({"n1", "n2"}, 1 << 20);
  auto id = media_id_of(bytes);
  ASSERT_EQ(media_put(nodes[0]->client_port(), bytes, "image/png", token).status, 201);
  nodes[1]->kill9();
  ASSERT_TRUE(file_appears(2, id, std::chrono::seconds{15}));  // n3 stands in
  std::filesystem::remove_all(dir / "n2" / "media");
  nodes[1]->restart();
  wait_for_up(node_count);
  ASSERT_TRUE(file_appears(1, id, std::chrono::seconds{15}));
  EXPECT_TRUE(file_bytes(1, id) == bytes);
  // n3 is no longer an owner: it drops its copy once both owners hold one.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
  while (std::filesystem::exists(blob_path(2, id)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds{50});
  EXPECT_FALSE(std::filesystem::exists(blob_path(2, id)));
}

// Seed scenario 2: the sender uploads, sends the URL; the recipient, offline until then
// and on another node, gets the message at login and fetches the image there.
TEST_F(MediaClusterTest, ImageRoundTripToAnOfflineUserOnAnotherNode) {
  auto bob_name = user_with_primary("bob", "n2");
  login(2, bob_name).reset();  // registers bob, then he goes offline
  auto alice = login(0, "alice");
  auto image = media_bytes(600000, 42);
  auto put = media_put(nodes[0]->client_port(), image, "image/jpeg", token);
  ASSERT_EQ(put.status, 201) << put.body;
  auto url = std::string{bj::parse(put.body).at("url").as_string()};
  alice->send_json(send_frame("img1", bob_name, "{\"image\":\"" + url + "\"}"));
  ASSERT_TRUE(alice->recv_op("ack"));
  ws_test_client bob{nodes[2]->client_port()};
  auto welcome = bob.login(bob_name, keys_of(bob_name));
  ASSERT_EQ(welcome["op"], "welcome");
  auto msg = bob.recv_op("msg");
  ASSERT_TRUE(msg);
  auto body = bj::parse((*msg)["body"].as_string()).as_object();
  EXPECT_EQ(body["image"].as_string(), url);
  auto got = media_get(nodes[2]->client_port(), url,
                       std::string{welcome["token"].as_string()});
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.content_type, "image/jpeg");
  EXPECT_TRUE(got.body == image);
}

TEST_F(MediaClusterTest, UnknownMediaIs404OnEveryNode) {
  for (int i = 0; i < node_count; ++i)
    EXPECT_EQ(get(i, media_id_of("nobody uploaded this")).status, 404) << "n" << i + 1;
}

} // namespace
} // namespace parley::testing
