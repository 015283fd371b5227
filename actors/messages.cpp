#include "actors/messages.hpp"

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

namespace parley {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::parley_runtime>();
  cfg.add_message_types<caf::id_block::parley_actors>();
  add_error_category(cfg);
}

void register_as(caf::actor_system& sys, caf::atom_value name, const caf::actor& handle) {
  sys.registry().erase(name);
  sys.registry().put(name, caf::actor_cast<caf::strong_actor_ptr>(handle));
}

caf::actor registered(caf::actor_system& sys, caf::atom_value name) {
  return caf::actor_cast<caf::actor>(sys.registry().get(name));
}

std::string mailbox_child_id(const std::string& user) {
  return "mailbox:" + user;
}

std::string group_child_id(const std::string& gid) {
  return "group:" + gid;
}

} // namespace parley
