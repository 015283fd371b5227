#include "actors/media.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/media_state.hpp"
#include "actors/placement.hpp"
#include "runtime/clock.hpp"
#include "runtime/logging.hpp"
#include "runtime/media_id.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

constexpr auto housekeeping_interval = std::chrono::seconds{30};

media_info info_of(const std::string& id, const media_meta& meta) {
  return media_info{id, meta.content_type, meta.size, meta.uploaded};
}

caf::result<media_piece> read_here(media_self self, const std::string& id, int64_t offset,
                                   int64_t max_len) {
  auto& store = *self->state.store;
  auto meta = store.stat(id);
  if (!meta)
    return std::move(meta.error());
  auto bytes = store.read(id, offset, max_len);
  if (!bytes)
    return std::move(bytes.error());
  return media_piece{info_of(id, *meta), offset, std::move(*bytes)};
}

caf::result<media_info> put(media_self self, std::string& content_type, std::string& bytes) {
  if (bytes.size() > max_media_bytes)
    return caf::make_error(errc::too_large, "media objects are at most 16 MiB");
  auto job = std::make_shared<media_upload>();
  job->info = media_info{media_id_of(bytes), std::move(content_type),
                         static_cast<int64_t>(bytes.size()), now_ms()};
  job->bytes = std::make_shared<const std::string>(std::move(bytes));
  job->promise = answer_even_if_stopped(self->make_response_promise());
  auto later = job->promise.later();
  start_upload(self, std::move(job));
  return later;
}

// Where `id` may be besides here: its owners first, then any other live node, which
// may still hold it from before a change of the cluster that handoff has not caught up
// with; and whether this node is an owner (then a fetched copy is kept: read repair).
struct holders {
  std::vector<std::string> others;
  bool owner_here = false;
};

holders holders_of(media_self self, const std::string& id) {
  auto snap = snapshot_of(self->state.cluster);
  auto owners = snap->owners(id);
  holders found;
  for (const auto& n : owners) {
    if (snap->is_local(n))
      found.owner_here = true;
    else
      found.others.push_back(n);
  }
  for (const auto& m : snap->members())
    if (m.up && !snap->is_local(m.info.id)
        && std::find(owners.begin(), owners.end(), m.info.id) == owners.end())
      found.others.push_back(m.info.id);
  return found;
}

caf::result<media_piece> get(media_self self, const std::string& id) {
  auto& st = self->state;
  if (!is_media_id(id))
    return caf::make_error(errc::bad_request, "not a media id");
  if (st.store->contains(id)) {
    auto whole = read_here(self, id, 0, static_cast<int64_t>(max_media_bytes));
    st.metrics->media_downloads.inc();
    return whole;
  }
  auto where = holders_of(self, id);
  auto promise = answer_even_if_stopped(self->make_response_promise<media_piece>());
  fetch_object(self, std::move(where.others), id,
               [self, promise, owner_here = where.owner_here](caf::expected<media_piece> whole) {
                 if (!whole) {
                   promise.deliver(std::move(whole.error()));
                   return;
                 }
                 if (owner_here)
                   store_here(self, whole->info, whole->bytes);
                 self->state.metrics->media_downloads.inc();
                 promise.deliver(std::move(*whole));
               });
  return promise.later();
}

// What a HEAD answers: the object's type and size, read from its file here or asked of
// a node holding it, without moving its bytes. Not a download.
caf::result<media_info> stat(media_self self, const std::string& id) {
  auto& st = self->state;
  if (!is_media_id(id))
    return caf::make_error(errc::bad_request, "not a media id");
  if (st.store->contains(id)) {
    auto meta = st.store->stat(id);
    if (!meta)
      return std::move(meta.error());
    return info_of(id, *meta);
  }
  auto promise = answer_even_if_stopped(self->make_response_promise<media_info>());
  fetch_info(self, holders_of(self, id).others, id,
             [promise](caf::expected<media_piece> head) mutable {
               if (head)
                 promise.deliver(std::move(head->info));
               else
                 promise.deliver(std::move(head.error()));
             });
  return promise.later();
}

void housekeeping(media_self self) {
  auto& st = self->state;
  auto now = now_ms();
  drop_stale_partials(self, now);
  if (now - st.last_sweep_ms < st.settings.sweep_interval.count())
    return;
  st.last_sweep_ms = now;
  auto removed = st.store->sweep(now, st.settings.ttl.count());
  if (!removed)
    SPDLOG_LOGGER_WARN(logs::media(), "event=media_sweep_failed err={}",
                       self->system().render(removed.error()));
  else if (*removed > 0)
    SPDLOG_LOGGER_INFO(logs::media(), "event=media_expired objects={}", *removed);
}

} // namespace

bool store_here(media_self self, const media_info& info, const std::string& bytes) {
  auto& st = self->state;
  auto stored = st.store->put(info.media, info.content_type, bytes, info.uploaded);
  if (!stored) {
    SPDLOG_LOGGER_ERROR(logs::media(), "event=media_write_failed media={} err={}", info.media,
                        self->system().render(stored.error()));
    return false;
  }
  if (stored->second) {
    st.metrics->media_bytes_stored.inc(static_cast<uint64_t>(info.size));
    SPDLOG_LOGGER_DEBUG(logs::media(), "event=media_stored media={} size={}", info.media,
                        info.size);
  }
  return true;
}

caf::behavior media(caf::stateful_actor<media_state>* self, media_settings settings,
                    const cluster_view* cluster, node_metrics* metrics) {
  auto& st = self->state;
  st.settings = settings;
  st.cluster = cluster;
  st.metrics = metrics;
  auto opened = media_store::open(settings.root);
  if (!opened) {
    SPDLOG_LOGGER_ERROR(logs::media(), "event=media_open_failed dir={} err={}",
                        settings.root.string(), self->system().render(opened.error()));
    self->quit(std::move(opened.error()));
    return {};
  }
  st.store.emplace(std::move(*opened));
  SPDLOG_LOGGER_INFO(logs::media(), "event=media_opened dir={} cleaned={}",
                     settings.root.string(), st.store->cleaned_on_open());
  self->set_default_handler(log_unexpected(logs::media(), "media"));
  housekeeping(self);
  self->delayed_send(self, housekeeping_interval, expire_atom_v);
  if (cluster)
    watch_cluster(self);
  return {
    [self](media_put_atom, std::string& content_type, std::string& bytes) {
      return put(self, content_type, bytes);
    },
    [self](media_get_atom, const std::string& id) { return get(self, id); },
    [self](media_stat_atom, const std::string& id) { return stat(self, id); },
    [self](media_read_atom, const std::string& id, int64_t offset, int64_t max_len) {
      return read_here(self, id, offset, std::min(max_len, media_chunk_bytes));
    },
    [self](media_has_atom, const std::string& id) {
      return is_media_id(id) && self->state.store->contains(id);
    },
    [self](media_chunk_atom, media_chunk& chunk) { return accept_chunk(self, chunk); },
    [self](retry_atom, uint64_t upload) { retry_upload(self, upload); },
    [self](expire_atom) {
      housekeeping(self);
      self->delayed_send(self, housekeeping_interval, expire_atom_v);
    },
    [self](watch_atom) { watch_cluster(self); },
    [self](view_changed_atom, uint64_t) { media_cluster_changed(self); },
    [self](caf::tick_atom, uint64_t pass) { start_media_pass(self, pass); },
  };
}

caf::actor start_media(caf::local_actor* sup, const media_settings& settings,
                       const cluster_view* cluster, node_metrics* metrics) {
  auto handle = settings.detached
                  ? sup->spawn<caf::linked + caf::detached>(media, settings, cluster, metrics)
                  : sup->spawn<caf::linked>(media, settings, cluster, metrics);
  register_as(sup->system(), media_name::value, handle);
  return handle;
}

} // namespace parley
