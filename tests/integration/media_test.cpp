// PUT /v1/media and GET /v1/media/{sha256} on one real node (PROTOCOL.md section 5).

#include <fstream>
#include <sstream>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "runtime/media_id.hpp"
#include "tests/integration/node_fixture.hpp"
#include "tests/support/media_client.hpp"

namespace parley::testing {
namespace {

namespace bj = boost::json;

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class MediaTest : public NodeTest {
protected:
  void SetUp() override {
    NodeTest::SetUp();
    login("alice").reset();
    token = tokens["alice"];
  }

  std::filesystem::path blob_path(const std::string& id) const {
    return dir / "n1" / "media" / id.substr(0, 2) / id.substr(2, 2) / id;
  }

  std::string token;
};

TEST_F(MediaTest, UploadAnswersIdUrlAndSizeAndDownloadGivesTheBytesAndType) {
  auto bytes = media_bytes(300000, 1);
  auto put = media_put(node->client_port(), bytes, "image/png", token);
  ASSERT_EQ(put.status, 201) << put.body;
  auto answer = bj::parse(put.body).as_object();
  auto id = media_id_of(bytes);
  EXPECT_EQ(answer["media"].as_string(), id);
  EXPECT_EQ(answer["url"].as_string(), "/v1/media/" + id);
  EXPECT_EQ(answer["size"], 300000);
  auto got = media_get(node->client_port(), std::string{answer["url"].as_string()}, token);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.content_type, "image/png");
  EXPECT_TRUE(got.body == bytes) << "downloaded bytes differ";
}

// HEAD answers what GET would, without the body: a client can learn the size and type
// of an object before it downloads it.
TEST_F(MediaTest, HeadGivesTheHeadersOfADownloadWithoutItsBytes) {
  auto bytes = media_bytes(5000, 3);
  auto put = media_put(node->client_port(), bytes, "image/jpeg", token);
  ASSERT_EQ(put.status, 201) << put.body;
  auto head = http_call(node->client_port(), "HEAD", "/v1/media/" + media_id_of(bytes), {},
                        token);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.content_type, "image/jpeg");
  EXPECT_EQ(head.content_length, "5000");
  EXPECT_TRUE(head.body.empty());
  auto missing = http_call(node->client_port(), "HEAD", "/v1/media/" + std::string(64, 'a'),
                           {}, token);
  EXPECT_EQ(missing.status, 404);
  auto got = media_get(node->client_port(), "/v1/media/" + media_id_of(bytes), token);
  EXPECT_EQ(got.status, 200);
}

TEST_F(MediaTest, TheFileOnDiskIsTheExactBytesUploaded) {
  auto bytes = media_bytes(70000, 2);
  auto put = media_put(node->client_port(), bytes, "application/octet-stream", token);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_TRUE(file_bytes(blob_path(media_id_of(bytes))) == bytes);
}

TEST_F(MediaTest, EachAcceptedTypeComesBackAsStored) {
  for (std::string type : {"image/png", "image/jpeg", "image/gif", "image/webp",
                           "application/octet-stream"}) {
    auto bytes = "an object of type " + type;
    ASSERT_EQ(media_put(node->client_port(), bytes, type, token).status, 201) << type;
    auto got = media_get(node->client_port(), "/v1/media/" + media_id_of(bytes), token);
    EXPECT_EQ(got.content_type, type);
  }
}

TEST_F(MediaTest, SameBytesTwiceGiveTheSameId) {
  auto bytes = media_bytes(5000, 3);
  auto first = media_put(node->client_port(), bytes, "image/gif", token);
  auto second = media_put(node->client_port(), bytes, "image/gif", token);
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(bj::parse(first.body).at("media"), bj::parse(second.body).at("media"));
}

TEST_F(MediaTest, CallsWithoutAValidTokenAreRefused) {
  auto bytes = media_bytes(100, 4);
  auto put = media_put(node->client_port(), bytes, "image/png", "");
  EXPECT_EQ(put.status, 401);
  EXPECT_EQ(bj::parse(put.body).at("error"), "auth_failed");
  EXPECT_EQ(media_put(node->client_port(), bytes, "image/png", "not-a-token").status, 401);
  ASSERT_EQ(media_put(node->client_port(), bytes, "image/png", token).status, 201);
  auto get = media_get(node->client_port(), "/v1/media/" + media_id_of(bytes), "");
  EXPECT_EQ(get.status, 401);
  EXPECT_EQ(bj::parse(get.body).at("error"), "auth_failed");
}

// Without a token the node holds no more than any REST body (1 MiB) before refusing,
// and the refusal names the missing token (401), as for a small upload.
TEST_F(MediaTest, LargeUploadWithoutATokenIsRefusedBeforeItsBodyIsRead) {
  auto big = media_bytes(4 * 1024 * 1024, 6);
  auto anonymous = media_put(node->client_port(), big, "image/png", "");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(bj::parse(anonymous.body).at("error"), "auth_failed");
  EXPECT_EQ(media_put(node->client_port(), big, "image/png", "not-a-token").status, 401);
  EXPECT_EQ(media_put(node->client_port(), big, "image/png", token).status, 201);
}

// curl asks before a large upload (Expect: 100-continue) and waits a second for the go
// ahead before it sends the body anyway: the node answers at once.
TEST_F(MediaTest, AnUploadThatAsksFirstIsToldToGoOn) {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream{io};
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), node->client_port()});
  auto body = media_bytes(2 * 1024 * 1024, 7);
  std::string head = "PUT /v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                     + "\r\nContent-Type: image/png\r\nContent-Length: "
                     + std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n";
  boost::asio::write(stream, boost::asio::buffer(head));
  // The go-ahead comes before any byte of the body was sent.
  stream.expires_after(std::chrono::milliseconds{900});
  boost::beast::flat_buffer buffer;
  http::response_parser<http::empty_body> interim;
  boost::beast::error_code ec;
  http::read_header(stream, buffer, interim, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(interim.get().result(), http::status::continue_);
  stream.expires_never();
  boost::asio::write(stream, boost::asio::buffer(body));
  http::response<http::string_body> res;
  http::read(stream, buffer, res, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 201u);
}

TEST_F(MediaTest, UnsupportedContentTypeIs415) {
  auto res = media_put(node->client_port(), "plain text", "text/plain", token);
  EXPECT_EQ(res.status, 415);
  EXPECT_EQ(bj::parse(res.body).at("error"), "unsupported_media_type");
  EXPECT_EQ(media_put(node->client_port(), "no type at all", "", token).status, 415);
  // Parameters and case do not matter.
  EXPECT_EQ(media_put(node->client_port(), "typed", "Image/PNG; q=1", token).status, 201);
}

TEST_F(MediaTest, SixteenMiBIsAcceptedAndOneByteMoreIs413) {
  auto limit = media_bytes(max_media_bytes, 5);
  auto ok = media_put(node->client_port(), limit, "application/octet-stream", token);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(bj::parse(ok.body).at("size"), static_cast<int64_t>(max_media_bytes));
  auto over = media_put(node->client_port(), limit + "x", "application/octet-stream", token);
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(bj::parse(over.body).at("error"), "too_large");
  // The node is fine afterwards.
  EXPECT_EQ(media_get(node->client_port(), "/v1/media/" + media_id_of(limit), token).body.size(),
            max_media_bytes);
}

TEST_F(MediaTest, OtherRoutesKeepTheirOneMiBLimit) {
  bj::object big{{"id", "b1"}, {"to", "alice"}, {"body", std::string(2 << 20, 'x')}};
  auto res = http_call(node->client_port(), "POST", "/v1/messages", bj::serialize(big), token);
  EXPECT_EQ(res.status, 413);
}

TEST_F(MediaTest, UnknownMediaIs404) {
  auto res = media_get(node->client_port(), "/v1/media/" + media_id_of("never uploaded"), token);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(bj::parse(res.body).at("error"), "not_found");
}

TEST_F(MediaTest, MalformedIdIs400) {
  for (const std::string& target :
       std::vector<std::string>{"/v1/media/abc", "/v1/media/" + std::string(64, 'G'),
                                "/v1/media/..%2f..%2fparley.db"}) {
    auto res = media_get(node->client_port(), target, token);
    EXPECT_EQ(res.status, 400) << target;
    EXPECT_EQ(bj::parse(res.body).at("error"), "bad_request");
  }
}

TEST_F(MediaTest, EmptyBodyIs400) {
  EXPECT_EQ(media_put(node->client_port(), "", "image/png", token).status, 400);
}

TEST_F(MediaTest, MediaSurvivesASigkillOfTheNode) {
  auto bytes = media_bytes(1 << 20, 6);
  ASSERT_EQ(media_put(node->client_port(), bytes, "image/jpeg", token).status, 201);
  node->kill9();
  node->restart();
  login("alice").reset();
  auto got = media_get(node->client_port(), "/v1/media/" + media_id_of(bytes), tokens["alice"]);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.content_type, "image/jpeg");
  EXPECT_TRUE(got.body == bytes);
}

TEST_F(MediaTest, ACrashedMediaActorIsRestartedAndServesAgain) {
  auto bytes = media_bytes(4096, 8);
  ASSERT_EQ(media_put(node->client_port(), bytes, "image/png", token).status, 201);
  auto fault = bj::serialize(bj::object{{"kind", "crash_actor"}, {"actor", "media"}});
  ASSERT_EQ(http_call(node->admin_port(), "POST", "/v1/admin/fault", fault).status, 200);
  // The supervisor restarts it at once; a request in that moment may see 503.
  http_result got;
  for (int i = 0; i < 50; ++i) {
    got = media_get(node->client_port(), "/v1/media/" + media_id_of(bytes), token);
    if (got.status == 200)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_TRUE(got.body == bytes);
  auto metrics = http_call(node->admin_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("\nparley_actor_restarts_total 1\n"), std::string::npos);
}

TEST_F(MediaTest, MetricsCountUploadsDownloadsAndStoredBytes) {
  auto bytes = media_bytes(1234, 7);
  ASSERT_EQ(media_put(node->client_port(), bytes, "image/png", token).status, 201);
  ASSERT_EQ(media_get(node->client_port(), "/v1/media/" + media_id_of(bytes), token).status, 200);
  // A HEAD moves no bytes: not a download.
  ASSERT_EQ(http_call(node->client_port(), "HEAD", "/v1/media/" + media_id_of(bytes), {}, token)
              .status,
            200);
  auto metrics = http_call(node->admin_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("\nparley_media_uploads_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nparley_media_downloads_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nparley_media_bytes_stored_total 1234\n"), std::string::npos);
}

} // namespace
} // namespace parley::testing
