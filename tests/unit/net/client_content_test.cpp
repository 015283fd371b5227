#include "net/client_content.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/client_crypto.hpp"

namespace parley::e2e {
namespace {

TEST(ContentTest, TextRoundTrips) {
  auto c = decode_content(encode_text("héllo \"quoted\"\n"));
  ASSERT_TRUE(std::holds_alternative<content>(c));
  EXPECT_EQ(std::get<content>(c).text, "héllo \"quoted\"\n");
  EXPECT_FALSE(std::get<content>(c).media);
}

TEST(ContentTest, UnknownKindsAreUnsupported) {
  for (const char* body : {"hello", "[]", R"({"type":"poll"})", R"({"type":"text"})",
                           R"({"type":"media","media":{"url":"/v1/media/x"}})"}) {
    auto c = decode_content(body);
    ASSERT_TRUE(std::holds_alternative<client_error>(c)) << body;
    EXPECT_EQ(std::get<client_error>(c).code, "unsupported") << body;
  }
}

media_ref some_media() {
  media_ref m;
  m.url = "/v1/media/" + sha256_hex("ciphertext");
  m.key = std::string(32, 'k');
  m.nonce = std::string(24, 'n');
  m.size = 5;
  m.mime = "image/png";
  m.name = "cat.png";
  m.sha256 = sha256_hex("plain");
  return m;
}

// The name is the sender's choice: a receiver that saves the file must stay in its folder.
TEST(ContentTest, ReceivedFileNameIsReducedToASafeBaseName) {
  for (const char* hostile : {"../../../../.ssh/authorized_keys", "/etc/passwd",
                              "..\\..\\authorized_keys", "..", "a\x1b]0;pwned\x07"}) {
    auto m = some_media();
    m.name = hostile;
    auto c = decode_content(encode_media(m));
    ASSERT_TRUE(std::holds_alternative<content>(c)) << hostile;
    const auto& name = std::get<content>(c).media->name;
    EXPECT_FALSE(name.empty()) << hostile;
    EXPECT_EQ(name.find_first_of("/\\\x1b\x07"), std::string::npos) << name;
    EXPECT_EQ(name.find(".."), std::string::npos) << name;
    EXPECT_NE(name.front(), '.') << name;
  }
  auto m = some_media();
  m.name = "../../../../.ssh/authorized_keys";
  EXPECT_EQ(std::get<content>(decode_content(encode_media(m))).media->name, "authorized_keys");
}

TEST(ContentTest, MediaUrlMustBeExactlyAMediaObject) {
  EXPECT_TRUE(std::holds_alternative<content>(decode_content(encode_media(some_media()))));
  auto id = sha256_hex("ciphertext");
  for (const auto& url :
       std::vector<std::string>{"/v1/media/" + id + "/../../inbox", "/v1/media/x",
                                "/v1/media/" + std::string(64, 'F'), "/v1/inbox?" + id, ""}) {
    auto m = some_media();
    m.url = url;
    auto c = decode_content(encode_media(m));
    ASSERT_TRUE(std::holds_alternative<client_error>(c)) << url;
    EXPECT_EQ(std::get<client_error>(c).code, "unsupported") << url;
  }
}

} // namespace
} // namespace parley::e2e
