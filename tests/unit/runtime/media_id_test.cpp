#include "runtime/media_id.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(MediaIdTest, IsTheHexSha256OfTheBytes) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(media_id_of("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MediaIdTest, AcceptsOnly64LowercaseHexDigits) {
  EXPECT_TRUE(is_media_id(media_id_of("")));
  EXPECT_FALSE(is_media_id("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
  EXPECT_FALSE(is_media_id("ba7816bf"));
  EXPECT_FALSE(is_media_id(std::string(63, 'a') + "g"));
  EXPECT_FALSE(is_media_id("../" + std::string(61, 'a')));
}

} // namespace
} // namespace parley
