#include "actors/group_copies.hpp"

#include <memory>

#include "actors/placement.hpp"
#include "runtime/countdown.hpp"

namespace parley {

namespace {

caf::duration timeout_for(const cluster_snapshot& snap, const std::string& node) {
  return snap.is_local(node) ? local_request : remote_request;
}

} // namespace

void put_group_copies(caf::event_based_actor* self, const cluster_snapshot& snap,
                      const group_record& rec, const std::vector<std::string>& nodes,
                      std::function<void(bool)> done) {
  auto all_stored = std::make_shared<bool>(true);
  auto one_done = countdown(nodes.size(), [all_stored, done] { done(*all_stored); });
  for (const auto& node : nodes) {
    auto store = service_on(self->system(), snap, node, store_name::value);
    if (!store) {
      *all_stored = false;
      one_done();
      continue;
    }
    self->request(store, timeout_for(snap, node), group_put_atom_v, rec)
      .then([one_done](bool) { one_done(); },
            [one_done, all_stored](caf::error&) {
              *all_stored = false;
              one_done();
            });
  }
}

void newest_group_copy(caf::event_based_actor* self, const cluster_snapshot& snap,
                       const std::string& gid, const std::vector<std::string>& nodes,
                       std::function<void(group_record)> done) {
  auto newest = std::make_shared<group_record>();
  auto one_done = countdown(nodes.size(), [newest, done] { done(std::move(*newest)); });
  for (const auto& node : nodes) {
    auto store = service_on(self->system(), snap, node, store_name::value);
    if (!store) {
      one_done();
      continue;
    }
    self->request(store, timeout_for(snap, node), group_get_atom_v, gid)
      .then(
        [newest, one_done](group_record& rec) {
          if (rec.version > newest->version)
            *newest = std::move(rec);
          one_done();
        },
        [one_done](caf::error&) { one_done(); });
  }
}

} // namespace parley
