#include "actors/session_state.hpp"

// The presence subscriptions of session:<user>: watched users' directories may sit on
// other nodes and move when the cluster changes; the session subscribes again, and tells
// its client what it missed meanwhile.

#include <algorithm>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "runtime/logging.hpp"

namespace parley::session_detail {

namespace {

// A renewed subscription can meet a directory that does not know the user yet (a node
// that just joined, before handoff copied the user's record): try again, backing off
// (250 ms doubling to 4 s, about 24 s in all).
constexpr auto renew_retry_first = std::chrono::milliseconds{250};
constexpr auto renew_retry_max = std::chrono::seconds{4};
constexpr int renew_attempts = 10;
// A renewal can reach a watched user's new directory before that user's own session
// (alive on another node) has registered there: an offline there is believed only if it
// still holds this much later.
constexpr auto offline_grace = std::chrono::seconds{1};

// The entry of `user` among the watched (kept sorted: a subscription may list a
// thousand users, and each gets a snapshot), made if missing.
watched_user& watched(self_ptr self, const std::string& user) {
  auto& all = self->state.watched;
  auto i = std::lower_bound(all.begin(), all.end(), user,
                            [](const watched_user& w, const std::string& u) { return w.user < u; });
  if (i == all.end() || i->user != user)
    i = all.insert(i, watched_user{user});
  return *i;
}

// A renewal failed: try again later, once at a time, until renew_attempts failed since
// the cluster last changed.
void renew_later(self_ptr self) {
  auto& st = self->state;
  if (st.renew_queued)
    return;
  if (++st.renew_attempt >= renew_attempts) {
    SPDLOG_LOGGER_INFO(logs::session(), "event=renew_given_up user={} watched={}",
                       st.user, st.watched.size());
    return;
  }
  st.renew_queued = true;
  auto doublings = std::min(st.renew_attempt - 1, 4);
  auto delay = std::min<std::chrono::milliseconds>(renew_retry_first * (1 << doublings),
                                                   renew_retry_max);
  self->delayed_send(self, delay, retry_atom_v);
}

using users_by_directory = std::map<caf::actor, std::vector<std::string>>;

// `users` by the directory serving each, into `out`; false if one has none now.
bool group_by_directory(self_ptr self, const std::vector<std::string>& users,
                        users_by_directory& out) {
  bool all = true;
  for (const auto& user : users) {
    if (auto dir = directory_of(self, user))
      out[dir].push_back(user);
    else
      all = false;
  }
  return all;
}

} // namespace

// Users are watched at their own directories, which may sit on different nodes: one
// request per directory, `ok` once all agreed.
void subscribe(self_ptr self, const subscribe_request& req) {
  users_by_directory by_directory;
  if (!group_by_directory(self, req.users, by_directory)) {
    send_error(self, req.id, caf::make_error(errc::unavailable, "directory not reachable"));
    return;
  }
  auto pending = std::make_shared<size_t>(by_directory.size());
  auto failed = std::make_shared<bool>(false);
  auto me = caf::actor_cast<caf::actor>(self);
  for (auto& [dir, users] : by_directory)
    self->request(dir, directory_timeout, subscribe_atom_v, users, me)
      .then(
        [self, pending, failed, id = req.id, users]() {
          for (const auto& u : users)
            watched(self, u);
          if (--*pending == 0 && !*failed)
            send_frame(self, ok_frame{id});
        },
        [self, failed, id = req.id](caf::error& err) {
          if (!*failed)
            send_error(self, id, err);
          *failed = true;
        });
}

// The cluster changed: a watched user's directory may be on another node now, which
// never heard of this subscription. Subscribing again where one exists is a no-op. Each
// directory answers with the users' presence now (presence_changed with `snapshot`), so
// a change the client missed meanwhile (a watched user's node died with its session) is
// told once it is renewed.
void renew_subscriptions(self_ptr self) {
  auto& st = self->state;
  if (st.watched.empty())
    return;
  std::vector<std::string> names;
  names.reserve(st.watched.size());
  for (const auto& w : st.watched)
    names.push_back(w.user);
  users_by_directory by_directory;
  if (!group_by_directory(self, names, by_directory))
    renew_later(self);
  auto me = caf::actor_cast<caf::actor>(self);
  for (auto& [dir, users] : by_directory)
    self->request(dir, directory_timeout, subscribe_atom_v, users, me)
      .then([]() {},
            [self](caf::error& err) {
              SPDLOG_LOGGER_DEBUG(logs::session(), "event=renew_failed user={} attempt={} err={}",
                                  self->state.user, self->state.renew_attempt,
                                  self->system().render(err));
              renew_later(self);
            });
}


// What the directories tell us about a watched user. The client hears what differs
// from what it was last told. A snapshot saying offline where the user was online is
// asked again after offline_grace.
void presence_changed(self_ptr self, const presence_info& p, presence_news news) {
  auto& w = watched(self, p.user);
  bool differs = p.online != w.online || (!p.online && p.last_seen > w.last_seen);
  if (news == presence_news::snapshot && w.known && w.online && !p.online) {
    self->delayed_send(self, offline_grace, presence_atom_v, p.user);
    return;
  }
  // A change that changes nothing for the client is not told either: a user's session
  // registering at its new directory after a failover reads there as coming online.
  bool tell = news == presence_news::change ? (!w.known || differs) : (w.known && differs);
  w.known = true;
  w.online = p.online;
  w.last_seen = p.last_seen;
  if (tell)
    send_frame(self, presence_frame{{}, p.user, p.online, p.last_seen});
}

// The second look at a watched user a snapshot said offline (presence_changed).
void check_offline(self_ptr self, const std::string& user) {
  auto dir = directory_of(self, user);
  if (!dir)
    return;
  self->request(dir, directory_timeout, presence_atom_v, user)
    .then([self](presence_info& p) { presence_changed(self, p, presence_news::rechecked); },
          [](caf::error&) {});
}

} // namespace parley::session_detail
