// Keeping media objects on their owners after the cluster changed. Once a change
// settled, the media actor walks the objects it holds, one at a time:
//
//   an owner lacks the object         -> send it a copy (every holder does: a copy that
//                                        is already there costs one small question)
//   this node is no longer an owner   -> once every owner has it, drop the local copy
//
// A newer change starts a new walk; the older one stops at its next step.

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/media_state.hpp"
#include "actors/placement.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

constexpr auto settle_delay = std::chrono::milliseconds{300};
constexpr auto watch_retry = std::chrono::seconds{1};

void next_object(media_self self, uint64_t pass);

// Makes sure each of `targets` holds `id`, then done(all hold it).
void replicate(media_self self, const std::string& id, const std::vector<std::string>& targets,
               stored_fn done) {
  auto& st = self->state;
  auto meta = st.store->stat(id);
  if (!meta) {
    done(false);  // expired or erased meanwhile
    return;
  }
  media_info info{id, meta->content_type, meta->size, meta->uploaded};
  auto snap = snapshot_of(st.cluster);
  auto pending = std::make_shared<size_t>(targets.size());
  auto all = std::make_shared<bool>(true);
  auto one_done = [pending, all, done](bool stored) {
    *all = *all && stored;
    if (--*pending == 0)
      done(*all);
  };
  // Read once, lazily, if any target lacks it.
  auto bytes = std::make_shared<std::shared_ptr<const std::string>>();
  for (const auto& node : targets) {
    auto target = service_on(self->system(), *snap, node, media_name::value);
    if (!target) {
      one_done(false);
      continue;
    }
    self->request(target, remote_request, media_has_atom_v, id)
      .then(
        [self, node, info, bytes, one_done](bool has) {
          if (has) {
            one_done(true);
            return;
          }
          if (!*bytes) {
            auto read = self->state.store->read(info.media, 0, info.size);
            if (!read) {
              one_done(false);
              return;
            }
            *bytes = std::make_shared<const std::string>(std::move(*read));
          }
          self->state.metrics->media_copies.inc();
          ++self->state.pass_copied;
          push_object(self, node, info, *bytes, one_done);
        },
        [one_done](caf::error&) { one_done(false); });
  }
}

void next_object(media_self self, uint64_t pass) {
  auto& st = self->state;
  if (pass != st.pass)
    return;
  auto snap = snapshot_of(st.cluster);
  while (st.pass_next < st.pass_ids.size()) {
    const auto id = st.pass_ids[st.pass_next++];
    auto owners = snap->owners(id);
    std::vector<std::string> targets;
    bool holder = false;
    for (const auto& n : owners) {
      if (snap->is_local(n))
        holder = true;
      else
        targets.push_back(n);
    }
    if (targets.empty())
      continue;
    // Drop the local copy only when the full number of copies exists elsewhere.
    bool drop = !holder && owners.size() >= snap->replicas();
    replicate(self, id, targets, [self, pass, id, drop](bool all_hold) {
      auto& st = self->state;
      if (pass != st.pass)
        return;
      if (drop && all_hold) {
        if (auto err = st.store->erase(id))
          SPDLOG_LOGGER_WARN(logs::media(), "event=media_drop_failed media={} err={}", id,
                             self->system().render(err));
        else
          ++st.pass_dropped;
      }
      next_object(self, pass);
    });
    return;
  }
  SPDLOG_LOGGER_INFO(logs::cluster(), "event=media_handoff_done epoch={} objects={} copied={} dropped={}",
                     snap->epoch(), st.pass_ids.size(), st.pass_copied, st.pass_dropped);
}

} // namespace

void watch_cluster(media_self self) {
  watch_membership(self, watch_retry);
}

void media_cluster_changed(media_self self) {
  auto pass = ++self->state.pass;
  self->delayed_send(self, settle_delay, caf::tick_atom_v, pass);
}

void start_media_pass(media_self self, uint64_t pass) {
  auto& st = self->state;
  if (pass != st.pass)
    return;  // the cluster changed again meanwhile
  auto all = st.store->list();
  if (!all) {
    SPDLOG_LOGGER_WARN(logs::media(), "event=media_list_failed err={}",
                       self->system().render(all.error()));
    return;
  }
  st.pass_ids.clear();
  for (auto& e : *all)
    st.pass_ids.push_back(std::move(e.id));
  st.pass_next = 0;
  st.pass_copied = 0;
  st.pass_dropped = 0;
  next_object(self, pass);
}

} // namespace parley
