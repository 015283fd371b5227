#include "actors/handoff.hpp"

#include <algorithm>
#include <functional>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/group_copies.hpp"
#include "actors/placement.hpp"
#include "runtime/answered_promise.hpp"
#include "runtime/logging.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

// A node that dies or joins is usually followed by more changes within moments (its
// peers notice one by one): copy once things settled.
constexpr auto settle_delay = std::chrono::milliseconds{300};
constexpr auto watch_retry = std::chrono::seconds{1};

} // namespace

struct handoff_state {
  static inline const char* name = "handoff";

  const cluster_view* cluster = nullptr;
  node_metrics* metrics = nullptr;
  uint64_t pass = 0;  // the pass under way; a newer one makes older callbacks stop
  std::vector<std::string> owners;
  size_t next = 0;
  size_t copied = 0;
  size_t dropped = 0;
};

namespace {

using self_ptr = caf::stateful_actor<handoff_state>*;

void next_owner(self_ptr self, uint64_t pass);
void hand_off_groups(self_ptr self, uint64_t pass);

using copied_fn = std::function<void(bool all_stored)>;

// Sends `copy` (and `rec`, if the user has a record here) to the nodes `targets`, then
// calls done(true) if every one stored them.
void send_copies(self_ptr self, const std::string& owner,
                 const std::vector<std::string>& targets, const mailbox_copy& copy,
                 const std::optional<user_record>& rec, copied_fn done) {
  auto per_target = rec ? size_t{2} : size_t{1};
  auto pending = std::make_shared<size_t>(targets.size() * per_target);
  auto ok = std::make_shared<bool>(true);
  auto one_done = [pending, ok, done](bool success) {
    *ok = *ok && success;
    if (--*pending == 0)
      done(*ok);
  };
  if (targets.empty()) {
    done(true);
    return;
  }
  auto snap = snapshot_of(self->state.cluster);
  for (const auto& node : targets) {
    auto target_store = snap->service(node, "store");
    auto target_dir = snap->service(node, "directory");
    if (!target_store || (rec && !target_dir)) {
      for (size_t i = 0; i < per_target; ++i)
        one_done(false);
      continue;
    }
    self->request(target_store, remote_request, merge_atom_v, owner, copy)
      .then([one_done](int64_t) { one_done(true); },
            [one_done](caf::error&) { one_done(false); });
    if (rec)
      self->request(target_dir, remote_request, adopt_user_atom_v, *rec)
        .then([one_done]() { one_done(true); },
              [one_done](caf::error&) { one_done(false); });
  }
}

// Reads `owner`'s rows and user record here, then copies them to `targets`.
void copy_owner(self_ptr self, const std::string& owner, std::vector<std::string> targets,
                copied_fn done) {
  auto store = registered(self->system(), store_name::value);
  auto dir = registered(self->system(), directory_name::value);
  if (!store || !dir) {
    done(false);
    return;
  }
  self->request(store, local_request, dump_atom_v, owner)
    .then(
      [self, owner, targets, done, dir](mailbox_copy& copy) {
        self->request(dir, local_request, lookup_user_atom_v, owner)
          .then(
            [self, owner, targets, done, copy](user_record& rec) {
              send_copies(self, owner, targets, copy, rec, done);
            },
            // No user record here: the rows are copied all the same.
            [self, owner, targets, done, copy](caf::error&) {
              send_copies(self, owner, targets, copy, std::nullopt, done);
            });
      },
      [done](caf::error&) { done(false); });
}

void next_owner(self_ptr self, uint64_t pass) {
  auto& st = self->state;
  if (pass != st.pass)
    return;
  auto snap = snapshot_of(st.cluster);
  while (st.next < st.owners.size()) {
    const auto& owner = st.owners[st.next++];
    auto nodes = snap->owners(owner);
    if (nodes.empty())
      continue;
    bool primary = snap->is_local(nodes.front());
    bool holder = std::any_of(nodes.begin(), nodes.end(),
                              [&](const std::string& n) { return snap->is_local(n); });
    if (!primary && holder)
      continue;
    std::vector<std::string> targets;
    for (const auto& n : nodes)
      if (!snap->is_local(n))
        targets.push_back(n);
    if (targets.empty())
      continue;
    // Drop our rows only when the full number of copies exists elsewhere.
    bool drop = !holder && nodes.size() >= snap->replicas();
    copy_owner(self, owner, std::move(targets), [self, pass, owner, drop](bool stored) {
      auto& st = self->state;
      if (pass != st.pass)
        return;
      ++st.copied;
      st.metrics->handoff_copies.inc();
      if (drop && stored) {
        if (auto store = registered(self->system(), store_name::value)) {
          self->request(store, local_request, drop_atom_v, owner)
            .then([]() {}, [](caf::error&) {});
          ++st.dropped;
        }
      }
      next_owner(self, pass);
    });
    return;
  }
  SPDLOG_LOGGER_INFO(logs::cluster(), "event=handoff_done epoch={} owners={} copied={} dropped={}",
                     snap->epoch(), st.owners.size(), st.copied, st.dropped);
  hand_off_groups(self, pass);
}

// Groups, as users' data: the primary writes its record to the group's other nodes, a
// node no longer among them writes it there and drops its own. Records are small and
// few next to mailboxes: all are sent at once.
void hand_off_groups(self_ptr self, uint64_t pass) {
  auto store = registered(self->system(), store_name::value);
  if (!store)
    return;
  self->request(store, local_request, group_list_atom_v)
    .then(
      [self, pass, store](std::vector<group_record>& records) {
        auto& st = self->state;
        if (pass != st.pass)
          return;
        auto snap = snapshot_of(st.cluster);
        for (auto& rec : records) {
          auto nodes = snap->owners(rec.gid);
          if (nodes.empty() || (!snap->is_local(nodes.front())
                                && std::any_of(nodes.begin(), nodes.end(),
                                               [&](const std::string& n) {
                                                 return snap->is_local(n);
                                               })))
            continue;
          std::vector<std::string> targets;
          for (const auto& n : nodes)
            if (!snap->is_local(n))
              targets.push_back(n);
          bool drop = targets.size() == nodes.size() && nodes.size() >= snap->replicas();
          st.metrics->handoff_copies.inc();
          put_group_copies(self, *snap, rec, targets,
                           [self, store, drop, gid = rec.gid](bool stored) {
                             if (drop && stored)
                               self->request(store, local_request, group_drop_atom_v, gid)
                                 .then([]() {}, [](caf::error&) {});
                           });
        }
      },
      [](caf::error&) {});
}

void start_pass(self_ptr self, uint64_t pass) {
  auto& st = self->state;
  if (pass != st.pass)
    return;  // the cluster changed again meanwhile
  auto store = registered(self->system(), store_name::value);
  if (!store)
    return;
  self->request(store, local_request, owners_atom_v)
    .then(
      [self, pass](std::vector<std::string>& owners) {
        auto& st = self->state;
        if (pass != st.pass)
          return;
        st.owners = std::move(owners);
        st.next = 0;
        st.copied = 0;
        st.dropped = 0;
        next_owner(self, pass);
      },
      [](caf::error&) {});
}

void cluster_changed(self_ptr self) {
  auto& st = self->state;
  auto snap = snapshot_of(st.cluster);
  st.metrics->cluster_nodes.set(static_cast<int64_t>(snap->up_count()));
  for (caf::atom_value name : std::initializer_list<caf::atom_value>{
         mailboxes_name::value, groups_name::value, sessions_name::value})
    if (auto sup = registered(self->system(), name))
      self->send(sup, broadcast_atom_v, caf::make_message(view_changed_atom_v, snap->epoch()));
  auto pass = ++st.pass;
  self->delayed_send(self, settle_delay, caf::tick_atom_v, pass);
}

// Copies `user`'s data from here (its primary) to its other nodes now.
caf::response_promise copy_now(self_ptr self, const std::string& user) {
  auto promise = answer_even_if_stopped(self->make_response_promise());
  auto snap = snapshot_of(self->state.cluster);
  auto nodes = snap->owners(user);
  if (nodes.empty() || !snap->is_local(nodes.front())) {
    promise.deliver(caf::make_error(errc::unavailable, "not the primary of " + user));
    return promise.later();
  }
  nodes.erase(nodes.begin());
  copy_owner(self, user, std::move(nodes), [promise](bool stored) {
    if (stored)
      promise.deliver(caf::make_message());
    else
      promise.deliver(caf::make_error(errc::unavailable, "a replica did not store the copy"));
  });
  return promise.later();
}

// Fault injection: the first replica of `user` loses its copy of the mailbox; the
// primary then copies it there again, as it does after any loss it learns of. Answers
// the node that lost it.
caf::result<std::string> drop_replica(self_ptr self, const std::string& user) {
  auto snap = snapshot_of(self->state.cluster);
  auto nodes = snap->owners(user);
  if (nodes.size() < 2)
    return caf::make_error(errc::bad_request, "no replica of " + user + " is up");
  auto replica = nodes[1];
  auto store = service_on(self->system(), *snap, replica, store_name::value);
  auto primary_handoff = service_on(self->system(), *snap, nodes[0], handoff_name::value);
  if (!store || !primary_handoff)
    return caf::make_error(errc::unavailable, "replica or primary not reachable");
  auto promise = answer_even_if_stopped(self->make_response_promise<std::string>());
  SPDLOG_LOGGER_WARN(logs::cluster(), "event=fault_injected kind=drop_replica user={} node={}",
                     user, replica);
  self->request(store, remote_request, drop_atom_v, user)
    .then(
      [self, promise, replica, user, primary_handoff]() {
        self->request(primary_handoff, remote_request, copy_atom_v, user)
          .then([promise, replica]() { promise.deliver(replica); },
                [promise](caf::error& err) { promise.deliver(err); });
      },
      [promise](caf::error& err) { promise.deliver(err); });
  return promise.later();
}

} // namespace

caf::behavior handoff(caf::stateful_actor<handoff_state>* self, const cluster_view* cluster,
                      node_metrics* metrics) {
  self->state.cluster = cluster;
  self->state.metrics = metrics;
  self->set_default_handler(log_unexpected(logs::cluster(), "handoff"));
  watch_membership(self, watch_retry);
  return {
    [self](watch_atom) { watch_membership(self, watch_retry); },
    [self](view_changed_atom, uint64_t) { cluster_changed(self); },
    [self](caf::tick_atom, uint64_t pass) { start_pass(self, pass); },
    [self](copy_atom, const std::string& user) { return copy_now(self, user); },
    [self](drop_replica_atom, const std::string& user) { return drop_replica(self, user); },
  };
}

caf::actor start_handoff(caf::local_actor* sup, const cluster_view* cluster,
                         node_metrics* metrics) {
  auto handle = sup->spawn<caf::linked>(handoff, cluster, metrics);
  register_as(sup->system(), handoff_name::value, handle);
  return handle;
}

} // namespace parley
