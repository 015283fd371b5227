#include "net/ws_frame.hpp"

#include <gtest/gtest.h>

namespace parley::ws {
namespace {

using event = reader::event;

TEST(WsFrameTest, AcceptKeyMatchesRfc6455Example) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsFrameTest, ServerReadsMaskedClientFramesOfEverySize) {
  for (size_t size : {0u, 5u, 125u, 126u, 1000u, 65535u, 65536u, 100000u}) {
    std::string wire;
    std::string payload(size, 'x');
    append_frame(wire, opcode::text, payload, 0x12345678u);
    reader r{true, 128 * 1024};
    // Fed one byte at a time for small frames: partial headers must wait.
    if (size < 200) {
      for (size_t i = 0; i < wire.size(); ++i) {
        r.feed(&wire[i], 1);
        if (i + 1 < wire.size()) {
          ASSERT_EQ(r.next(), event::need_more);
        }
      }
    } else {
      r.feed(wire.data(), wire.size());
    }
    ASSERT_EQ(r.next(), event::text) << size;
    EXPECT_EQ(r.payload(), payload);
    EXPECT_EQ(r.next(), event::need_more);
  }
}

TEST(WsFrameTest, ReassemblesFragmentsAroundControlFrames) {
  std::string wire;
  // "hel" (not final) + ping + "lo" (continuation, final)
  wire += static_cast<char>(0x01);
  wire += static_cast<char>(0x83);
  wire.append("\0\0\0\0", 4);
  wire += "hel";
  append_frame(wire, opcode::ping, "p", 0u);
  wire += static_cast<char>(0x80);
  wire += static_cast<char>(0x82);
  wire.append("\0\0\0\0", 4);
  wire += "lo";
  reader r{true, 1024};
  r.feed(wire.data(), wire.size());
  ASSERT_EQ(r.next(), event::ping);
  EXPECT_EQ(r.payload(), "p");
  ASSERT_EQ(r.next(), event::text);
  EXPECT_EQ(r.payload(), "hello");
}

TEST(WsFrameTest, RejectsOversizedUnmaskedAndInvalidUtf8) {
  {
    std::string wire;
    append_frame(wire, opcode::text, std::string(2000, 'a'), 1u);
    reader r{true, 1024};
    r.feed(wire.data(), 10);  // the header alone tells
    ASSERT_EQ(r.next(), event::error);
    EXPECT_EQ(r.close_code(), status::too_big);
  }
  {
    std::string wire;
    append_frame(wire, opcode::text, "hi");
    reader r{true, 1024};
    r.feed(wire.data(), wire.size());
    ASSERT_EQ(r.next(), event::error);
    EXPECT_EQ(r.close_code(), status::protocol_error);
  }
  {
    std::string wire;
    append_frame(wire, opcode::text, "\xC3\x28", 7u);
    reader r{true, 1024};
    r.feed(wire.data(), wire.size());
    ASSERT_EQ(r.next(), event::error);
    EXPECT_EQ(r.close_code(), status::invalid_payload);
  }
}

TEST(WsFrameTest, ClientReadsServerFramesAndCloseCodes) {
  std::string wire;
  append_frame(wire, opcode::text, "{}");
  append_close(wire, status::too_big);
  reader r{false, 1024};
  r.feed(wire.data(), wire.size());
  ASSERT_EQ(r.next(), event::text);
  ASSERT_EQ(r.next(), event::close);
  EXPECT_EQ(r.close_code(), status::too_big);
}

TEST(WsFrameTest, Utf8Validation) {
  EXPECT_TRUE(valid_utf8("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(valid_utf8("gr\xC3\xBC\xC3\x9F" "e \xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("abc\xE2\x82"));       // truncated
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

} // namespace
} // namespace parley::ws
