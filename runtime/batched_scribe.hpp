#pragma once

// A CAF scribe (one node-to-node TCP connection of the middleman) that reads and writes
// in batches, for the worker_multiplexer.
//
// CAF 0.17's own scribe reads exactly what the BASP broker asks for next: a message's
// header, then its payload, two recv calls per cross-node message however many wait in
// the socket. And it writes through the event loop: every flush registers write
// interest (epoll_ctl), waits for the socket to show writable, sends, and drops the
// interest again (epoll_ctl). At 2,500 msg/s on three nodes that was 27,000 recv and
// 18,000 epoll_ctl calls a second per node, for about 9,000 sends.
//
// Here reads take what the socket holds (up to 64 KiB) and hand it out as the broker
// asks; writes made while the worker pumps the multiplexer wait in the scribe's buffer
// and go out at the end of the pump round, one send per connection, with no event-loop
// registration at all. A send that cannot take everything (or fails) hands the rest to
// CAF's own path, which writes when the socket is writable and reports errors as always.

#include <cstddef>
#include <vector>

#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/rw_state.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/io/scribe.hpp>

namespace parley {

class worker_multiplexer;

/// CAF's TCP policy with a read-ahead buffer: read_some hands out buffered bytes first
/// and refills the buffer with one recv. The stream keeps reading while bytes are
/// buffered (must_read_more), so none wait for an event that never comes.
class read_ahead_tcp {
public:
  static constexpr size_t capacity = 64 * 1024;

  caf::io::network::rw_state read_some(size_t& result, caf::io::network::native_socket fd,
                                       void* buf, size_t len);
  static caf::io::network::rw_state write_some(size_t& result,
                                               caf::io::network::native_socket fd,
                                               const void* buf, size_t len);
  static bool try_accept(caf::io::network::native_socket& result,
                         caf::io::network::native_socket fd);
  bool must_read_more(caf::io::network::native_socket, size_t) const { return begin_ < end_; }

  /// Bytes read from the socket and not handed out yet.
  size_t buffered() const { return end_ - begin_; }

private:
  std::vector<char> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

/// The stream of a batched_scribe: CAF's, with the state the scribe needs to see.
class read_ahead_stream : public caf::io::network::stream_impl<read_ahead_tcp> {
public:
  using stream_impl::stream_impl;

  /// Whether CAF's own write path holds bytes (they go first).
  bool writing() const { return state_.writing; }
  bool shutting_down() const { return state_.shutting_down; }
};

class batched_scribe : public caf::io::scribe {
public:
  batched_scribe(worker_multiplexer& mux, caf::io::network::native_socket fd);

  void configure_read(caf::io::receive_policy::config config) override;
  void ack_writes(bool enable) override;
  std::vector<char>& wr_buf() override;
  std::vector<char>& rd_buf() override;
  void graceful_shutdown() override;
  /// On the worker, while it pumps: the bytes wait for the end of the round
  /// (worker_multiplexer::send_batched). Else CAF's way.
  void flush() override;
  std::string addr() const override;
  uint16_t port() const override;
  void add_to_loop() override;
  void remove_from_loop() override;

  /// Sends what waits in the write buffer with one call; what the socket does not take
  /// goes CAF's way.
  void send_now();

private:
  worker_multiplexer& mux_;
  bool launched_ = false;
  bool queued_ = false;  // in the multiplexer's list of scribes to send
  read_ahead_stream stream_;
};

} // namespace parley
