// The copier on the deterministic scheduler, between stand-in replica stores that record
// what reaches them and can hold back or refuse their answers.

#include "actors/copier.hpp"

#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

struct store_log {
  bool hold = false;    // keep answers back until released
  bool refuse = false;  // answer copies with an error
  size_t requests = 0;  // messages of copies (answered)
  size_t change_messages = 0;  // messages of changes alone (not answered)
  std::vector<std::string> items;  // "owner/id", in arrival order
  std::vector<std::string> changes;  // "owner/id status"
  std::vector<caf::response_promise> held;
};

caf::behavior stand_in_store(caf::event_based_actor* self, std::shared_ptr<store_log> log) {
  auto note_changes = [log](const std::vector<item_change>& changes) {
    for (const auto& c : changes)
      log->changes.push_back(c.owner + "/" + c.id + " " + to_string(c.status));
  };
  return {
    [self, log, note_changes](replicate_atom, const std::vector<copied_item>& items,
                              const std::vector<item_change>& changes) {
      ++log->requests;
      for (const auto& c : items)
        log->items.push_back(c.owner + "/" + c.item.id);
      note_changes(changes);
      auto promise = self->make_response_promise();
      if (log->refuse)
        promise.deliver(caf::make_error(errc::internal, "refused"));
      else if (log->hold)
        log->held.push_back(promise);
      else
        promise.deliver(caf::make_message());
      return promise;
    },
    [log, note_changes](replicate_atom, const std::vector<item_change>& changes) {
      ++log->change_messages;
      note_changes(changes);
    },
    [log](caf::ok_atom) {
      for (auto& p : log->held)
        p.deliver(caf::make_message());
      log->held.clear();
    },
  };
}

mailbox_item item_with_id(const std::string& id) {
  mailbox_item item;
  item.peer = "alice";
  item.id = id;
  item.body = "hi";
  item.ts = 1;
  return item;
}

class CopierTest : public ActorTest {
protected:
  caf::actor add_store(const std::shared_ptr<store_log>& log) {
    auto store = sys.spawn(stand_in_store, log);
    spawned.push_back(store);
    return store;
  }

  auto copy(const std::string& owner, const std::string& id, std::vector<caf::actor> stores) {
    return self->request(copier, caf::infinite, replicate_atom_v, owner, item_with_id(id),
                         std::move(stores));
  }

  // Whether the answer to `handle` is there and says committed (not an error).
  template <class Handle>
  bool committed(Handle& handle) {
    bool ok = false;
    handle.receive([&] { ok = true; }, [&](caf::error& err) { (void)err; });
    return ok;
  }

  cluster_view view{cluster_snapshot::single(member_info{"n1", {}, {}, {}, {}, 0, 0}, 2)};
  // Started as the node starts it: by a parent it is linked to, registered as "copier".
  caf::actor copier = [this] {
    auto parent = sys.spawn([this](caf::event_based_actor* p) -> caf::behavior {
      start_copier(p, &view);
      return {[](caf::ok_atom) {}};
    });
    spawned.push_back(parent);
    sched.run();
    return registered_actor(copier_name::value);
  }();
  std::shared_ptr<store_log> first = std::make_shared<store_log>();
  std::shared_ptr<store_log> second = std::make_shared<store_log>();
};

TEST_F(CopierTest, CopiesForOneStoreInOneTurnTravelInOneMessage) {
  auto store = add_store(first);
  auto a = copy("bob", "m1", {store});
  auto b = copy("carol", "m2", {store});
  caf::anon_send(copier, status_atom_v, item_change{"dave", "alice", "", "m0",
                                                    receipt_status::delivered},
                 std::vector<caf::actor>{store});
  auto c = copy("bob", "m3", {store});
  sched.run();
  EXPECT_EQ(first->requests, 1u);
  EXPECT_EQ(first->change_messages, 0u);
  EXPECT_EQ(first->items, (std::vector<std::string>{"bob/m1", "carol/m2", "bob/m3"}));
  EXPECT_EQ(first->changes, (std::vector<std::string>{"dave/m0 delivered"}));
  ASSERT_EQ(self->mailbox().size(), 3u);
  EXPECT_TRUE(committed(a));
  EXPECT_TRUE(committed(b));
  EXPECT_TRUE(committed(c));
}

TEST_F(CopierTest, ACopyIsAnsweredOnceEveryStoreCommittedIt) {
  second->hold = true;
  auto handle = copy("bob", "m1", {add_store(first), add_store(second)});
  sched.run();
  EXPECT_EQ(first->items, (std::vector<std::string>{"bob/m1"}));
  EXPECT_EQ(second->items, (std::vector<std::string>{"bob/m1"}));
  EXPECT_TRUE(self->mailbox().empty()) << "answered before the second store committed";
  caf::anon_send(spawned.back(), caf::ok_atom_v);
  sched.run();
  ASSERT_TRUE(answered());
  EXPECT_TRUE(committed(handle));
}

TEST_F(CopierTest, ACopyOneStoreRefusedFails) {
  second->refuse = true;
  auto handle = copy("bob", "m1", {add_store(first), add_store(second)});
  sched.run();
  ASSERT_TRUE(answered());
  EXPECT_FALSE(committed(handle));
}

TEST_F(CopierTest, CopiesHeldByAStoreThatStopsFail) {
  first->hold = true;
  auto store = add_store(first);
  auto handle = copy("bob", "m1", {store});
  sched.run();
  ASSERT_EQ(first->held.size(), 1u);
  caf::anon_send_exit(store, caf::exit_reason::kill);
  sched.run();
  ASSERT_TRUE(answered()) << "the copier never heard that the store stopped";
  EXPECT_FALSE(committed(handle));
}

TEST_F(CopierTest, ChangesAloneGoInAMessageThatWantsNoAnswer) {
  auto store = add_store(first);
  for (auto id : {"m1", "m2"})
    caf::anon_send(copier, status_atom_v,
                   item_change{"bob", "alice", "", id, receipt_status::read},
                   std::vector<caf::actor>{store});
  sched.run();
  EXPECT_EQ(first->requests, 0u);
  EXPECT_EQ(first->change_messages, 1u);
  EXPECT_EQ(first->changes, (std::vector<std::string>{"bob/m1 read", "bob/m2 read"}));
}

TEST_F(CopierTest, ACopyWithNoStoresIsAnsweredAtOnce) {
  auto handle = copy("bob", "m1", {});
  sched.run();
  ASSERT_TRUE(answered());
  EXPECT_TRUE(committed(handle));
}

} // namespace
} // namespace parley::testing
