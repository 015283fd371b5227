#pragma once

// media: this node's media blobs (PROTOCOL.md section 5), the only actor that touches
// the media directory. It runs detached: hashing 16 MiB and fsyncing files never hold
// a scheduler thread.
//
// Placement: an object's sha256 hex is its key on the hash ring; it is stored on the
// key's owners (min(replicas, live nodes) of them). Any node takes an upload: it hashes
// the bytes, writes them here if it is an owner and sends them to the other owners'
// media actors, in slices of media_chunk_bytes (CAF serializes a message whole, on both
// ends, and its connection carries the heartbeats too). It answers once every owner
// committed, retrying owners that failed on a fresh view; else errc::unavailable.
// A download is served from here if the object is here, else fetched from the owners
// (then any other live node), one after the other; an owner that lacked it keeps the
// copy it fetched (read repair).
//
// After every change of the cluster, once it settled, each node walks the objects it
// holds: every owner that lacks one gets a copy; a node that is no longer an owner drops
// its copy once all owners have one. So a lost replica is rebuilt, and the next loss is
// survived too.
//
// Messages:
//   (media_put_atom, content_type, bytes)   -> media_info     local: an upload
//   (media_get_atom, id)                    -> media_piece    local: a download, whole
//   (media_stat_atom, id)                   -> media_info     local: a HEAD, no bytes
//   (media_read_atom, id, offset, max_len)  -> media_piece    a slice of a stored object
//   (media_has_atom, id)                    -> bool
//   (media_chunk_atom, media_chunk)         -> bool           true once committed here
//   (view_changed_atom, epoch), (watch_atom), (caf::tick_atom, pass), (expire_atom),
//   (retry_atom, upload)                                      internal
// Registered as "media"; other nodes find it among a member's services.

#include <chrono>
#include <cstdint>
#include <filesystem>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "actors/node_metrics.hpp"
#include "runtime/cluster_view.hpp"

namespace parley {

/// The size of the slices an object crosses nodes in.
inline constexpr int64_t media_chunk_bytes = int64_t{1} << 20;

struct media_settings {
  std::filesystem::path root;  // DATA/media; empty: the node runs no media actor
  std::chrono::milliseconds ttl{std::chrono::hours{24 * 30}};
  std::chrono::milliseconds sweep_interval{std::chrono::minutes{10}};
  bool detached = true;  // off on CAF's deterministic test scheduler
};

struct media_state;

caf::behavior media(caf::stateful_actor<media_state>* self, media_settings settings,
                    const cluster_view* cluster, node_metrics* metrics);

/// Spawns the media actor linked to `sup` and registers it as "media".
caf::actor start_media(caf::local_actor* sup, const media_settings& settings,
                       const cluster_view* cluster, node_metrics* metrics);

} // namespace parley
