#include "actors/group.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/earliest_commit.hpp"
#include "actors/group_copies.hpp"
#include "actors/placement.hpp"
#include "runtime/answered_promise.hpp"
#include "runtime/clock.hpp"
#include "runtime/countdown.hpp"
#include "runtime/logging.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

constexpr auto idle_check = std::chrono::seconds{15};
const caf::duration directory_timeout{std::chrono::seconds{10}};
// A batch for a thousand members commits in one go on a busy node, with replicas.
const caf::duration fanout_timeout{std::chrono::seconds{10}};
constexpr size_t sends_remembered = 4096;
constexpr int64_t send_dedup_ms = 24LL * 3600 * 1000;
// A group send becomes a write in every member's mailbox: a sender may not pile them up.
constexpr size_t max_sends_in_flight = 64;

} // namespace

// A group message as first sent: a resend goes to the same members with the same time,
// so it neither reaches members added since nor gets a second time at members that
// missed the first try.
struct first_send {
  int64_t ts;
  std::shared_ptr<const std::vector<std::string>> members;
};

struct group_state {
  static inline const char* name = "group";

  std::string gid;
  group_settings settings;
  node_metrics* metrics = nullptr;
  group_record record;  // version 0: the group does not exist
  snapshot_cache placement;
  // Recent sends by "<sender>\n<id>", oldest first in `send_order`. Memory only: after
  // a restart or failover the members' mailboxes still drop repeats.
  std::unordered_map<std::string, first_send> sends;
  std::deque<std::string> send_order;
  std::shared_ptr<const std::vector<std::string>> members_now;  // shared by `sends`
  size_t in_flight = 0;
  caf::actor_clock::time_point last_used;
};

namespace {

using self_ptr = caf::stateful_actor<group_state>*;
// Answered with `unavailable` if the group stops before it answers (a crash while
// directories or copies answer), not with request_receiver_down: routers would resend
// that to the restarted group, and a change whose copy landed before the crash would
// then be refused (a create as "id taken", a leave as not_member). The client hears
// `unavailable` and decides.
using group_promise = answered_promise<caf::typed_response_promise<group_record>>;

group_promise make_group_promise(self_ptr self) {
  return answer_even_if_stopped(self->make_response_promise<group_record>(),
                                caf::make_error(errc::unavailable,
                                                "the group stopped before it answered"));
}

const cluster_snapshot& snapshot(self_ptr self) {
  return self->state.placement.current(self->state.settings.cluster);
}

void touch(self_ptr self) {
  self->state.last_used = self->clock().now();
}

bool is_member(const group_record& rec, const std::string& user) {
  return std::find(rec.members.begin(), rec.members.end(), user) != rec.members.end();
}

// -- committing changes ---------------------------------------------------------------

// Writes the record on every node of the group, this one included, then answers with
// it. A copy that could not be written makes the answer `unavailable`; the client's
// retry then finds nothing to change and writes the record again.
void commit_into(self_ptr self, group_promise promise) {
  auto& snap = snapshot(self);
  auto nodes = snap.owners(self->state.gid);
  if (nodes.empty())
    nodes.push_back(snap.self());
  auto rec = self->state.record;
  put_group_copies(self, snap, rec, nodes, [promise, rec](bool stored) mutable {
    if (stored)
      promise.deliver(rec);
    else
      promise.deliver(caf::make_error(errc::unavailable, "a copy of the group was not stored"));
  });
}

caf::result<group_record> commit(self_ptr self) {
  auto promise = make_group_promise(self);
  commit_into(self, promise);
  return promise.later();
}

// Calls then() once every user of `users` proved to be a registered user, or answers
// `promise` with unknown_user (or the failure that kept a directory from telling).
void check_users(self_ptr self, std::vector<std::string> users,
                 group_promise promise, std::function<void()> then) {
  auto failure = std::make_shared<caf::error>();
  auto one_done = countdown(users.size(), [failure, promise, then]() mutable {
    if (*failure)
      promise.deliver(*failure);
    else
      then();
  });
  for (const auto& user : users) {
    auto dir = directory_for(self->system(), self->state.settings.cluster, user);
    if (!dir) {
      *failure = caf::make_error(errc::unavailable, "directory not reachable");
      one_done();
      continue;
    }
    self->request(dir, directory_timeout, key_atom_v, user)
      .then([one_done](std::string&) { one_done(); },
            [failure, one_done](caf::error& err) {
              if (!*failure)
                *failure = std::move(err);
              one_done();
            });
  }
}

// -- operations -------------------------------------------------------------------------

caf::error too_many_members(const group_settings& settings) {
  return caf::make_error(errc::too_large, "a group holds at most "
                                            + std::to_string(settings.max_members) + " members");
}

caf::result<group_record> create(self_ptr self, group_record& proposal) {
  auto& st = self->state;
  if (st.record.version > 0)
    return caf::make_error(errc::bad_request, "group id taken, try again");
  if (proposal.members.size() > st.settings.max_members)
    return too_many_members(st.settings);
  auto promise = make_group_promise(self);
  std::vector<std::string> others(proposal.members.begin(), proposal.members.end());
  others.erase(std::remove(others.begin(), others.end(), proposal.owner), others.end());
  check_users(self, std::move(others), promise, [self, promise, proposal]() mutable {
    auto& st = self->state;
    if (st.record.version > 0) {  // created meanwhile by a concurrent request
      promise.deliver(caf::make_error(errc::bad_request, "group id taken, try again"));
      return;
    }
    st.record = std::move(proposal);
    st.record.gid = st.gid;
    st.record.version = 1;
    st.record.created = now_ms();
    SPDLOG_LOGGER_DEBUG(logs::group(), "event=group_created gid={} members={}", st.gid,
                        st.record.members.size());
    commit_into(self, promise);
  });
  return promise.later();
}

caf::result<group_record> add(self_ptr self, const std::string& user,
                              std::vector<std::string> users) {
  auto& st = self->state;
  if (st.record.owner != user)
    return caf::make_error(errc::forbidden, "only the owner adds members");
  users.erase(std::remove_if(users.begin(), users.end(),
                             [&](const std::string& u) { return is_member(st.record, u); }),
              users.end());
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  if (st.record.members.size() + users.size() > st.settings.max_members)
    return too_many_members(st.settings);
  auto promise = make_group_promise(self);
  check_users(self, users, promise, [self, promise, user, users]() mutable {
    auto& st = self->state;
    auto& rec = st.record;
    // Other changes may have landed while the directories answered.
    if (rec.owner != user) {
      promise.deliver(caf::make_error(errc::forbidden, "only the owner adds members"));
      return;
    }
    size_t joining = 0;
    for (const auto& u : users)
      joining += is_member(rec, u) ? 0 : 1;
    if (rec.members.size() + joining > st.settings.max_members) {
      promise.deliver(too_many_members(st.settings));
      return;
    }
    bool changed = false;
    for (const auto& u : users)
      if (!is_member(rec, u)) {
        rec.members.push_back(u);
        changed = true;
      }
    if (changed)
      ++rec.version;
    commit_into(self, promise);
  });
  return promise.later();
}

// Takes `users` out of the group. An owner who goes hands the group to the member who
// joined first after them.
void take_out(group_record& rec, const std::vector<std::string>& users) {
  auto before = rec.members.size();
  rec.members.erase(std::remove_if(rec.members.begin(), rec.members.end(),
                                   [&](const std::string& m) {
                                     return std::find(users.begin(), users.end(), m)
                                            != users.end();
                                   }),
                    rec.members.end());
  if (rec.members.size() == before)
    return;
  if (!is_member(rec, rec.owner))
    rec.owner = rec.members.empty() ? std::string{} : rec.members.front();
  ++rec.version;
}

caf::result<group_record> remove(self_ptr self, const std::string& user,
                                 const std::vector<std::string>& users) {
  auto& st = self->state;
  if (st.record.owner != user)
    return caf::make_error(errc::forbidden, "only the owner removes members");
  take_out(st.record, users);
  return commit(self);
}

caf::result<group_record> leave(self_ptr self, const std::string& user) {
  auto& st = self->state;
  if (!is_member(st.record, user))
    return caf::make_error(errc::not_member, st.gid);
  take_out(st.record, {user});
  return commit(self);
}

// Puts the message into every other member's mailbox; the answer is the message's
// time once all committed it. A member's mailbox answers a repeat with the time it
// stored first, so a resend after a failure answers the original time. Members are
// grouped by the node serving their mailboxes: one request per node (its fanout actor).
caf::result<int64_t> send(self_ptr self, mailbox_item& item) {
  auto& st = self->state;
  if (st.in_flight >= max_sends_in_flight)
    return caf::make_error(errc::rate_limited, "too many group messages under way");
  // Sends older than the dedup window are forgotten, oldest first: `send_order` is in
  // the order of their times, and holds exactly the keys of `sends`.
  auto now = now_ms();
  while (!st.send_order.empty()
         && now - st.sends.at(st.send_order.front()).ts > send_dedup_ms) {
    st.sends.erase(st.send_order.front());
    st.send_order.pop_front();
  }
  auto key = item.peer + '\n' + item.id;
  auto known = st.sends.find(key);
  if (known == st.sends.end()) {
    if (!is_member(st.record, item.peer))
      return caf::make_error(errc::not_member, st.gid);
    if (!st.members_now || *st.members_now != st.record.members)
      st.members_now = std::make_shared<const std::vector<std::string>>(st.record.members);
    if (st.send_order.size() >= sends_remembered) {
      st.sends.erase(st.send_order.front());
      st.send_order.pop_front();
    }
    known = st.sends.emplace(key, first_send{now, st.members_now}).first;
    st.send_order.push_back(key);
  }
  item.kind = item_kind::message;
  item.group = st.gid;
  item.ts = known->second.ts;
  auto members = known->second.members;
  auto& snap = snapshot(self);
  std::map<std::string, std::vector<std::string>> by_node;
  for (const auto& m : *members)
    if (m != item.peer)
      by_node[snap.primary(m)].push_back(m);
  auto promise = answer_even_if_stopped(self->make_response_promise<int64_t>());
  ++st.in_flight;
  earliest_commit join{by_node.size(), item.ts,
                       [self, promise](caf::expected<int64_t> ts) mutable {
                         --self->state.in_flight;
                         answer(promise, ts);
                       }};
  for (auto& [node, members] : by_node) {
    auto relay = node.empty() ? caf::actor{}
                              : service_on(self->system(), snap, node, fanout_name::value);
    if (!relay) {
      join.failed(caf::make_error(errc::unavailable, "members' node not reachable"));
      continue;
    }
    self->request(relay, snap.is_local(node) ? local_request : fanout_timeout,
                  deliver_many_atom_v, std::move(members), item)
      .then([join](int64_t ts) { join.stored(ts); },
            [self, join, node](caf::error& err) {
              SPDLOG_LOGGER_DEBUG(logs::group(),
                                  "event=group_fanout_failed gid={} node={} err={}",
                                  self->state.gid, node, self->system().render(err));
              join.failed(code_of(err) == errc::unavailable
                            ? err
                            : caf::make_error(errc::unavailable,
                                              "members' mailboxes did not commit"));
            });
  }
  return promise.later();
}

// -- lifecycle --------------------------------------------------------------------------

// Another node serves the group now: stop, so that requests find it there.
bool moved_away(self_ptr self) {
  if (is_primary_here(snapshot(self), self->state.gid))
    return false;
  SPDLOG_LOGGER_INFO(logs::group(), "event=moved group={}", self->state.gid);
  self->quit();
  return true;
}

void check_idle(self_ptr self) {
  auto& st = self->state;
  if (self->clock().now() - st.last_used >= st.settings.idle_after) {
    self->quit();
    return;
  }
  self->delayed_send(self, idle_check, caf::tick_atom_v);
}

// Answers `err` for a group that does not exist, then stops: an absent group holds no
// actor (a request for any group id would otherwise start one that stays).
template <class T>
caf::result<T> absent(self_ptr self) {
  self->quit();
  return caf::make_error(errc::unknown_group, self->state.gid);
}

caf::behavior running(self_ptr self) {
  return {
    [self](group_create_atom, group_record& proposal) -> caf::result<group_record> {
      touch(self);
      return create(self, proposal);
    },
    [self](group_add_atom, const std::string& user,
           std::vector<std::string>& users) -> caf::result<group_record> {
      touch(self);
      if (self->state.record.version == 0)
        return absent<group_record>(self);
      return add(self, user, std::move(users));
    },
    [self](group_remove_atom, const std::string& user,
           const std::vector<std::string>& users) -> caf::result<group_record> {
      touch(self);
      if (self->state.record.version == 0)
        return absent<group_record>(self);
      return remove(self, user, users);
    },
    [self](group_leave_atom, const std::string& user) -> caf::result<group_record> {
      touch(self);
      if (self->state.record.version == 0)
        return absent<group_record>(self);
      return leave(self, user);
    },
    [self](group_info_atom, const std::string& user) -> caf::result<group_record> {
      touch(self);
      auto& rec = self->state.record;
      if (rec.version == 0)
        return absent<group_record>(self);
      if (!is_member(rec, user))
        return caf::make_error(errc::not_member, self->state.gid);
      return rec;
    },
    [self](group_send_atom, mailbox_item& item) -> caf::result<int64_t> {
      touch(self);
      if (self->state.record.version == 0)
        return absent<int64_t>(self);
      return send(self, item);
    },
    [self](caf::tick_atom) { check_idle(self); },
    [self](view_changed_atom, uint64_t) { moved_away(self); },
  };
}

// Starts from the newest copy among this node's and the replicas': a node that takes
// over, or that came back with an old or empty data dir, serves the latest state, and
// writes it back wherever a copy was older.
void load(self_ptr self) {
  auto& snap = snapshot(self);
  auto nodes = snap.owners(self->state.gid);
  if (nodes.empty())
    nodes.push_back(snap.self());
  newest_group_copy(self, snap, self->state.gid, nodes, [self](group_record newest) {
    auto& st = self->state;
    st.record = std::move(newest);
    self->set_default_handler(log_unexpected(logs::group(), "group"));
    self->become(running(self));
    self->delayed_send(self, idle_check, caf::tick_atom_v);
    if (st.record.version > 0) {
      auto& snap = snapshot(self);
      put_group_copies(self, snap, st.record, snap.owners(st.gid), [](bool) {});
    }
  });
}

} // namespace

caf::behavior group(caf::stateful_actor<group_state>* self, std::string gid,
                    group_settings settings, node_metrics* metrics) {
  auto& st = self->state;
  st.gid = std::move(gid);
  st.settings = settings;
  st.metrics = metrics;
  touch(self);
  self->set_default_handler(caf::skip);
  load(self);
  return {
    [](caf::tick_atom) {},  // replaced once loaded
  };
}

caf::actor spawn_group(caf::local_actor* sup, const std::string& gid,
                       const group_settings& settings, node_metrics* metrics) {
  return sup->spawn<caf::linked>(group, gid, settings, metrics);
}

} // namespace parley
