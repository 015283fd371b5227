#include "net/client_content.hpp"

#include <gtest/gtest.h>

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

} // namespace
} // namespace parley::e2e
