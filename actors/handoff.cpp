#include "actors/handoff.hpp"

#include <algorithm>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/placement.hpp"
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

void watch_membership(self_ptr self) {
  if (auto m = registered(self->system(), membership_name::value))
    self->send(m, watch_atom_v, caf::actor_cast<caf::actor>(self));
  else
    self->delayed_send(self, watch_retry, watch_atom_v);
}

void next_owner(self_ptr self, uint64_t pass);

// Sends `copy` (and `rec`, if the user has a record here) to the nodes `targets`; drops
// the local rows afterwards when `drop` and every copy was stored.
void send_copies(self_ptr self, uint64_t pass, const std::string& owner,
                 const std::vector<std::string>& targets, bool drop, const mailbox_copy& copy,
                 const std::optional<user_record>& rec) {
  auto per_target = rec ? size_t{2} : size_t{1};
  auto pending = std::make_shared<size_t>(targets.size() * per_target);
  auto ok = std::make_shared<bool>(true);
  auto one_done = [self, pass, owner, drop, pending, ok](bool success) {
    *ok = *ok && success;
    if (--*pending > 0 || pass != self->state.pass)
      return;
    ++self->state.copied;
    if (drop && *ok) {
      if (auto store = registered(self->system(), store_name::value)) {
        self->request(store, local_request, drop_atom_v, owner).then([]() {}, [](caf::error&) {});
        ++self->state.dropped;
      }
    }
    next_owner(self, pass);
  };
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
void copy_owner(self_ptr self, uint64_t pass, const std::string& owner,
                std::vector<std::string> targets, bool drop) {
  auto store = registered(self->system(), store_name::value);
  auto dir = registered(self->system(), directory_name::value);
  if (!store || !dir) {
    next_owner(self, pass);
    return;
  }
  self->request(store, local_request, dump_atom_v, owner)
    .then(
      [self, pass, owner, targets, drop, dir](mailbox_copy& copy) {
        self->request(dir, local_request, lookup_user_atom_v, owner)
          .then(
            [self, pass, owner, targets, drop, copy](user_record& rec) {
              send_copies(self, pass, owner, targets, drop, copy, rec);
            },
            // No user record here: the rows are copied all the same.
            [self, pass, owner, targets, drop, copy](caf::error&) {
              send_copies(self, pass, owner, targets, drop, copy, std::nullopt);
            });
      },
      [self, pass](caf::error&) { next_owner(self, pass); });
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
    copy_owner(self, pass, owner, std::move(targets), drop);
    return;
  }
  SPDLOG_LOGGER_INFO(logs::cluster(), "event=handoff_done epoch={} owners={} copied={} dropped={}",
                     snap->epoch(), st.owners.size(), st.copied, st.dropped);
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
         mailboxes_name::value, sessions_name::value})
    if (auto sup = registered(self->system(), name))
      self->send(sup, broadcast_atom_v, caf::make_message(view_changed_atom_v, snap->epoch()));
  auto pass = ++st.pass;
  self->delayed_send(self, settle_delay, caf::tick_atom_v, pass);
}

} // namespace

caf::behavior handoff(caf::stateful_actor<handoff_state>* self, const cluster_view* cluster,
                      node_metrics* metrics) {
  self->state.cluster = cluster;
  self->state.metrics = metrics;
  self->set_default_handler(log_unexpected(logs::cluster(), "handoff"));
  watch_membership(self);
  return {
    [self](watch_atom) { watch_membership(self); },
    [self](view_changed_atom, uint64_t) { cluster_changed(self); },
    [self](caf::tick_atom, uint64_t pass) { start_pass(self, pass); },
  };
}

caf::actor start_handoff(caf::local_actor* sup, const cluster_view* cluster,
                         node_metrics* metrics) {
  return sup->spawn<caf::linked>(handoff, cluster, metrics);
}

} // namespace parley
