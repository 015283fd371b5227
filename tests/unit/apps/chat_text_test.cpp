#include "apps/chat_text.hpp"

#include <gtest/gtest.h>

namespace parley::chat {
namespace {

// A peer's text must not drive the terminal: ESC starts sequences that retitle the
// window, move the cursor or rewrite what is on screen; U+009B is a one-byte CSI.
TEST(ChatTextTest, ShownTextHasNoTerminalControls) {
  EXPECT_EQ(shown("hi\x1b[2J\x1b]0;pwned\x07 there"), "hi[2J]0;pwned there");
  EXPECT_EQ(shown("a\xc2\x9b" "31mb"), "a31mb");         // C1 CSI, as UTF-8
  EXPECT_EQ(shown("a\x9b" "31mb\x7f\x08"), "a31mb");      // a raw 8-bit CSI, DEL, BS
  EXPECT_EQ(shown(std::string{"nul\0byte", 8}), "nulbyte");
  for (unsigned c = 0; c < 0x20; ++c)
    EXPECT_EQ(shown(std::string(1, static_cast<char>(c))).find(static_cast<char>(c)),
              std::string::npos)
      << c;
}

// A line break in a message must not start a line that looks like one of ours.
TEST(ChatTextTest, LineBreaksAndTabsBecomeSpaces) {
  EXPECT_EQ(shown("ok\n* bob is online\r\tx"), "ok * bob is online  x");
}

TEST(ChatTextTest, ShownKeepsUtf8TextAndDropsInvalidBytes) {
  EXPECT_EQ(shown("héllo wörld ✓ 😀"), "héllo wörld ✓ 😀");
  EXPECT_EQ(shown("a\xc0\xafz"), "az");      // an overlong '/'
  EXPECT_EQ(shown("a\xed\xa0\x80z"), "az");  // a surrogate
  EXPECT_EQ(shown("a\xe2\x82"), "a");        // cut short
}

// Such a line is ignored rather than sent as an empty-looking message.
TEST(ChatTextTest, BlankIsEmptyOrOnlySpacesAndTabs) {
  EXPECT_TRUE(is_blank(""));
  EXPECT_TRUE(is_blank("   "));
  EXPECT_TRUE(is_blank(" \t\r\v\f "));
  EXPECT_FALSE(is_blank(" . "));
  EXPECT_FALSE(is_blank("\t\xc3\xa9"));
}

TEST(ChatTextTest, TargetIsAUserIdOrAHashAndAGroupId) {
  EXPECT_EQ(target_problem("bob"), "");
  EXPECT_EQ(target_problem("#g-0123456789abcdef"), "");
  EXPECT_EQ(target_problem("Bob"), "'Bob' is not a user id (1 to 32 of a-z 0-9 _ . -)");
  EXPECT_EQ(target_problem("#friends"),
            "'#friends' is not a group id (#g- and 1 to 32 of a-z 0-9, as /group create "
            "prints it; a group's name does not do)");
  EXPECT_NE(target_problem("#"), "");
  EXPECT_NE(target_problem("#g-"), "");
  EXPECT_NE(target_problem("bob carol"), "");
  EXPECT_NE(target_problem(""), "");
  EXPECT_EQ(user_id_problem(""), "no user id given (1 to 32 of a-z 0-9 _ . -)");
  EXPECT_EQ(user_id_problem("\x1b[2J"), "'[2J' is not a user id (1 to 32 of a-z 0-9 _ . -)");
}

TEST(ChatTextTest, ExcerptIsTheFirstCharactersAndSaysWhenItIsCut) {
  EXPECT_EQ(excerpt("hello"), "hello");
  EXPECT_EQ(excerpt(std::string(24, 'x')), std::string(24, 'x'));
  EXPECT_EQ(excerpt(std::string(25, 'x')), std::string(24, 'x') + "…");
  EXPECT_EQ(excerpt("héllo wörld ✓ 😀 and more", 15), "héllo wörld ✓ 😀…");  // characters, not bytes
  EXPECT_EQ(excerpt("a\nb\x1b[2J", 24), "a b[2J");
  EXPECT_EQ(excerpt(""), "");
}

} // namespace
} // namespace parley::chat
