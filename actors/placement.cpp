#include "actors/placement.hpp"

#include <caf/atom.hpp>

namespace parley {

std::shared_ptr<const cluster_snapshot> snapshot_of(const cluster_view* view) {
  if (view)
    return view->current();
  static const auto alone = cluster_snapshot::single(member_info{"self", {}, {}, {}, {}, 0, 0}, 1);
  return alone;
}

caf::actor service_on(caf::actor_system& sys, const cluster_snapshot& snap,
                      const std::string& node, caf::atom_value name) {
  if (snap.is_local(node))
    return registered(sys, name);
  return snap.service(node, to_string(name));
}

caf::actor directory_for(caf::actor_system& sys, const cluster_view* view,
                         const std::string& user) {
  auto snap = snapshot_of(view);
  auto node = snap->primary(user);
  return node.empty() ? caf::actor{} : service_on(sys, *snap, node, directory_name::value);
}

std::vector<caf::actor> replica_stores(caf::actor_system& sys, const cluster_snapshot& snap,
                                       const std::string& user) {
  std::vector<caf::actor> out;
  auto owners = snap.owners(user);
  if (owners.empty() || !snap.is_local(owners.front()))
    return out;
  for (size_t i = 1; i < owners.size(); ++i)
    if (auto store = service_on(sys, snap, owners[i], store_name::value))
      out.push_back(std::move(store));
  return out;
}

bool is_primary_here(const cluster_snapshot& snap, const std::string& user) {
  auto node = snap.primary(user);
  return node.empty() || snap.is_local(node);
}

} // namespace parley
