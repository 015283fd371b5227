#include "actors/directory.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/placement.hpp"
#include "runtime/answered_promise.hpp"
#include "runtime/clock.hpp"
#include "runtime/countdown.hpp"
#include "runtime/logging.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

constexpr auto store_timeout = std::chrono::seconds{10};
constexpr auto ask_session_timeout = std::chrono::seconds{1};
constexpr auto touch_interval = std::chrono::seconds{5};

} // namespace

struct directory_state {
  struct entry {
    std::string key;
    int64_t last_seen = 0;
    caf::actor session;
    std::vector<caf::actor> subscribers;
  };

  static inline const char* name = "directory";

  std::unordered_map<std::string, entry> users;
  std::unordered_map<caf::actor_addr, std::string> user_of_session;
  // Sessions told they were replaced, until they stop: a login of theirs that was late
  // (a retried attempt) must not take the user back from the newer session.
  std::unordered_set<caf::actor_addr> replaced;
  std::unordered_map<caf::actor_addr, std::vector<std::string>> subscriptions;
  std::unordered_set<std::string> unsaved_last_seen;
  const cluster_view* cluster = nullptr;
  snapshot_cache placement;
};

namespace {

using self_ptr = caf::stateful_actor<directory_state>*;

caf::actor store_of(self_ptr self) {
  return registered(self->system(), store_name::value);
}

// The directories of the other nodes holding `user`'s record.
std::vector<caf::actor> replica_directories(self_ptr self, const std::string& user) {
  std::vector<caf::actor> out;
  const auto& snap = self->state.placement.current(self->state.cluster);
  for (const auto& node : snap.owners(user))
    if (!snap.is_local(node))
      if (auto dir = service_on(self->system(), snap, node, directory_name::value))
        out.push_back(std::move(dir));
  return out;
}

// Calls done(ok) once every replica directory stored `rec` (ok false if one failed).
void replicate_user(self_ptr self, const user_record& rec, std::function<void(bool)> done) {
  auto targets = replica_directories(self, rec.user);
  if (targets.empty()) {
    done(true);
    return;
  }
  auto pending = std::make_shared<size_t>(targets.size());
  auto ok = std::make_shared<bool>(true);
  for (auto& dir : targets)
    self->request(dir, remote_request, adopt_user_atom_v, rec)
      .then(
        [pending, ok, done]() {
          if (--*pending == 0)
            done(*ok);
        },
        [pending, ok, done](caf::error&) {
          *ok = false;
          if (--*pending == 0)
            done(false);
        });
}

// Runs `then` once `user` is known here, or known not to exist: a record only the
// replicas hold is adopted first.
void find_user(self_ptr self, const std::string& user, std::function<void()> then) {
  if (self->state.users.count(user)) {
    then();
    return;
  }
  auto sources = replica_directories(self, user);
  auto one_done = countdown(sources.size(), std::move(then));
  for (auto& dir : sources)
    self->request(dir, remote_request, lookup_user_atom_v, user)
      .then(
        [self, one_done](user_record& rec) {
          auto& st = self->state;
          if (!st.users.count(rec.user)) {
            auto& e = st.users[rec.user];
            e.key = rec.key;
            e.last_seen = rec.last_seen;
            // A request: the store answers put_user, and a plain send would get the
            // answer back as a stray message.
            if (auto store = store_of(self))
              self->request(store, store_timeout, put_user_atom_v, rec)
                .then([]() {}, [](caf::error&) {});
            SPDLOG_LOGGER_INFO(logs::directory(), "event=user_recovered user={}", rec.user);
          }
          one_done();
        },
        [one_done](caf::error&) { one_done(); });
}

// Where `user` stands as this directory knows it.
presence_info presence_of(const std::string& user, const directory_state::entry& e) {
  return presence_info{user, static_cast<bool>(e.session), e.last_seen};
}

void notify_subscribers(self_ptr self, const std::string& user,
                        const directory_state::entry& e) {
  auto info = presence_of(user, e);
  for (const auto& sub : e.subscribers)
    self->send(sub, presence_atom_v, info);
}

void raise_last_seen(self_ptr self, const std::string& user, int64_t ts) {
  auto i = self->state.users.find(user);
  if (i == self->state.users.end() || ts <= i->second.last_seen)
    return;
  i->second.last_seen = ts;
  self->state.unsaved_last_seen.insert(user);
}

void register_session(self_ptr self, const std::string& user, const caf::actor& session) {
  auto& st = self->state;
  auto& e = st.users[user];
  bool was_online = static_cast<bool>(e.session);
  if (e.session && e.session != session) {
    self->send(e.session, replaced_atom_v);
    st.replaced.insert(e.session.address());
  }
  e.session = session;
  st.user_of_session[session.address()] = user;
  self->monitor(session);
  raise_last_seen(self, user, now_ms());
  if (!was_online)
    notify_subscribers(self, user, e);
}

void on_session_down(self_ptr self, const caf::actor_addr& addr) {
  auto& st = self->state;
  st.replaced.erase(addr);
  if (auto i = st.subscriptions.find(addr); i != st.subscriptions.end()) {
    for (const auto& user : i->second) {
      auto u = st.users.find(user);
      if (u == st.users.end())
        continue;
      auto& subs = u->second.subscribers;
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](const caf::actor& a) { return a.address() == addr; }),
                 subs.end());
    }
    st.subscriptions.erase(i);
  }
  auto i = st.user_of_session.find(addr);
  if (i == st.user_of_session.end())
    return;
  auto user = std::move(i->second);
  st.user_of_session.erase(i);
  auto u = st.users.find(user);
  if (u == st.users.end() || !u->second.session || u->second.session.address() != addr)
    return;  // replaced by a newer session: the user stays online
  u->second.session = nullptr;
  notify_subscribers(self, user, u->second);
}

void save_last_seen(self_ptr self) {
  auto& st = self->state;
  auto store = store_of(self);
  if (!store)
    return;
  for (const auto& user : st.unsaved_last_seen)
    if (auto i = st.users.find(user); i != st.users.end()) {
      self->send(store, touch_atom_v, user, i->second.last_seen);
      if (is_primary_here(st.placement.current(st.cluster), user))
        for (auto& dir : replica_directories(self, user))
          self->send(dir, seen_atom_v, user, i->second.last_seen);
    }
  st.unsaved_last_seen.clear();
}

using login_promise = answered_promise<caf::typed_response_promise<login_reply>>;

void login(self_ptr self, login_promise promise,
           const std::string& user, const std::string& key, const caf::actor& session) {
  auto& st = self->state;
  if (session && st.replaced.count(session.address()) != 0) {
    promise.deliver(caf::make_error(errc::replaced, "logged in elsewhere"));
    return;
  }
  auto i = st.users.find(user);
  if (i != st.users.end()) {
    if (!key.empty() && key != i->second.key) {
      promise.deliver(
        caf::make_error(errc::auth_failed, "a different key is registered for this user"));
      return;
    }
    auto previous_seen = i->second.last_seen;
    if (session)
      register_session(self, user, session);
    promise.deliver(login_reply{false, previous_seen});
    return;
  }
  if (key.empty()) {
    promise.deliver(caf::make_error(errc::auth_failed, "unknown user"));
    return;
  }
  // Trust on first use: the key is ours from now on, in memory at once (a concurrent
  // login with another key fails) and on disk, here and on the replicas, before we answer.
  auto now = now_ms();
  st.users[user].key = key;
  st.users[user].last_seen = now;
  auto store = store_of(self);
  if (!store) {
    st.users.erase(user);
    promise.deliver(caf::make_error(errc::unavailable, "store not running"));
    return;
  }
  self->request(store, store_timeout, put_user_atom_v, user_record{user, key, now, now})
    .then(
      [self, promise, user, session, key, now]() mutable {
        replicate_user(self, user_record{user, key, now, now},
                       [self, promise, user, session](bool copied) mutable {
          if (!copied)
            SPDLOG_LOGGER_WARN(logs::directory(), "event=user_copy_failed user={}", user);
          SPDLOG_LOGGER_INFO(logs::directory(), "event=user_registered user={}", user);
          if (session)
            register_session(self, user, session);
          promise.deliver(login_reply{true, 0});
        });
      },
      [self, promise, user](caf::error& err) mutable {
        SPDLOG_LOGGER_WARN(logs::directory(), "event=register_failed user={} err={}", user,
                           self->system().render(err));
        self->state.users.erase(user);
        promise.deliver(caf::make_error(errc::unavailable, "could not store the new user"));
      });
}

caf::behavior running(self_ptr self) {
  return {
    [self](login_atom, const std::string& user, const std::string& key,
           const caf::actor& session) -> caf::result<login_reply> {
      auto promise = answer_even_if_stopped(self->make_response_promise<login_reply>());
      find_user(self, user, [self, promise, user, key, session]() mutable {
        login(self, promise, user, key, session);
      });
      return promise.later();
    },
    [self](lookup_user_atom, const std::string& user) -> caf::result<user_record> {
      auto i = self->state.users.find(user);
      if (i == self->state.users.end())
        return caf::make_error(errc::unknown_user, user);
      return user_record{user, i->second.key, 0, i->second.last_seen};
    },
    [self](adopt_user_atom, const user_record& rec) {
      auto& e = self->state.users[rec.user];
      if (e.key.empty())
        e.key = rec.key;
      else if (e.key != rec.key)
        SPDLOG_LOGGER_WARN(logs::directory(), "event=key_conflict user={} kept=existing", rec.user);
      e.last_seen = std::max(e.last_seen, rec.last_seen);
      auto promise = answer_even_if_stopped(self->make_response_promise());
      auto store = store_of(self);
      if (!store) {
        promise.deliver(caf::make_error(errc::unavailable, "store not running"));
        return promise.later();
      }
      self->request(store, store_timeout, put_user_atom_v,
                    user_record{rec.user, e.key, rec.created, e.last_seen})
        .then([promise]() { promise.deliver(caf::make_message()); },
              [promise](caf::error& err) { promise.deliver(err); });
      return promise.later();
    },
    [self](presence_atom, const std::string& user) -> caf::result<presence_info> {
      auto i = self->state.users.find(user);
      if (i == self->state.users.end())
        return caf::make_error(errc::unknown_user, user);
      auto& e = i->second;
      if (!e.session)
        return presence_info{user, false, e.last_seen};
      // Online: the session knows the time of its last frame.
      auto promise = answer_even_if_stopped(self->make_response_promise<presence_info>());
      self->request(e.session, ask_session_timeout, seen_atom_v)
        .then(
          [self, promise, user](int64_t ts) {
            raise_last_seen(self, user, ts);
            promise.deliver(presence_info{user, true, self->state.users[user].last_seen});
          },
          [self, promise, user](caf::error&) {
            promise.deliver(presence_of(user, self->state.users[user]));
          });
      return promise.later();
    },
    [self](subscribe_atom, const std::vector<std::string>& users,
           const caf::actor& subscriber) -> caf::result<void> {
      auto& st = self->state;
      for (const auto& user : users)
        if (st.users.count(user) == 0)
          return caf::make_error(errc::unknown_user, user);
      auto& mine = st.subscriptions[subscriber.address()];
      for (const auto& user : users) {
        auto& subs = st.users[user].subscribers;
        if (std::find(subs.begin(), subs.end(), subscriber) != subs.end())
          continue;
        subs.push_back(subscriber);
        mine.push_back(user);
      }
      // Where each stands now, before the answer: a renewed subscription (after a
      // change of the cluster) tells its client what it missed meanwhile.
      for (const auto& user : users)
        self->send(subscriber, presence_atom_v, presence_of(user, st.users[user]), true);
      self->monitor(subscriber);
      return caf::unit;
    },
    [self](key_atom, const std::string& user) -> caf::result<std::string> {
      auto i = self->state.users.find(user);
      if (i == self->state.users.end())
        return caf::make_error(errc::unknown_user, user);
      return i->second.key;
    },
    [self](seen_atom, const std::string& user, int64_t ts) { raise_last_seen(self, user, ts); },
    [self](session_of_atom, const std::string& user) -> caf::result<caf::actor> {
      auto i = self->state.users.find(user);
      if (i == self->state.users.end() || !i->second.session)
        return caf::make_error(errc::unknown_user, user);
      return i->second.session;
    },
    [self](caf::tick_atom) {
      save_last_seen(self);
      self->delayed_send(self, touch_interval, caf::tick_atom_v);
    },
  };
}

} // namespace

caf::behavior directory(caf::stateful_actor<directory_state>* self,
                        const cluster_view* cluster) {
  self->state.cluster = cluster;
  self->set_down_handler([self](caf::down_msg& msg) { on_session_down(self, msg.source); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    save_last_seen(self);
    self->quit(msg.reason);
  });
  // Until the users are loaded, everything else waits in the mailbox.
  self->set_default_handler(caf::skip);
  auto store = store_of(self);
  if (!store) {
    self->quit(caf::make_error(errc::unavailable, "store not running"));
    return {};
  }
  self->request(store, store_timeout, load_users_atom_v)
    .then(
      [self](std::vector<user_record>& users) {
        for (auto& u : users) {
          auto& e = self->state.users[u.user];
          e.key = std::move(u.key);
          e.last_seen = u.last_seen;
        }
        SPDLOG_LOGGER_INFO(logs::directory(), "event=loaded users={}", users.size());
        self->set_default_handler(log_unexpected(logs::directory(), "directory"));
        self->become(running(self));
        self->delayed_send(self, touch_interval, caf::tick_atom_v);
      },
      [self](caf::error& err) {
        SPDLOG_LOGGER_ERROR(logs::directory(), "event=load_failed err={}",
                            self->system().render(err));
        self->quit(err);
      });
  return {
    [](caf::tick_atom) {},  // replaced by `running` once loaded
  };
}

caf::actor start_directory(caf::local_actor* sup, const cluster_view* cluster) {
  auto handle = sup->spawn<caf::linked>(directory, cluster);
  register_as(sup->system(), directory_name::value, handle);
  return handle;
}

} // namespace parley
