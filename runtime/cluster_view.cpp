#include "runtime/cluster_view.hpp"

namespace parley {

cluster_snapshot::cluster_snapshot(std::string self, std::vector<member_status> members,
                                   unsigned replicas, uint64_t epoch)
  : self_(std::move(self)), members_(std::move(members)), replicas_(replicas),
    epoch_(epoch) {
  for (const auto& m : members_)
    if (m.up)
      ring_.add(m.info.id);
}

std::shared_ptr<const cluster_snapshot> cluster_snapshot::single(member_info self,
                                                                 unsigned replicas) {
  auto id = self.id;
  std::vector<member_status> members{member_status{std::move(self), true, 0}};
  return std::make_shared<const cluster_snapshot>(std::move(id), std::move(members),
                                                  replicas, 1);
}

const std::string& cluster_snapshot::primary(const std::string& key) const {
  static const std::string none;
  const auto* node = ring_.primary(key);
  return node ? *node : none;
}

const member_info* cluster_snapshot::up_member(const std::string& node) const {
  for (const auto& m : members_)
    if (m.up && m.info.id == node)
      return &m.info;
  return nullptr;
}

caf::actor cluster_snapshot::service(const std::string& node, const std::string& name) const {
  auto* m = up_member(node);
  if (!m)
    return {};
  auto i = m->services.find(name);
  return i == m->services.end() ? caf::actor{} : i->second;
}

std::set<caf::node_id> nodes_shown_down(const cluster_snapshot& snap) {
  std::set<caf::node_id> down;
  for (const auto& m : snap.members())
    if (!m.up)
      for (const auto& service : m.info.services)
        if (service.second)
          down.insert(service.second.node());
  return down;
}

} // namespace parley
