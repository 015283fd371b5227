#include "actors/node.hpp"

#include <caf/actor_registry.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/copier.hpp"
#include "actors/directory.hpp"
#include "actors/fanout.hpp"
#include "actors/group.hpp"
#include "actors/handoff.hpp"
#include "actors/placement.hpp"
#include "actors/push_notifier.hpp"
#include "actors/store.hpp"
#include "runtime/config.hpp"
#include "runtime/supervisor.hpp"

namespace parley {

namespace {

// A supervisor of virtual actors "<prefix><key>", each started on first use by `spawn`.
// One that stopped because it was idle stays stopped; a crashed one is restarted and
// reloads from the store.
template <class Spawn>
child_spec virtual_actors_spec(caf::atom_value name, std::string prefix, Spawn spawn,
                               node_metrics* metrics, gauge* running, child_index* index) {
  supervisor_flags flags;
  flags.name = to_string(name);
  flags.intensity = {100, std::chrono::seconds{10}};
  flags.restarts = &metrics->actor_restarts;
  flags.running_children = running;
  flags.index = index;
  flags.factory = [prefix, spawn](const std::string& id) -> std::optional<child_spec> {
    if (id.rfind(prefix, 0) != 0)
      return std::nullopt;
    auto key = id.substr(prefix.size());
    if (!spawn.valid_key(key))
      return std::nullopt;
    return child_spec{id,
                      [key, spawn](caf::local_actor* sup) { return spawn(sup, key); },
                      child_kind::transient};
  };
  return {to_string(name),
          [flags, name](caf::local_actor* sup) {
            auto h = sup->spawn<caf::linked>(supervisor, flags, std::vector<child_spec>{});
            register_as(sup->system(), name, h);
            return h;
          },
          child_kind::permanent};
}

struct mailbox_spawner {
  mailbox_settings settings;
  node_metrics* metrics;
  bool valid_key(const std::string& user) const { return is_valid_id(user); }
  caf::actor operator()(caf::local_actor* sup, const std::string& user) const {
    return spawn_mailbox(sup, user, settings, metrics);
  }
};

struct group_spawner {
  group_settings settings;
  node_metrics* metrics;
  bool valid_key(const std::string& gid) const { return is_valid_group_id(gid); }
  caf::actor operator()(caf::local_actor* sup, const std::string& gid) const {
    return spawn_group(sup, gid, settings, metrics);
  }
};

child_spec sessions_spec(node_metrics* metrics) {
  supervisor_flags flags;
  flags.name = "sessions";
  flags.intensity = {1000, std::chrono::seconds{10}};
  flags.restarts = &metrics->actor_restarts;
  return {"sessions",
          [flags](caf::local_actor* sup) {
            auto h = sup->spawn<caf::linked>(supervisor, flags, std::vector<child_spec>{});
            register_as(sup->system(), sessions_name::value, h);
            return h;
          },
          child_kind::permanent};
}

} // namespace

caf::actor start_node_tree(caf::actor_system& sys, const node_tree_settings& settings,
                           node_metrics* metrics) {
  std::vector<child_spec> children;
  auto cluster = settings.cluster;
  children.push_back({"store",
                      [s = settings.store, detached = settings.store_detached,
                       metrics](caf::local_actor* sup) {
                        return start_store(sup, s, metrics, detached);
                      },
                      child_kind::permanent});
  if (cluster)
    children.push_back({"copier",
                        [cluster](caf::local_actor* sup) { return start_copier(sup, cluster); },
                        child_kind::permanent});
  children.push_back({"directory",
                      [cluster](caf::local_actor* sup) { return start_directory(sup, cluster); },
                      child_kind::permanent});
  auto* local = settings.local;
  auto mailbox = settings.mailbox;
  mailbox.cluster = cluster;
  mailbox.local = local;
  if (settings.push) {
    mailbox.push = true;
    children.push_back({"notifier",
                        [push = settings.push, limits = settings.push_limits,
                         metrics](caf::local_actor* sup) {
                          return start_push_notifier(sup, push, limits, metrics);
                        },
                        child_kind::permanent});
  }
  children.push_back(virtual_actors_spec(mailboxes_name::value, "mailbox:",
                                         mailbox_spawner{mailbox, metrics}, metrics,
                                         &metrics->mailboxes,
                                         local ? &local->mailboxes : nullptr));
  children.push_back({"fanout",
                      [cluster, local](caf::local_actor* sup) {
                        return start_fanout(sup, cluster, local);
                      },
                      child_kind::permanent});
  group_settings groups;
  groups.cluster = cluster;
  children.push_back(virtual_actors_spec(groups_name::value, "group:",
                                         group_spawner{groups, metrics}, metrics,
                                         &metrics->groups, local ? &local->groups : nullptr));
  children.push_back(sessions_spec(metrics));
  if (!settings.media.root.empty())
    children.push_back({"media",
                        [s = settings.media, cluster, metrics](caf::local_actor* sup) {
                          return start_media(sup, s, cluster, metrics);
                        },
                        child_kind::permanent});
  if (settings.membership && cluster) {
    auto m = *settings.membership;
    m.view = cluster;
    auto* system = &sys;
    m.services = [system] {
      std::map<std::string, caf::actor> out;
      for (caf::atom_value name : std::initializer_list<caf::atom_value>{
             store_name::value, directory_name::value, mailboxes_name::value,
             groups_name::value, fanout_name::value, handoff_name::value,
             media_name::value})
        if (auto h = registered(*system, name))
          out.emplace(to_string(name), std::move(h));
      return out;
    };
    m.load = [metrics] {
      return std::make_pair(metrics->sessions.value(), metrics->mailboxes.value());
    };
    children.push_back({"membership",
                        [m](caf::local_actor* sup) {
                          auto h = spawn_membership(sup, m);
                          register_as(sup->system(), membership_name::value, h);
                          return h;
                        },
                        child_kind::permanent});
    children.push_back({"handoff",
                        [cluster, metrics](caf::local_actor* sup) {
                          return start_handoff(sup, cluster, metrics);
                        },
                        child_kind::permanent});
  }
  supervisor_flags flags;
  flags.name = "node";
  flags.intensity = {5, std::chrono::seconds{10}};
  flags.restarts = &metrics->actor_restarts;
  auto node = sys.spawn(supervisor, flags, std::move(children));
  register_as(sys, node_name::value, node);
  return node;
}

void unregister_node_tree(caf::actor_system& sys) {
  for (caf::atom_value name : std::initializer_list<caf::atom_value>{
         store_name::value, directory_name::value, mailboxes_name::value,
         groups_name::value, fanout_name::value, sessions_name::value,
         membership_name::value, handoff_name::value, notifier_name::value,
         media_name::value, copier_name::value, node_name::value})
    sys.registry().erase(name);
}

} // namespace parley
