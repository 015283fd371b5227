// The directory: keys on first use, live sessions, presence and its subscribers.

#include "actors/directory.hpp"
#include "runtime/clock.hpp"

#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

class DirectoryTest : public ActorTest {
protected:
  void SetUp() override {
    start_tree();
    dir_actor = registered_actor(directory_name::value);
  }

  caf::actor session(std::shared_ptr<recorded> log) {
    auto s = sys.spawn(recording_session, log);
    spawned.push_back(s);
    return s;
  }

  login_reply login(const std::string& user, const std::string& key, const caf::actor& s) {
    return ask<login_reply>(dir_actor, login_atom_v, user, key, s);
  }

  // alice logs in through a session recording into `first`, then through one recording
  // into `second`; returns the first session.
  caf::actor log_in_twice(std::shared_ptr<recorded> first, std::shared_ptr<recorded> second) {
    auto s1 = session(std::move(first));
    login("alice", "k", s1);
    login("alice", "k", session(std::move(second)));
    return s1;
  }

  void end(const caf::actor& s) {
    caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    sched.run();
  }

  caf::actor dir_actor;
};

TEST_F(DirectoryTest, FirstLoginRegistersTheKeyAndLaterLoginsMustMatchIt) {
  auto log = std::make_shared<recorded>();
  EXPECT_TRUE(login("alice", "key-a", session(log)).created);
  EXPECT_FALSE(login("alice", "key-a", session(log)).created);
  auto err = ask_error(dir_actor, login_atom_v, std::string{"alice"}, std::string{"key-b"},
                       session(log));
  EXPECT_EQ(code_of(err), errc::auth_failed);
  EXPECT_EQ(ask<std::string>(dir_actor, key_atom_v, std::string{"alice"}), "key-a");
}

TEST_F(DirectoryTest, TokenLoginNeedsAKnownUser) {
  auto err = ask_error(dir_actor, login_atom_v, std::string{"ghost"}, std::string{},
                       caf::actor{});
  EXPECT_EQ(code_of(err), errc::auth_failed);
}

TEST_F(DirectoryTest, KeysSurviveARestartOfTheDirectory) {
  login("alice", "key-a", caf::actor{});
  auto old = dir_actor;
  crash_actor(dir_actor);
  dir_actor = registered_actor(directory_name::value);
  EXPECT_NE(dir_actor, old);
  EXPECT_EQ(ask<std::string>(dir_actor, key_atom_v, std::string{"alice"}), "key-a");
}

// The store commits last_seen updates a few dozen at a time: a save of hundreds of
// users still reaches the disk in full before the restarted directory reads it back.
TEST_F(DirectoryTest, LastSeenOfManyUsersSurvivesARestartOfTheDirectory) {
  constexpr int users = 300;
  // Later than the logins' own times: last_seen only moves forward.
  const int64_t base = now_ms() + 3'600'000;
  for (int i = 0; i < users; ++i)
    login("user" + std::to_string(i), "k", caf::actor{});
  for (int i = 0; i < users; ++i)
    self->send(dir_actor, seen_atom_v, "user" + std::to_string(i), base + i);
  sched.run();
  crash_actor(dir_actor);
  dir_actor = registered_actor(directory_name::value);
  for (int i = 0; i < users; ++i) {
    auto user = "user" + std::to_string(i);
    EXPECT_EQ(ask<presence_info>(dir_actor, presence_atom_v, user).last_seen, base + i)
      << user;
  }
}

// Updates that arrive together wait for their turn in small commits, but a read of the
// users sees every one of them.
TEST_F(DirectoryTest, TheStoreReadsBackEveryPendingLastSeenUpdate) {
  constexpr int users = 300;
  const int64_t base = now_ms() + 3'600'000;
  for (int i = 0; i < users; ++i)
    login("user" + std::to_string(i), "k", caf::actor{});
  auto store = registered_actor(store_name::value);
  for (int i = 0; i < users; ++i)
    self->send(store, touch_atom_v, "user" + std::to_string(i), base + i);
  auto loaded = ask<std::vector<user_record>>(store, load_users_atom_v);
  ASSERT_EQ(loaded.size(), static_cast<size_t>(users));
  for (const auto& u : loaded)
    EXPECT_EQ(u.last_seen, base + std::stoi(u.user.substr(4))) << u.user;
}

TEST_F(DirectoryTest, ANewSessionReplacesTheOldOne) {
  auto first = std::make_shared<recorded>();
  auto second = std::make_shared<recorded>();
  auto s1 = log_in_twice(first, second);
  EXPECT_EQ(first->replaced, 1);
  EXPECT_EQ(second->replaced, 0);
  // The old session going away does not make alice offline.
  end(s1);
  EXPECT_TRUE(ask<presence_info>(dir_actor, presence_atom_v, std::string{"alice"}).online);
}

// A session's login attempt that comes after a newer session replaced it (a retry of an
// attempt the directory was slow to answer) is refused: the newer session keeps the user.
TEST_F(DirectoryTest, AReplacedSessionCannotLogInAgain) {
  auto first = std::make_shared<recorded>();
  auto second = std::make_shared<recorded>();
  auto s1 = log_in_twice(first, second);
  auto err = ask_error(dir_actor, login_atom_v, std::string{"alice"}, std::string{"k"}, s1);
  EXPECT_EQ(code_of(err), errc::replaced);
  EXPECT_EQ(second->replaced, 0);
  EXPECT_EQ(first->replaced, 1);
}

TEST_F(DirectoryTest, PresenceFollowsSessionsAndAsksTheLiveOneForLastSeen) {
  auto log = std::make_shared<recorded>();
  auto s = session(log);
  login("bob", "k", s);
  auto online = ask<presence_info>(dir_actor, presence_atom_v, std::string{"bob"});
  EXPECT_TRUE(online.online);
  EXPECT_GT(online.last_seen, 0);
  end(s);
  auto offline = ask<presence_info>(dir_actor, presence_atom_v, std::string{"bob"});
  EXPECT_FALSE(offline.online);
  EXPECT_EQ(code_of(ask_error(dir_actor, presence_atom_v, std::string{"ghost"})),
            errc::unknown_user);
}

// The directory asks bob's session for the time of its last frame; the session is busy
// and the directory crashes meanwhile: the asker hears an error, not nothing.
TEST_F(DirectoryTest, APresenceQueryWhenTheDirectoryCrashesIsAnsweredWithAnError) {
  auto busy_session = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](seen_atom) { return self->make_response_promise<int64_t>(); }};
  });
  spawned.push_back(busy_session);
  login("bob", "k", busy_session);
  auto handle = self->request(dir_actor, caf::infinite, presence_atom_v, std::string{"bob"});
  sched.run();
  crash_actor(dir_actor);
  ASSERT_TRUE(answered());
  handle.receive([](presence_info&) { ADD_FAILURE() << "answered by a dead directory"; },
                 [](caf::error& err) { EXPECT_EQ(err, caf::sec::request_receiver_down); });
}

TEST_F(DirectoryTest, SubscribersHearEveryOnlineChange) {
  login("bob", "k", caf::actor{});
  auto watcher = std::make_shared<recorded>();
  auto w = session(watcher);
  login("alice", "k", w);
  ask_done(dir_actor, subscribe_atom_v, std::vector<std::string>{"bob"}, w);
  auto bob = session(std::make_shared<recorded>());
  login("bob", "k", bob);
  end(bob);
  ASSERT_EQ(watcher->snapshots.size(), 1u) << "where bob stood when subscribed";
  EXPECT_FALSE(watcher->snapshots[0].online);
  ASSERT_EQ(watcher->presence.size(), 2u);
  EXPECT_TRUE(watcher->presence[0].online);
  EXPECT_FALSE(watcher->presence[1].online);
  EXPECT_EQ(watcher->presence[1].user, "bob");
}

TEST_F(DirectoryTest, SubscribingToAnUnknownUserFails) {
  auto w = session(std::make_shared<recorded>());
  auto err = ask_error(dir_actor, subscribe_atom_v, std::vector<std::string>{"ghost"}, w);
  EXPECT_EQ(code_of(err), errc::unknown_user);
}

} // namespace
} // namespace parley::testing
