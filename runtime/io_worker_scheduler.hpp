#pragma once

// A CAF scheduler whose one worker thread also runs the node's Asio io_context: socket
// handlers and actors take turns on the same thread, so a frame read from a socket
// reaches its session actor without waking another thread, and an idle worker sleeps in
// epoll instead of on a condition variable.
//
//   dequeue: actor job waiting? -> run it (between jobs, ready sockets are polled, at
//            most once per 100 us)
//            none -> run one ready socket handler, or sleep in epoll until a socket is
//            ready or another thread enqueues a job (which posts a wake-up)
//   With a worker_multiplexer (runtime/worker_multiplexer.hpp) attached, the worker also
//   runs CAF's network backend: what actors sent to other nodes is written when the
//   queue runs dry, or with the sockets every 100 us while it does not, and the
//   backend's sockets are among those polled.
//
// Load it with cfg.load<io_worker_coordinator>(), scheduler.max-threads 1 and a bounded
// scheduler.max-throughput (an actor that never runs dry would otherwise hold the
// sockets for good); the io_context is then io_of(system). Nothing that runs on it may
// block: a blocking socket handler holds every actor of the node.

#include <atomic>
#include <cassert>
#include <chrono>
#include <memory>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/double_ended_queue.hpp>
#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/coordinator.hpp>

#include "runtime/worker_multiplexer.hpp"

namespace parley {

class io_worker_policy : public caf::policy::unprofiled {
public:
  using queue_type = caf::detail::double_ended_queue<caf::resumable>;

  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*)
      : io(std::make_shared<boost::asio::io_context>(1)), keep_running(io->get_executor()) {}

    std::shared_ptr<boost::asio::io_context> io;
    // The worker sleeps in io.run_one(), which must not return for lack of work.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running;
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator* parent);
    worker_data(const worker_data& other) : io(other.io) {}

    queue_type queue;
    std::shared_ptr<boost::asio::io_context> io;
    worker_multiplexer* mux = nullptr;  // set and read on the worker thread only
    std::atomic<bool> sleeping{false};
    std::chrono::steady_clock::time_point last_poll{};
  };

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    // One worker only: a second one sleeping in run_one() could take the first one's
    // wake-up post, and the first would sleep with jobs waiting.
    assert(self->num_workers() == 1);
    self->worker_by_id(0)->external_enqueue(job);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    auto& data = d(self);
    data.queue.append(job);
    if (data.sleeping.exchange(false))
      boost::asio::post(*data.io, [] {});
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    d(self).queue.prepend(job);
  }

  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    d(self).queue.append(job);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& data = d(self);
    for (;;) {
      if (auto* job = data.queue.take_head()) {
        // Busy actors must not starve the sockets, nor busy sockets the actors: a few
        // ready handlers every 100 us (poll() would run on while sockets stay ready).
        auto now = std::chrono::steady_clock::now();
        if (now - data.last_poll >= poll_interval) {
          data.last_poll = now;
          // What actors sent to other nodes meanwhile leaves in one go.
          if (data.mux && data.mux->posted())
            data.mux->pump();
          for (int n = 0; n < max_handlers_per_poll && data.io->poll_one() > 0; ++n) {
          }
        }
        return job;
      }
      if (data.mux && data.mux->posted()) {
        data.mux->pump();
        continue;
      }
      // run_one() runs a ready socket handler if there is one, else sleeps in epoll.
      data.last_poll = std::chrono::steady_clock::now();
      data.sleeping.store(true);
      if (auto* job = data.queue.take_head()) {
        data.sleeping.store(false);
        return job;
      }
      data.io->run_one();
      data.sleeping.store(false);
    }
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker* self, UnaryFunction f) {
    for (auto* job = d(self).queue.take_head(); job != nullptr; job = d(self).queue.take_head())
      f(job);
  }

  template <class Coordinator, class UnaryFunction>
  void foreach_central_resumable(Coordinator*, UnaryFunction) {
  }

private:
  static constexpr auto poll_interval = std::chrono::microseconds{100};
  static constexpr int max_handlers_per_poll = 64;
};

using io_worker_coordinator = caf::scheduler::coordinator<io_worker_policy>;

/// The io_context run by the worker of a system that loaded io_worker_coordinator.
boost::asio::io_context& io_of(caf::actor_system& sys);

/// Makes the worker of `sys` run `mux` (the middleman's backend), from its next turn on.
/// Blocks until it did; false if the multiplexer could not be watched.
bool run_on_worker(caf::actor_system& sys, worker_multiplexer& mux);

/// Hands `mux` back to the calling thread (to stop the actor system): the worker stops
/// running it. Blocks until it did.
void take_back_from_worker(caf::actor_system& sys, worker_multiplexer& mux);

} // namespace parley
