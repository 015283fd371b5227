#include "net/client_media.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "net/client_content.hpp"
#include "net/client_crypto.hpp"

namespace parley::e2e {
namespace {

std::string code_of(const reply<std::string>& r) {
  auto* err = std::get_if<client_error>(&r);
  return err ? err->code : "<no error>";
}

TEST(MediaTest, FileRoundTripsThroughItsReference) {
  std::string file = "\x89PNG\r\n\x1a\n" + std::string(5000, '\x7f');
  auto sealed = std::get<sealed_media>(seal_media(file, "image/png", "../../etc/cat.png"));
  EXPECT_EQ(sealed.ciphertext.size(), file.size() + 16);
  EXPECT_EQ(sealed.ciphertext.find("PNG"), std::string::npos);
  EXPECT_EQ(sealed.ref.name, "cat.png");
  EXPECT_EQ(sealed.ref.size, file.size());
  sealed.ref.url = "/v1/media/" + sha256_hex(sealed.ciphertext);

  // The reference travels inside an encrypted body as JSON.
  auto c = std::get<content>(decode_content(encode_media(sealed.ref)));
  ASSERT_TRUE(c.media);
  EXPECT_EQ(c.media->url, sealed.ref.url);
  EXPECT_EQ(c.media->mime, "image/png");
  auto opened = open_media(sealed.ciphertext, *c.media);
  ASSERT_TRUE(std::holds_alternative<std::string>(opened));
  EXPECT_EQ(std::get<std::string>(opened), file);
}

TEST(MediaTest, TamperedOrSwappedFileIsRefused) {
  auto sealed = std::get<sealed_media>(seal_media("secret picture", "image/jpeg", "a.jpg"));
  auto bad = sealed.ciphertext;
  bad[bad.size() / 2] ^= 1;
  EXPECT_EQ(code_of(open_media(bad, sealed.ref)), "undecryptable");
  auto other = std::get<sealed_media>(seal_media("other picture!", "image/jpeg", "b.jpg"));
  EXPECT_EQ(code_of(open_media(other.ciphertext, sealed.ref)), "undecryptable");
  auto wrong_hash = sealed.ref;
  wrong_hash.sha256 = sha256_hex("something else");
  EXPECT_EQ(code_of(open_media(sealed.ciphertext, wrong_hash)), "undecryptable");
}

TEST(MediaTest, EmptyAndOversizedFilesAreRefused) {
  auto empty = seal_media("", "image/png", "x.png");
  EXPECT_EQ(std::get<client_error>(empty).code, "bad_request");
  auto big = seal_media(std::string(max_media_ciphertext, 'x'), "image/png", "x.png");
  EXPECT_EQ(std::get<client_error>(big).code, "too_large");
}

TEST(MediaTest, FileNamesAreMadeSafe) {
  EXPECT_EQ(safe_file_name("/home/bob/.ssh/id_rsa"), "id_rsa");
  EXPECT_EQ(safe_file_name(".."), "file");
  EXPECT_EQ(safe_file_name("my photo (1).jpg"), "my_photo__1_.jpg");
  EXPECT_EQ(safe_file_name("..\\..\\boot.ini"), "boot.ini");
}

TEST(MediaTest, FileNamesHaveNoControlsDotDotsOrLeadingDotAfterTruncation) {
  EXPECT_EQ(safe_file_name("a\x1b[2Jb\n.png"), "a__2Jb_.png");
  EXPECT_EQ(safe_file_name("a..b...png"), "a.b.png");
  EXPECT_EQ(safe_file_name(""), "file");
  auto tail = "." + std::string(95, 'x') + ".png";  // the 100 bytes kept start with '.'
  auto name = safe_file_name("ab" + tail);
  EXPECT_LE(name.size(), 100u);
  EXPECT_NE(name.front(), '.');
}

TEST(MediaTest, OnlyExactMediaUrlsAreFollowed) {
  auto id = sha256_hex("x");
  EXPECT_TRUE(is_media_url("/v1/media/" + id));
  for (const auto& url : std::vector<std::string>{
         "/v1/media/" + id + "/../../v1/admin", "/v1/media/" + id.substr(1), "/v1/media/../inbox",
         "/v1/media/" + id + "?x=1", "http://evil/" + id, "/v1/media/" + std::string(64, 'A'),
         "/v1/media/" + std::string(64, 'g')})
    EXPECT_FALSE(is_media_url(url)) << url;
}

} // namespace
} // namespace parley::e2e
