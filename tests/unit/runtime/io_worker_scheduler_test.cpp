// The scheduler whose one worker runs the io_context too, on a real actor system and a
// real io_context: actors and socket handlers share the thread, a job from another
// thread wakes a worker asleep in epoll, and neither side starves the other.

#include "runtime/io_worker_scheduler.hpp"

#include <chrono>
#include <future>
#include <thread>

#include <boost/asio/steady_timer.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <gtest/gtest.h>

namespace parley::testing {
/// Where a message was handled; local only, never serialized.
using thread_probe = std::shared_ptr<std::promise<std::thread::id>>;
} // namespace parley::testing

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::testing::thread_probe)

namespace parley {
namespace {

using testing::thread_probe;

using std::chrono::milliseconds;
using std::chrono::seconds;

class io_worker_config : public caf::actor_system_config {
public:
  io_worker_config() {
    load<io_worker_coordinator>();
    set("scheduler.max-threads", size_t{1});
    set("scheduler.max-throughput", size_t{64});  // as the node sets it
    set("logger.verbosity", caf::atom("quiet"));
  }
};

class IoWorkerSchedulerTest : public ::testing::Test {
protected:
  io_worker_config cfg;
  caf::actor_system sys{cfg};
  boost::asio::io_context& io = io_of(sys);
};

// An actor that tells `seen` on which thread it got each message.
caf::behavior thread_teller(caf::event_based_actor*) {
  return {
    [](thread_probe& seen) {
      seen->set_value(std::this_thread::get_id());
    },
  };
}

TEST_F(IoWorkerSchedulerTest, ActorsAndSocketHandlersRunOnTheWorkerThread) {
  auto actor = sys.spawn(thread_teller);
  auto in_handler = std::make_shared<std::promise<std::thread::id>>();
  auto in_actor = std::make_shared<std::promise<std::thread::id>>();
  boost::asio::post(io, [in_handler, in_actor, actor] {
    in_handler->set_value(std::this_thread::get_id());
    caf::anon_send(actor, in_actor);
  });
  auto handler_thread = in_handler->get_future();
  auto actor_thread = in_actor->get_future();
  ASSERT_EQ(handler_thread.wait_for(seconds{5}), std::future_status::ready);
  ASSERT_EQ(actor_thread.wait_for(seconds{5}), std::future_status::ready);
  auto worker = handler_thread.get();
  EXPECT_EQ(actor_thread.get(), worker);
  EXPECT_NE(worker, std::this_thread::get_id());
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

// The worker goes to sleep in epoll between the messages; each one sent from this
// thread must wake it (a lost wake-up would leave a message waiting for ever).
TEST_F(IoWorkerSchedulerTest, AMessageFromAnotherThreadWakesTheSleepingWorker) {
  auto actor = sys.spawn(thread_teller);
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds{(i % 7) * 150});
    auto seen = std::make_shared<std::promise<std::thread::id>>();
    auto answered = seen->get_future();
    caf::anon_send(actor, seen);
    ASSERT_EQ(answered.wait_for(seconds{2}), std::future_status::ready) << "message " << i;
  }
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

// An actor that never runs out of messages keeps the worker busy; a timer on the
// io_context still fires, and the actor still hears a stop sent from a socket handler.
// (It gives up by itself after 3 s, so that a failing test ends.)
TEST_F(IoWorkerSchedulerTest, ABusyActorDoesNotStarveTheSockets) {
  auto stopped = std::make_shared<std::promise<bool>>();  // true: by the timer's stop
  auto busy = sys.spawn([stopped](caf::event_based_actor* self) -> caf::behavior {
    auto give_up_at = std::chrono::steady_clock::now() + seconds{3};
    self->send(self, caf::tick_atom_v);
    return {
      [self, stopped, give_up_at](caf::tick_atom) {
        if (std::chrono::steady_clock::now() < give_up_at) {
          self->send(self, caf::tick_atom_v);
          return;
        }
        stopped->set_value(false);
        self->quit();
      },
      [self, stopped](caf::ok_atom) {
        stopped->set_value(true);
        self->quit();
      },
    };
  });
  boost::asio::steady_timer timer{io};
  timer.expires_after(milliseconds{20});
  timer.async_wait([busy](boost::system::error_code) { caf::anon_send(busy, caf::ok_atom_v); });
  auto outcome = stopped->get_future();
  ASSERT_EQ(outcome.wait_for(seconds{5}), std::future_status::ready);
  EXPECT_TRUE(outcome.get()) << "the timer's handler waited until the actor gave up";
}

} // namespace
} // namespace parley
