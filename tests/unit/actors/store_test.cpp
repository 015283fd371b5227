#include "actors/store.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

class StoreTest : public ActorTest {
protected:
  void SetUp() override { start_tree(); }

  static mailbox_item message(int n) {
    mailbox_item item;
    item.kind = item_kind::message;
    item.peer = "alice";
    item.id = "m" + std::to_string(n);
    item.body = "hi";
    item.meta = "{}";
    item.ts = 1;
    return item;
  }
};

// A store that fell behind finds many writes waiting at once. They go in transactions of
// bounded size (one huge one makes SQLite spill pages to the WAL a page at a time), and
// every one is committed, answered, and read back in the order it came.
TEST_F(StoreTest, ManyWritesWaitingAtOnceAreAllCommittedInOrder) {
  auto store = registered_actor(store_name::value);
  constexpr int writes = 600;
  std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>> handles;
  auto commits_before = metrics.store_commits.value();
  for (int i = 0; i < writes; ++i)
    handles.push_back(self->request(store, caf::infinite, append_atom_v, std::string{"bob"},
                                    message(i)));
  sched.run();
  int64_t last_seq = 0;
  for (auto& h : handles)
    h.receive([&](stored_ref& ref) {
                EXPECT_GT(ref.seq, last_seq);
                last_seq = ref.seq;
              },
              [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  EXPECT_GE(metrics.store_commits.value() - commits_before, 3u);
  auto loaded = ask<mailbox_snapshot>(store, load_atom_v, std::string{"bob"});
  ASSERT_EQ(loaded.waiting.size(), static_cast<size_t>(writes));
  for (int i = 0; i < writes; ++i)
    EXPECT_EQ(loaded.waiting[i].id, "m" + std::to_string(i));
}

// A store killed outright (no chance to commit what it buffered) still answers the
// writes it held, as CAF answers requests to an actor that is gone: the mailbox that
// asked then fails and restarts instead of waiting for ever.
TEST_F(StoreTest, WritesHeldByAStoreThatIsKilledAreAnswered) {
  auto store = registered_actor(store_name::value);
  caf::anon_send(store, delay_atom_v, int64_t{50}, int64_t{10});  // commits wait 50 ms
  sched.run();
  auto handle = self->request(store, caf::infinite, append_atom_v, std::string{"bob"},
                              message(1));
  sched.run();
  self->send_exit(store, caf::exit_reason::kill);
  sched.run();
  ASSERT_TRUE(answered());
  handle.receive([](stored_ref&) { ADD_FAILURE() << "committed by a store that was killed"; },
                 [](caf::error& err) { EXPECT_EQ(err, caf::sec::request_receiver_down); });
}

class StoreWalTest : public StoreTest {
protected:
  void SetUp() override {
    wal_restart_frames = 256;
    start_tree();
  }

  // One commit of its own (the store runs until it answered).
  void append(int n) {
    ask<stored_ref>(registered_actor(store_name::value), append_atom_v, std::string{"bob"},
                    message(n));
  }

  uintmax_t wal_bytes() { return std::filesystem::file_size(dir / "parley.db-wal"); }
};

// Under steady writes the background checkpointer never catches up by itself, and
// SQLite starts the WAL over only after a checkpoint that did: the store copies the rest
// itself once the WAL is past wal_restart_frames, so the WAL stays near that size
// however long the writes go on (it grew by tens of MB a second before).
TEST_F(StoreWalTest, TheWalStaysBoundedUnderSteadyWrites) {
  constexpr int writes = 3000;  // about 6,000 frames: 23 times the limit
  for (int n = 0; n < writes; ++n)
    append(n);
  // Near the limit: the store waits for a background pass, then no more than twice the
  // limit, and a pass under way makes its copy wait for the next commit (on a busy
  // machine, a few hundred frames). Without the restart: 8.7 MB.
  EXPECT_LT(wal_bytes(), 8u * 256 * 1048);
  auto loaded = ask<mailbox_snapshot>(registered_actor(store_name::value), load_atom_v,
                                      std::string{"bob"});
  EXPECT_EQ(loaded.waiting.size(), static_cast<size_t>(writes));
}

} // namespace
} // namespace parley::testing
