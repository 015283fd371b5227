#include "actors/node.hpp"

#include <caf/actor_registry.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/directory.hpp"
#include "actors/handoff.hpp"
#include "actors/store.hpp"
#include "runtime/config.hpp"
#include "runtime/supervisor.hpp"

namespace parley {

namespace {

child_spec mailbox_spec(const std::string& user, mailbox_settings settings,
                        node_metrics* metrics) {
  return {mailbox_child_id(user),
          [user, settings, metrics](caf::local_actor* sup) {
            return spawn_mailbox(sup, user, settings, metrics);
          },
          // A mailbox that stopped because it was idle stays stopped; a crashed one is
          // restarted and reloads from the store.
          child_kind::transient};
}

child_spec mailboxes_spec(mailbox_settings settings, node_metrics* metrics) {
  supervisor_flags flags;
  flags.name = "mailboxes";
  flags.intensity = {100, std::chrono::seconds{10}};
  flags.restarts = &metrics->actor_restarts;
  flags.running_children = &metrics->mailboxes;
  flags.factory = [settings, metrics](const std::string& id) -> std::optional<child_spec> {
    static const std::string prefix = "mailbox:";
    if (id.rfind(prefix, 0) != 0 || !is_valid_id(id.substr(prefix.size())))
      return std::nullopt;
    return mailbox_spec(id.substr(prefix.size()), settings, metrics);
  };
  return {"mailboxes",
          [flags](caf::local_actor* sup) {
            auto h = sup->spawn<caf::linked>(supervisor, flags, std::vector<child_spec>{});
            register_as(sup->system(), mailboxes_name::value, h);
            return h;
          },
          child_kind::permanent};
}

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
  children.push_back({"store",
                      [s = settings.store, detached = settings.store_detached,
                       metrics](caf::local_actor* sup) {
                        return start_store(sup, s, metrics, detached);
                      },
                      child_kind::permanent});
  auto cluster = settings.cluster;
  children.push_back({"directory",
                      [cluster](caf::local_actor* sup) { return start_directory(sup, cluster); },
                      child_kind::permanent});
  auto mailbox = settings.mailbox;
  mailbox.cluster = cluster;
  children.push_back(mailboxes_spec(mailbox, metrics));
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
             handoff_name::value, media_name::value})
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
         sessions_name::value, membership_name::value, handoff_name::value,
         node_name::value, media_name::value})
    sys.registry().erase(name);
}

} // namespace parley
