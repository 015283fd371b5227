// The read-ahead policy of runtime/batched_scribe on a real socket pair: what the socket
// holds is taken in one read and handed out as asked, large payloads bypass the buffer,
// and a closed peer is reported once everything it sent was handed out.

#include "runtime/batched_scribe.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace parley {
namespace {

using caf::io::network::rw_state;

class ReadAheadTcpTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  }
  void TearDown() override {
    ::close(fds[0]);
    if (fds[1] >= 0)
      ::close(fds[1]);
  }

  void peer_sends(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      auto n = ::write(fds[1], bytes.data() + off, bytes.size() - off);
      ASSERT_GT(n, 0);
      off += static_cast<size_t>(n);
    }
  }

  // Reads `len` bytes (one call); "" with the state when nothing came.
  std::string read(size_t len, rw_state* state = nullptr) {
    std::string out(len, '\0');
    size_t got = 0;
    auto res = policy.read_some(got, fds[0], out.data(), len);
    if (state)
      *state = res;
    out.resize(res == rw_state::success ? got : 0);
    return out;
  }

  int fds[2] = {-1, -1};
  read_ahead_tcp policy;
};

TEST_F(ReadAheadTcpTest, WhatTheSocketHoldsIsTakenAtOnceAndHandedOutAsAsked) {
  peer_sends("headbodybodytail");
  EXPECT_EQ(read(4), "head");
  EXPECT_EQ(policy.buffered(), 12u);  // the rest came with the first read
  EXPECT_TRUE(policy.must_read_more(fds[0], 8));
  EXPECT_EQ(read(8), "bodybody");
  EXPECT_EQ(read(100), "tail");  // at most what is buffered: the socket is not read
  EXPECT_FALSE(policy.must_read_more(fds[0], 1));
  rw_state state = rw_state::failure;
  EXPECT_EQ(read(4, &state), "");  // nothing more: would block
  EXPECT_EQ(state, rw_state::success);
}

TEST_F(ReadAheadTcpTest, APayloadLargerThanTheBufferComesWhole) {
  std::string big(3 * read_ahead_tcp::capacity, 'x');
  big.back() = 'y';
  std::string got;
  // The writer blocks on a full socket: read while it writes.
  auto sent = std::async(std::launch::async, [&] { peer_sends(big); });
  while (got.size() < big.size()) {
    auto part = read(big.size() - got.size());
    got += part;
    if (part.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  sent.get();
  EXPECT_EQ(got, big);
  EXPECT_EQ(policy.buffered(), 0u);
}

TEST_F(ReadAheadTcpTest, APeerThatClosedFailsOnlyOnceItsBytesWereHandedOut) {
  peer_sends("xy");
  ::close(fds[1]);
  fds[1] = -1;
  EXPECT_EQ(read(1), "x");
  EXPECT_EQ(read(1), "y");
  rw_state state = rw_state::success;
  read(1, &state);
  EXPECT_EQ(state, rw_state::failure);
}

} // namespace
} // namespace parley
