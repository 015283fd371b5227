// CAF's middleman run by the io worker thread (runtime/worker_multiplexer), over real
// loopback sockets: two such systems talk (remote requests answered) with no thread of
// CAF's multiplexer in the process, and stop cleanly once the multiplexers are taken
// back.

#include "runtime/worker_multiplexer.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <boost/asio/post.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <gtest/gtest.h>

#include "runtime/io_worker_scheduler.hpp"

namespace parley {
namespace {

class worker_mux_config : public caf::actor_system_config {
public:
  worker_mux_config() {
    load<io_worker_coordinator>();
    load<caf::io::middleman, worker_multiplexer>();
    set("middleman.manual-multiplexing", true);
    set("scheduler.max-threads", size_t{1});
    set("scheduler.max-throughput", size_t{64});
    set("logger.verbosity", caf::atom("quiet"));
  }
};

// Threads of this process named `name` (CAF names its multiplexer's thread).
int threads_named(const std::string& name) {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm{task.path() / "comm"};
    std::string line;
    if (std::getline(comm, line) && line == name)
      ++n;
  }
  return n;
}

// Answers a ping with the hash of the thread it ran on.
caf::behavior thread_reporter(caf::event_based_actor*) {
  return {
    [](caf::ping_atom) {
      return static_cast<uint64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    },
  };
}

// A system whose worker runs its multiplexer from its start; the loop is taken back
// before the actor system stops (~actor_system stops the middleman on this thread, and
// a worker still polling it would race with that).
struct system_on_worker {
  worker_mux_config cfg;
  caf::actor_system sys{cfg};
  worker_multiplexer& mux = static_cast<worker_multiplexer&>(sys.middleman().backend());
  bool running = run_on_worker(sys, mux);

  ~system_on_worker() {
    if (running)
      take_back_from_worker(sys, mux);
  }

  uint16_t publish(const caf::actor& actor) {
    auto port = sys.middleman().publish(actor, 0, "127.0.0.1");
    EXPECT_TRUE(port) << sys.render(port.error());
    return port ? *port : 0;
  }
};

// Starts a second system on its worker, connects it to `port` and runs
// `talk(system, remote actor)`; stops it again.
template <class Talk>
void from_another_system(uint16_t port, Talk talk) {
  system_on_worker other;
  ASSERT_TRUE(other.running);
  auto remote = other.sys.middleman().remote_actor("127.0.0.1", port);
  ASSERT_TRUE(remote) << other.sys.render(remote.error());
  talk(other.sys, *remote);
}

TEST(WorkerMultiplexerTest, TwoSystemsTalkWithoutAMultiplexerThread) {
  system_on_worker node;
  ASSERT_TRUE(node.running);
  auto& sys = node.sys;
  // The worker's identity, as the io_context (run only by the worker) sees it.
  std::promise<uint64_t> worker;
  boost::asio::post(io_of(sys), [&worker] {
    worker.set_value(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  });
  auto worker_id = worker.get_future().get();
  auto reporter = sys.spawn(thread_reporter);
  auto port = node.publish(reporter);
  ASSERT_NE(port, 0);
  from_another_system(port, [&](caf::actor_system& other, const caf::actor& remote) {
    caf::scoped_actor self{other};
    for (int i = 0; i < 100; ++i) {
      uint64_t ran_on = 0;
      self->request(remote, std::chrono::seconds{5}, caf::ping_atom_v)
        .receive([&](uint64_t x) { ran_on = x; },
                 [&](caf::error& err) { FAIL() << other.render(err); });
      ASSERT_EQ(ran_on, worker_id);
    }
    // CAF 0.17 gives its scheduler's workers the multiplexer's thread name too: one
    // worker per system; a multiplexer thread of their own would make it four.
    EXPECT_EQ(threads_named("caf.multiplexer"), 2);
  });
  caf::anon_send_exit(reporter, caf::exit_reason::user_shutdown);
}

// Counts the pieces that arrive in order and whole (piece n: n's letter, n's size).
struct piece_checker_state {
  int32_t next = 0;
  int32_t whole = 0;
};

std::string piece(int32_t n) {
  static constexpr size_t sizes[] = {1, 100, 5'000, 70'000, 200'000};
  return std::string(sizes[n % 5], static_cast<char>('a' + n % 26));
}

caf::behavior piece_checker(caf::stateful_actor<piece_checker_state>* self) {
  return {
    [self](int32_t n, const std::string& bytes) {
      auto& st = self->state;
      if (n == st.next && bytes == piece(n))
        ++st.whole;
      st.next = n + 1;
    },
    [self](caf::get_atom) { return self->state.whole; },
  };
}

TEST(WorkerMultiplexerTest, ABurstOfMessagesOfEverySizeArrivesWholeAndInOrder) {
  // Sent in one go, they leave in few writes and arrive in few reads: payloads larger
  // than the read-ahead buffer (64 KiB) and messages cut at its edge included.
  system_on_worker node;
  ASSERT_TRUE(node.running);
  auto checker = node.sys.spawn(piece_checker);
  auto port = node.publish(checker);
  ASSERT_NE(port, 0);
  constexpr int32_t pieces = 300;
  from_another_system(port, [&](caf::actor_system& other, const caf::actor& remote) {
    caf::scoped_actor self{other};
    for (int32_t n = 0; n < pieces; ++n)
      self->send(remote, n, piece(n));
    int32_t whole = -1;
    self->request(remote, std::chrono::seconds{10}, caf::get_atom_v)
      .receive([&](int32_t x) { whole = x; },
               [&](caf::error& err) { FAIL() << other.render(err); });
    EXPECT_EQ(whole, pieces);
  });
  caf::anon_send_exit(checker, caf::exit_reason::user_shutdown);
}

// Answers with the size of what it got.
caf::behavior sizer(caf::event_based_actor*) {
  return {[](const std::string& bytes) { return static_cast<uint64_t>(bytes.size()); }};
}

// Sends `bytes` to `dest` from an actor on the worker (no other thread wakes the loop
// meanwhile) and answers with what `dest` answered.
caf::behavior relay(caf::event_based_actor* self) {
  return {
    [self](const caf::actor& dest, uint64_t bytes) {
      auto promise = self->make_response_promise<uint64_t>();
      self->request(dest, std::chrono::seconds{10}, std::string(bytes, 'x'))
        .then([promise](uint64_t got) mutable { promise.deliver(got); },
              [promise](caf::error& err) mutable { promise.deliver(std::move(err)); });
      return promise;
    },
  };
}

// Holds its thread (the receiving system's only worker) for a while: nothing is read
// from the socket meanwhile.
caf::behavior sleeper(caf::event_based_actor*) {
  return {[](caf::ok_atom) { std::this_thread::sleep_for(std::chrono::milliseconds{300}); }};
}

TEST(WorkerMultiplexerTest, AMessageTheSocketCannotTakeAtOnceLeavesWhole) {
  // Far more than the sockets hold while the receiver reads nothing: the rest goes out
  // when the socket drains, with no other traffic to wake the sender's loop.
  constexpr uint64_t bytes = 16 * 1024 * 1024;
  system_on_worker node;
  ASSERT_TRUE(node.running);
  auto receiver = node.sys.spawn(sizer);
  auto port = node.publish(receiver);
  ASSERT_NE(port, 0);
  from_another_system(port, [&](caf::actor_system& other, const caf::actor& remote) {
    auto sender = other.spawn(relay);
    caf::anon_send(node.sys.spawn(sleeper), caf::ok_atom_v);
    caf::scoped_actor self{other};
    uint64_t got = 0;
    self->request(sender, std::chrono::seconds{15}, remote, bytes)
      .receive([&](uint64_t x) { got = x; },
               [&](caf::error& err) { FAIL() << other.render(err); });
    EXPECT_EQ(got, bytes);
    caf::anon_send_exit(sender, caf::exit_reason::user_shutdown);
  });
  caf::anon_send_exit(receiver, caf::exit_reason::user_shutdown);
}

TEST(WorkerMultiplexerTest, EachSystemWatchesItsOwnEpollInstance) {
  worker_mux_config cfg;
  caf::actor_system first{cfg};
  worker_mux_config other_cfg;
  caf::actor_system second{other_cfg};
  // Two CAF loops in the process: each multiplexer found the one its constructor made.
  EXPECT_EQ(epoll_fds_watching_a_pipe().size(), 2u);
  for (auto* sys : {&first, &second}) {
    auto& mux = static_cast<worker_multiplexer&>(sys->middleman().backend());
    ASSERT_TRUE(run_on_worker(*sys, mux));
    take_back_from_worker(*sys, mux);
  }
}

} // namespace
} // namespace parley
