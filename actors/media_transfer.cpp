// Moving media objects between nodes: uploads to the owners, slices sent and taken,
// whole objects fetched from whichever node has them.

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/media_state.hpp"
#include "actors/placement.hpp"
#include "runtime/clock.hpp"
#include "runtime/logging.hpp"
#include "runtime/media_id.hpp"

namespace parley {

namespace {

// Transfers from other nodes that stopped arriving are dropped after this long.
constexpr int64_t partial_timeout_ms = 60'000;
// Objects held in memory at once, each up to 16 MiB: arriving from other nodes, and
// uploads waiting for their owners. Past that, new ones get errc::unavailable.
constexpr size_t max_partials = 16;
constexpr size_t max_uploads = 32;
// An upload whose owners did not all commit is tried again on a fresh view (a dead
// owner has left it by then, and its successor takes the copy).
constexpr int max_upload_rounds = 3;
constexpr auto upload_retry = std::chrono::milliseconds{300};

// One object on its way to one node.
struct outgoing {
  caf::actor target;
  media_chunk head;  // from, transfer and info; offset and bytes change per slice
  std::shared_ptr<const std::string> bytes;
  stored_fn done;
};

void send_slice(media_self self, std::shared_ptr<outgoing> out, int64_t offset) {
  auto chunk = out->head;
  chunk.offset = offset;
  chunk.bytes = out->bytes->substr(static_cast<size_t>(offset),
                                   static_cast<size_t>(media_chunk_bytes));
  auto next = offset + static_cast<int64_t>(chunk.bytes.size());
  self->request(out->target, remote_request, media_chunk_atom_v, std::move(chunk))
    .then(
      [self, out, next](bool stored) {
        if (stored)
          out->done(true);
        else if (next < out->head.info.size)
          send_slice(self, out, next);
        else
          out->done(false);  // the last slice went in, yet nothing was committed
      },
      [self, out](caf::error& err) {
        SPDLOG_LOGGER_DEBUG(logs::media(), "event=media_push_failed media={} err={}",
                            out->head.info.media, self->system().render(err));
        out->done(false);
      });
}

// One object being read from the nodes that may have it.
struct incoming {
  std::vector<std::string> nodes;
  size_t next = 0;
  std::string id;
  media_info info;
  std::string bytes;
  bool not_found = false;  // some node answered that it does not have it
  bool info_only = false;  // a HEAD: the first answer's info is all that is wanted
  fetched_fn done;
};

void fetch_from_next(media_self self, std::shared_ptr<incoming> in);

void read_slice(media_self self, std::shared_ptr<incoming> in, caf::actor source,
                int64_t offset) {
  auto slice = in->info_only ? int64_t{0} : media_chunk_bytes;
  self->request(source, remote_request, media_read_atom_v, in->id, offset, slice)
    .then(
      [self, in, source, offset](media_piece& piece) {
        if (in->info_only) {
          piece.info.media = in->id;
          in->done(media_piece{std::move(piece.info), 0, {}});
          return;
        }
        if (offset == 0) {
          in->info = piece.info;
          in->bytes.clear();
          in->bytes.reserve(static_cast<size_t>(std::max<int64_t>(piece.info.size, 0)));
        }
        bool consistent = piece.offset == offset && piece.info.size == in->info.size
                          && offset + static_cast<int64_t>(piece.bytes.size()) <= in->info.size;
        if (consistent) {
          in->bytes += piece.bytes;
          auto have = static_cast<int64_t>(in->bytes.size());
          if (have < in->info.size && !piece.bytes.empty()) {
            read_slice(self, in, source, have);
            return;
          }
          if (have == in->info.size && media_id_of(in->bytes) == in->id) {
            in->info.media = in->id;
            in->done(media_piece{std::move(in->info), 0, std::move(in->bytes)});
            return;
          }
        }
        SPDLOG_LOGGER_WARN(logs::media(), "event=media_fetch_corrupt media={} node={}", in->id,
                           in->nodes[in->next - 1]);
        fetch_from_next(self, in);
      },
      [self, in](caf::error& err) {
        if (code_of(err) == errc::not_found)
          in->not_found = true;
        else
          SPDLOG_LOGGER_DEBUG(logs::media(), "event=media_fetch_failed media={} node={} err={}",
                              in->id, in->nodes[in->next - 1], self->system().render(err));
        fetch_from_next(self, in);
      });
}

void fetch_from_next(media_self self, std::shared_ptr<incoming> in) {
  auto snap = snapshot_of(self->state.cluster);
  while (in->next < in->nodes.size()) {
    const auto& node = in->nodes[in->next++];
    if (auto source = service_on(self->system(), *snap, node, media_name::value)) {
      read_slice(self, in, std::move(source), 0);
      return;
    }
  }
  // Nobody answered at all: we cannot tell whether the object exists.
  bool unknown = !in->not_found && !in->nodes.empty();
  in->done(unknown ? caf::make_error(errc::unavailable, "no node holding it answered")
                   : caf::make_error(errc::not_found, in->id));
}

void upload_round(media_self self, uint64_t id);

// The upload `id`, or null when it was answered already.
std::shared_ptr<media_upload> upload_of(media_self self, uint64_t id) {
  auto i = self->state.uploads.find(id);
  return i == self->state.uploads.end() ? nullptr : i->second;
}

void finish_round(media_self self, uint64_t id) {
  auto& st = self->state;
  auto job = upload_of(self, id);
  if (!job)
    return;
  auto owners = snapshot_of(st.cluster)->owners(job->info.media);
  bool all = !owners.empty()
             && std::all_of(owners.begin(), owners.end(),
                            [&](const std::string& n) { return job->committed.count(n) > 0; });
  if (all) {
    st.metrics->media_uploads.inc();
    SPDLOG_LOGGER_DEBUG(logs::media(), "event=media_uploaded media={} size={} owners={}",
                        job->info.media, job->info.size, owners.size());
    job->promise.deliver(job->info);
    st.uploads.erase(id);
    return;
  }
  if (++job->round < max_upload_rounds) {
    st.metrics->replica_retries.inc();
    self->delayed_send(self, upload_retry, retry_atom_v, id);
    return;
  }
  SPDLOG_LOGGER_WARN(logs::media(), "event=media_upload_unavailable media={} committed={} owners={}",
                     job->info.media, job->committed.size(), owners.size());
  job->promise.deliver(
    caf::make_error(errc::unavailable, "the media could not be stored on enough nodes"));
  st.uploads.erase(id);
}

void upload_round(media_self self, uint64_t id) {
  auto job = upload_of(self, id);
  if (!job)
    return;
  auto snap = snapshot_of(self->state.cluster);
  std::vector<std::string> remote;
  for (const auto& node : snap->owners(job->info.media)) {
    if (job->committed.count(node) > 0)
      continue;
    if (!snap->is_local(node))
      remote.push_back(node);
    else if (store_here(self, job->info, *job->bytes))
      job->committed.insert(node);
  }
  if (remote.empty()) {
    finish_round(self, id);
    return;
  }
  auto pending = std::make_shared<size_t>(remote.size());
  for (const auto& node : remote)
    push_object(self, node, job->info, job->bytes, [self, id, node, pending](bool stored) {
      auto job = upload_of(self, id);
      if (!job)
        return;
      if (stored)
        job->committed.insert(node);
      if (--*pending == 0)
        finish_round(self, id);
    });
}

} // namespace

void push_object(media_self self, const std::string& node, const media_info& info,
                 std::shared_ptr<const std::string> bytes, stored_fn done) {
  auto snap = snapshot_of(self->state.cluster);
  auto target = snap->is_local(node) ? caf::actor{}
                                     : service_on(self->system(), *snap, node, media_name::value);
  if (!target) {
    done(false);
    return;
  }
  auto out = std::make_shared<outgoing>();
  out->target = std::move(target);
  out->head.from = snap->self();
  out->head.transfer = ++self->state.next_transfer;
  out->head.info = info;
  out->bytes = std::move(bytes);
  out->done = std::move(done);
  send_slice(self, std::move(out), 0);
}

namespace {

void fetch(media_self self, std::vector<std::string> nodes, const std::string& id,
           bool info_only, fetched_fn done) {
  auto in = std::make_shared<incoming>();
  in->nodes = std::move(nodes);
  in->id = id;
  in->info_only = info_only;
  in->done = std::move(done);
  fetch_from_next(self, std::move(in));
}

} // namespace

void fetch_object(media_self self, std::vector<std::string> nodes, const std::string& id,
                  fetched_fn done) {
  fetch(self, std::move(nodes), id, false, std::move(done));
}

void fetch_info(media_self self, std::vector<std::string> nodes, const std::string& id,
                fetched_fn done) {
  fetch(self, std::move(nodes), id, true, std::move(done));
}

caf::result<bool> accept_chunk(media_self self, media_chunk& chunk) {
  auto& st = self->state;
  const auto& info = chunk.info;
  if (!is_media_id(info.media) || info.size < 0
      || info.size > static_cast<int64_t>(max_media_bytes))
    return caf::make_error(errc::bad_request, "not a valid media object");
  auto key = chunk.from + "/" + std::to_string(chunk.transfer);
  auto i = st.partials.find(key);
  if (chunk.offset == 0) {
    // Already here (an earlier upload of the same bytes): only its expiry moves.
    if (st.store->contains(info.media))
      return store_here(self, info, {});
    if (st.partials.size() >= max_partials && st.partials.count(key) == 0)
      return caf::make_error(errc::unavailable, "too many media transfers under way");
    i = st.partials.insert_or_assign(key, media_partial{info, {}, 0}).first;
    i->second.bytes.reserve(static_cast<size_t>(info.size));
  } else if (i == st.partials.end()
             || chunk.offset != static_cast<int64_t>(i->second.bytes.size())) {
    return caf::make_error(errc::bad_request, "media slice out of order");
  }
  auto& part = i->second;
  if (static_cast<int64_t>(part.bytes.size() + chunk.bytes.size()) > part.info.size) {
    st.partials.erase(i);
    return caf::make_error(errc::bad_request, "media slices exceed the object's size");
  }
  part.bytes += chunk.bytes;
  part.touched_ms = now_ms();
  if (static_cast<int64_t>(part.bytes.size()) < part.info.size)
    return false;
  auto whole = std::move(part);
  st.partials.erase(i);
  if (media_id_of(whole.bytes) != whole.info.media)
    return caf::make_error(errc::bad_request, "media bytes do not match their hash");
  if (!store_here(self, whole.info, whole.bytes))
    return caf::make_error(errc::internal, "media write failed");
  return true;
}

void drop_stale_partials(media_self self, int64_t now) {
  auto& partials = self->state.partials;
  for (auto i = partials.begin(); i != partials.end();) {
    if (now - i->second.touched_ms > partial_timeout_ms)
      i = partials.erase(i);
    else
      ++i;
  }
}

void start_upload(media_self self, std::shared_ptr<media_upload> job) {
  auto& st = self->state;
  if (st.uploads.size() >= max_uploads) {
    job->promise.deliver(caf::make_error(errc::unavailable, "too many media uploads under way"));
    return;
  }
  auto id = ++st.next_upload;
  st.uploads.emplace(id, std::move(job));
  upload_round(self, id);
}

void retry_upload(media_self self, uint64_t id) {
  upload_round(self, id);
}

} // namespace parley
