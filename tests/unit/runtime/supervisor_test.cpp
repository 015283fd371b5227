// The OTP-style supervisor on the deterministic scheduler.

#include "runtime/supervisor.hpp"

#include <map>

#include "runtime/errors.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

struct start_log {
  std::map<std::string, int> starts;
};

// A child that counts its starts and can be told to exit with a given reason.
caf::behavior worker(caf::event_based_actor* self) {
  return {
    [self](caf::error& reason) { self->quit(reason); },
    [](caf::ping_atom) { return caf::pong_atom_v; },
  };
}

child_spec worker_spec(const std::string& id, child_kind kind, std::shared_ptr<start_log> log) {
  return {id,
          [id, log](caf::local_actor* sup) {
            ++log->starts[id];
            return sup->spawn<caf::linked>(worker);
          },
          kind};
}

class SupervisorTest : public ActorTest {
protected:
  caf::actor start(supervisor_flags flags, std::vector<child_spec> children) {
    flags.restarts = &restarts;
    auto sup = sys.spawn(supervisor, std::move(flags), std::move(children));
    spawned.push_back(sup);
    sched.run();
    return sup;
  }

  caf::actor child(const caf::actor& sup, const std::string& id) {
    return ask<caf::actor>(sup, lookup_child_atom_v, id);
  }

  void crash(const caf::actor& child) {
    caf::anon_send(child, caf::make_error(errc::internal, "boom"));
    sched.run();
  }

  void finish(const caf::actor& child) {
    caf::anon_send(child, caf::error{});
    sched.run();
  }

  bool alive(const caf::actor& sup) {
    sched.run();
    return !sup->getf(caf::abstract_actor::is_terminated_flag);
  }

  counter restarts;
  std::shared_ptr<start_log> log = std::make_shared<start_log>();
};

TEST_F(SupervisorTest, OneForOneRestartsOnlyTheCrashedChild) {
  supervisor_flags flags;
  flags.name = "test";
  auto sup = start(flags, {worker_spec("a", child_kind::permanent, log),
                           worker_spec("b", child_kind::permanent, log)});
  auto a = child(sup, "a");
  auto b = child(sup, "b");
  crash(a);
  EXPECT_EQ(log->starts["a"], 2);
  EXPECT_EQ(log->starts["b"], 1);
  EXPECT_NE(child(sup, "a"), a);
  EXPECT_EQ(child(sup, "b"), b);
  EXPECT_EQ(restarts.value(), 1u);
}

TEST_F(SupervisorTest, ChildKindsDecideWhatIsRestarted) {
  supervisor_flags flags;
  flags.name = "test";
  auto sup = start(flags, {worker_spec("perm", child_kind::permanent, log),
                           worker_spec("trans", child_kind::transient, log),
                           worker_spec("temp", child_kind::temporary, log)});
  finish(child(sup, "perm"));   // normal exit: a permanent child comes back anyway
  finish(child(sup, "trans"));  // normal exit: a transient child stays down
  crash(child(sup, "temp"));    // crash: a temporary child stays down
  EXPECT_EQ(log->starts["perm"], 2);
  EXPECT_EQ(log->starts["trans"], 1);
  EXPECT_EQ(log->starts["temp"], 1);
  EXPECT_TRUE(ask_error(sup, lookup_child_atom_v, std::string{"trans"}));
  EXPECT_EQ(ask<uint64_t>(sup, count_children_atom_v), 1u);
}

TEST_F(SupervisorTest, TransientChildIsRestartedAfterACrash) {
  supervisor_flags flags;
  flags.name = "test";
  auto sup = start(flags, {worker_spec("trans", child_kind::transient, log)});
  crash(child(sup, "trans"));
  EXPECT_EQ(log->starts["trans"], 2);
}

TEST_F(SupervisorTest, OneForAllRestartsEverySiblingInOrder) {
  supervisor_flags flags;
  flags.name = "test";
  flags.strategy = restart_strategy::one_for_all;
  auto sup = start(flags, {worker_spec("a", child_kind::permanent, log),
                           worker_spec("b", child_kind::permanent, log)});
  auto b = child(sup, "b");
  crash(child(sup, "a"));
  EXPECT_EQ(log->starts["a"], 2);
  EXPECT_EQ(log->starts["b"], 2);
  sched.run();
  EXPECT_TRUE(b->getf(caf::abstract_actor::is_terminated_flag));
  EXPECT_TRUE(alive(sup));
}

TEST_F(SupervisorTest, TooManyRestartsEscalateAndStopTheChildren) {
  supervisor_flags flags;
  flags.name = "test";
  flags.intensity = {2, std::chrono::seconds{5}};
  auto sup = start(flags, {worker_spec("a", child_kind::permanent, log),
                           worker_spec("b", child_kind::permanent, log)});
  auto b = child(sup, "b");
  caf::error reason;
  sup->attach_functor([&reason](const caf::error& r) { reason = r; });
  crash(child(sup, "a"));
  crash(child(sup, "a"));
  EXPECT_TRUE(alive(sup));
  crash(child(sup, "a"));  // the third within 5 s
  EXPECT_FALSE(alive(sup));
  EXPECT_EQ(code_of(reason), errc::escalated);
  EXPECT_TRUE(b->getf(caf::abstract_actor::is_terminated_flag));
}

TEST_F(SupervisorTest, RestartsSpreadOverTimeDoNotEscalate) {
  supervisor_flags flags;
  flags.name = "test";
  flags.intensity = {2, std::chrono::seconds{5}};
  auto sup = start(flags, {worker_spec("a", child_kind::permanent, log)});
  for (int i = 0; i < 5; ++i) {
    crash(child(sup, "a"));
    sched.advance_time(std::chrono::seconds{3});
  }
  EXPECT_TRUE(alive(sup));
  EXPECT_EQ(log->starts["a"], 6);
}

TEST_F(SupervisorTest, EscalationReachesTheParentSupervisor) {
  supervisor_flags inner;
  inner.name = "inner";
  inner.intensity = {0, std::chrono::seconds{5}};
  std::vector<child_spec> inner_children{worker_spec("w", child_kind::permanent, log)};
  supervisor_flags outer;
  outer.name = "outer";
  auto sup = start(outer, {{"inner",
                            [inner, inner_children](caf::local_actor* parent) {
                              return parent->spawn<caf::linked>(supervisor, inner, inner_children);
                            },
                            child_kind::permanent}});
  auto inner_sup = child(sup, "inner");
  crash(child(inner_sup, "w"));  // no restart allowed: inner gives up, outer restarts it
  EXPECT_TRUE(alive(sup));
  EXPECT_NE(child(sup, "inner"), inner_sup);
  EXPECT_EQ(log->starts["w"], 2);
}

TEST_F(SupervisorTest, FactoryStartsVirtualChildrenOnce) {
  supervisor_flags flags;
  flags.name = "virtual";
  auto log_ptr = log;
  flags.factory = [log_ptr](const std::string& id) -> std::optional<child_spec> {
    if (id.rfind("w:", 0) != 0)
      return std::nullopt;
    return worker_spec(id, child_kind::transient, log_ptr);
  };
  auto sup = start(flags, {});
  auto first = ask<caf::actor>(sup, ensure_child_atom_v, std::string{"w:1"});
  auto again = ask<caf::actor>(sup, ensure_child_atom_v, std::string{"w:1"});
  EXPECT_EQ(first, again);
  EXPECT_EQ(log->starts["w:1"], 1);
  EXPECT_TRUE(ask_error(sup, ensure_child_atom_v, std::string{"other"}));
  finish(first);  // stopped while idle: gone, and started afresh on the next use
  auto fresh = ask<caf::actor>(sup, ensure_child_atom_v, std::string{"w:1"});
  EXPECT_NE(fresh, first);
  EXPECT_EQ(log->starts["w:1"], 2);
}

// Other actors find running children in the index instead of asking: it must name
// exactly the children that run, under their current handles.
TEST_F(SupervisorTest, TheIndexFollowsStartsRestartsAndStops) {
  child_index index;
  supervisor_flags flags;
  flags.name = "virtual";
  flags.index = &index;
  auto log_ptr = log;
  flags.factory = [log_ptr](const std::string& id) -> std::optional<child_spec> {
    return worker_spec(id, child_kind::transient, log_ptr);
  };
  auto sup = start(flags, {worker_spec("fixed", child_kind::permanent, log)});
  EXPECT_EQ(index.find("fixed"), child(sup, "fixed"));
  EXPECT_FALSE(index.find("w:1"));
  auto first = ask<caf::actor>(sup, ensure_child_atom_v, std::string{"w:1"});
  EXPECT_EQ(index.find("w:1"), first);
  crash(first);  // restarted under a new handle
  auto second = child(sup, "w:1");
  EXPECT_NE(second, first);
  EXPECT_EQ(index.find("w:1"), second);
  finish(second);  // a transient child that ended normally is gone
  EXPECT_FALSE(index.find("w:1"));
  ask<caf::actor>(sup, ensure_child_atom_v, std::string{"w:2"});
  caf::anon_send(sup, stop_child_atom_v, std::string{"w:2"});
  sched.run();
  EXPECT_FALSE(index.find("w:2"));
  EXPECT_EQ(index.size(), 1u);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  EXPECT_EQ(index.size(), 0u);  // its children went down with it
}

TEST_F(SupervisorTest, AdoptedChildrenAreWatchedNotRestarted) {
  supervisor_flags flags;
  flags.name = "sessions";
  auto sup = start(flags, {});
  auto w = sys.spawn(worker);
  caf::anon_send(sup, adopt_child_atom_v, w, std::string{"session:x"});
  sched.run();
  EXPECT_EQ(ask<uint64_t>(sup, count_children_atom_v), 1u);
  EXPECT_EQ(child(sup, "session:x"), w);
  crash(w);
  EXPECT_EQ(ask<uint64_t>(sup, count_children_atom_v), 0u);
  EXPECT_TRUE(alive(sup));
}

TEST_F(SupervisorTest, StoppingTheSupervisorStopsItsChildren) {
  supervisor_flags flags;
  flags.name = "test";
  auto sup = start(flags, {worker_spec("a", child_kind::permanent, log)});
  auto a = child(sup, "a");
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  EXPECT_TRUE(a->getf(caf::abstract_actor::is_terminated_flag));
  EXPECT_EQ(log->starts["a"], 1);
}

} // namespace
} // namespace parley::testing
