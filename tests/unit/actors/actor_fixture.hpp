#pragma once

// Actors on CAF's deterministic scheduler: nothing runs until the test says so
// (sched.run()), and time moves only when the test advances it. The node's tree runs
// with a real SQLite file in a temporary directory.

#include <memory>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include "actors/messages.hpp"
#include "actors/node.hpp"
#include "actors/node_metrics.hpp"
#include "actors/placement.hpp"
#include "runtime/logging.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley::testing {

struct deterministic_config : caf::actor_system_config {
  deterministic_config() {
    parley::add_message_types(*this);
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console-verbosity", caf::atom("quiet"));
    set("middleman.network-backend", caf::atom("testing"));
  }
};

class ActorTest : public ::testing::Test {
protected:
  ActorTest()
    : sys(cfg),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
      self(sys, true),
      metrics(registry) {
    logs::setup();
    spdlog::set_level(spdlog::level::off);
  }

  ~ActorTest() override {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
    unregister_node_tree(sys);
  }

  /// Starts store, directory, mailboxes and sessions on a fresh database; `cluster`
  /// places users (none: this node alone); with `push`, a push notifier posting there.
  caf::actor start_tree(cluster_view* cluster = nullptr,
                        std::shared_ptr<push_transport> push = nullptr) {
    node_tree_settings s;
    s.cluster = cluster;
    s.local = &local;
    s.push = std::move(push);
    s.store.database = dir / "parley.db";
    if (wal_restart_frames > 0)
      s.store.wal_restart_frames = wal_restart_frames;
    s.store_detached = false;
    s.mailbox = mailbox_settings{};
    auto node = start_node_tree(sys, s, &metrics);
    spawned.push_back(node);
    sched.run();
    return node;
  }

  /// Sends a request, runs the system, and returns the reply (failing on an error).
  template <class T, class... Ts>
  T ask(const caf::actor& dest, Ts&&... xs) {
    return ask_while_time_passes<T>(std::chrono::milliseconds{0}, 0, dest,
                                    std::forward<Ts>(xs)...);
  }

  /// As ask, while fake time passes in `rounds` steps of `step` (a slow store's commits,
  /// retries), running the system between them.
  template <class T, class... Ts>
  T ask_while_time_passes(std::chrono::milliseconds step, int rounds, const caf::actor& dest,
                          Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    for (int i = 0; i < rounds; ++i) {
      sched.run();
      sched.advance_time(step);
    }
    sched.run();
    T result{};
    if (!answered())
      return result;
    handle.receive([&](T& x) { result = std::move(x); },
                   [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return result;
  }

  /// Sends a request that must fail; returns its error.
  template <class... Ts>
  caf::error ask_error(const caf::actor& dest, Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    caf::error result;
    if (!answered())
      return caf::make_error(errc::internal, "no answer");
    handle.receive([&](caf::message& x) { ADD_FAILURE() << "unexpected reply " << to_string(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// Sends a request whose answer is empty; runs the system; fails on an error.
  template <class... Ts>
  void ask_done(const caf::actor& dest, Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    if (answered())
      handle.receive([] {}, [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  }

  /// Whether a reply waits for us. Checked before a blocking receive, which would hang
  /// the test when no reply is coming.
  bool answered() {
    if (!self->mailbox().empty())
      return true;
    ADD_FAILURE() << "no reply after the system ran dry";
    return false;
  }

  /// Kills `target` with an abnormal reason, as a crash would.
  void crash_actor(const caf::actor& target) {
    self->send_exit(target, caf::make_error(errc::internal, "test crash"));
    sched.run();
  }

  caf::actor registered_actor(caf::atom_value name) { return registered(sys, name); }

  caf::actor mailbox_of(const std::string& user) {
    return ask<caf::actor>(registered_actor(mailboxes_name::value), ensure_child_atom_v,
                           mailbox_child_id(user));
  }

  temp_dir dir;
  // Before the actor system: its supervisors clear their index when they stop.
  local_virtual_actors local;
  deterministic_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self;
  metrics_registry registry;
  node_metrics metrics;
  std::vector<caf::actor> spawned;
  int wal_restart_frames = 0;  // the store's (store_settings); 0: its default
};

/// Stands in for a session: records what a mailbox or the directory pushes to it.
struct recorded {
  std::vector<mailbox_item> pushes;
  std::vector<presence_info> presence;
  std::vector<presence_info> snapshots;  // presence where it stood when subscribed
  int replaced = 0;
};

inline caf::behavior recording_session(caf::event_based_actor*, std::shared_ptr<recorded> log) {
  return {
    [log](push_atom, mailbox_item& item) { log->pushes.push_back(std::move(item)); },
    [log](presence_atom, presence_info& p) { log->presence.push_back(std::move(p)); },
    [log](presence_atom, presence_info& p, bool) { log->snapshots.push_back(std::move(p)); },
    [log](replaced_atom) { ++log->replaced; },
    [](seen_atom) { return int64_t{12345}; },
  };
}

/// A message from `from` with id `id`.
inline mailbox_item message_from(const std::string& from, const std::string& id,
                                 const std::string& body = "hello") {
  mailbox_item m;
  m.peer = from;
  m.id = id;
  m.body = body;
  m.meta = "{}";
  return m;
}

} // namespace parley::testing
