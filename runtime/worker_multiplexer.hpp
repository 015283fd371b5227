#pragma once

// CAF's network backend (the middleman's epoll loop) run by the io worker thread instead
// of a thread of its own (runtime/io_worker_scheduler.hpp).
//
// With its own thread, every cross-node message woke two threads in turn: an actor's
// send wrote to the multiplexer's pipe to wake it, and each message it read woke the
// worker again. On this 2-core machine, with three nodes, those hand-overs were most of
// a node's context switches. Here the worker runs the BASP broker between its actors:
// a remote send is queued in the worker's own list, and a message read from a peer is
// enqueued to its actor on the thread that runs it.
//
//   start_on(io)  on the worker thread: the worker owns the multiplexer, and its io_context
//                 watches the multiplexer's epoll descriptor
//   pump()        runs posted jobs and ready sockets until nothing is ready
//   hand_over(t)  on the worker thread: thread t (the one that stops the actor system)
//                 owns it from now on; the watch ends
//
// Its connections are batched_scribes (runtime/batched_scribe.hpp): what the broker
// writes during a pump round leaves at the end of the round, one send per peer.
//
// Load it with cfg.load<caf::io::middleman, worker_multiplexer>() and
// middleman.manual-multiplexing set (no thread of CAF's own).

#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <caf/io/network/default_multiplexer.hpp>

#include "runtime/batched_scribe.hpp"

namespace parley {

/// The epoll descriptors open in this process when it is made.
struct epoll_fds_before {
  epoll_fds_before();
  std::vector<int> fds;
};

// The snapshot is a base listed first, so it is taken before CAF's constructor makes
// the multiplexer's epoll instance: the one new instance afterwards is that one.
class worker_multiplexer : private epoll_fds_before,
                           public caf::io::network::default_multiplexer {
public:
  explicit worker_multiplexer(caf::actor_system* sys);
  ~worker_multiplexer() override;

  /// A connection's scribe: a batched_scribe.
  caf::io::scribe_ptr new_scribe(caf::io::network::native_socket fd) override;

  /// Whether a flush now waits for the end of a pump round: on the worker, while it
  /// runs this multiplexer.
  bool batching_writes() const;

  /// `scribe` has bytes to send at the end of the pump round (outside a pump: of the
  /// next one, which then runs as soon as the worker's queue allows).
  void send_later(batched_scribe* scribe);

  /// Jobs of this multiplexer (its brokers) queued from its own thread wait here until
  /// the next pump; from other threads they wake it through its pipe.
  void exec_later(caf::resumable* job) override;

  /// Whether jobs were queued from the owning thread since the last pump.
  bool posted() const { return posted_; }

  /// Runs queued jobs and ready sockets without blocking, until nothing is ready (at
  /// most a bounded number of rounds; the rest follow through the io_context).
  void pump();

  /// On the io worker thread: make it this multiplexer's thread, watched by `io`.
  /// False if the multiplexer's epoll descriptor could not be found.
  bool start_on(boost::asio::io_context& io);

  /// On the owning thread: `next` owns the multiplexer from now on.
  void hand_over(std::thread::id next);

private:
  void watch();
  void send_batched();

  int epoll_fd_ = -1;  // CAF's, found at construction
  bool posted_ = false;
  bool pumping_ = false;
  bool armed_ = false;
  std::unique_ptr<boost::asio::posix::stream_descriptor> watched_;
  boost::asio::io_context* io_ = nullptr;
  std::vector<caf::intrusive_ptr<batched_scribe>> to_send_;
};

/// The epoll descriptors of this process that watch a pipe (CAF wakes its loop through
/// one; Asio's watches an eventfd), but not those in `before`.
std::vector<int> epoll_fds_watching_a_pipe(const std::vector<int>& before = {});

} // namespace parley
