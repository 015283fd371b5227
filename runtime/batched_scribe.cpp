#include "runtime/batched_scribe.hpp"

#include <algorithm>
#include <cstring>

#include <caf/io/network/default_multiplexer.hpp>
#include <caf/policy/tcp.hpp>

#include "runtime/worker_multiplexer.hpp"

namespace parley {

using caf::io::network::native_socket;
using caf::io::network::rw_state;

// -- read_ahead_tcp -------------------------------------------------------------------

rw_state read_ahead_tcp::read_some(size_t& result, native_socket fd, void* buf, size_t len) {
  if (begin_ == end_) {
    // A large payload goes straight into the stream's buffer.
    if (len >= capacity)
      return caf::policy::tcp::read_some(result, fd, buf, len);
    if (buf_.empty())
      buf_.resize(capacity);
    size_t got = 0;
    auto res = caf::policy::tcp::read_some(got, fd, buf_.data(), buf_.size());
    if (res != rw_state::success || got == 0) {
      result = 0;
      return res;
    }
    begin_ = 0;
    end_ = got;
  }
  auto n = std::min(len, end_ - begin_);
  std::memcpy(buf, buf_.data() + begin_, n);
  begin_ += n;
  result = n;
  return rw_state::success;
}

rw_state read_ahead_tcp::write_some(size_t& result, native_socket fd, const void* buf,
                                    size_t len) {
  return caf::policy::tcp::write_some(result, fd, buf, len);
}

bool read_ahead_tcp::try_accept(native_socket& result, native_socket fd) {
  return caf::policy::tcp::try_accept(result, fd);
}

// -- batched_scribe -------------------------------------------------------------------

batched_scribe::batched_scribe(worker_multiplexer& mux, native_socket fd)
  : caf::io::scribe(caf::io::network::conn_hdl_from_socket(fd)), mux_(mux), stream_(mux, fd) {}

void batched_scribe::configure_read(caf::io::receive_policy::config config) {
  stream_.configure_read(config);
  if (!launched_) {
    launched_ = true;
    stream_.start(this);
  }
}

void batched_scribe::ack_writes(bool enable) {
  stream_.ack_writes(enable);
}

std::vector<char>& batched_scribe::wr_buf() {
  return stream_.wr_buf();
}

std::vector<char>& batched_scribe::rd_buf() {
  return stream_.rd_buf();
}

void batched_scribe::graceful_shutdown() {
  // What waits for the end of the round goes before the FIN.
  if (!stream_.wr_buf().empty())
    stream_.flush(this);
  stream_.graceful_shutdown();
  detach(&stream_.backend(), false);
}

void batched_scribe::flush() {
  if (!mux_.batching_writes()) {
    stream_.flush(this);
    return;
  }
  if (!queued_) {
    queued_ = true;
    mux_.send_later(this);
  }
}

void batched_scribe::send_now() {
  queued_ = false;
  auto& out = stream_.wr_buf();
  if (out.empty())
    return;
  // Bytes already on CAF's path go first; write receipts are CAF's to give.
  if (stream_.writing() || stream_.shutting_down() || stream_.ack_writes()) {
    stream_.flush(this);
    return;
  }
  size_t sent = 0;
  auto res = read_ahead_tcp::write_some(sent, stream_.fd(), out.data(), out.size());
  if (res == rw_state::success && sent == out.size()) {
    out.clear();
    return;
  }
  if (res == rw_state::success)
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(sent));
  // The rest when the socket is writable; an error reaches the broker from there.
  stream_.flush(this);
}

std::string batched_scribe::addr() const {
  auto x = caf::io::network::remote_addr_of_fd(stream_.fd());
  return x ? *x : std::string{};
}

uint16_t batched_scribe::port() const {
  auto x = caf::io::network::remote_port_of_fd(stream_.fd());
  return x ? *x : 0;
}

void batched_scribe::add_to_loop() {
  stream_.activate(this);
}

void batched_scribe::remove_from_loop() {
  stream_.passivate();
}

} // namespace parley
