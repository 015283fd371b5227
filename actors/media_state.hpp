#pragma once

// The media actor's state, shared by its files: media.cpp (handlers, local storage),
// media_transfer.cpp (moving objects between nodes) and media_handoff.cpp (keeping
// them on their owners).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/media.hpp"
#include "persistence/media_store.hpp"
#include "runtime/answered_promise.hpp"

namespace parley {

/// An object arriving from another node, slice by slice.
struct media_partial {
  media_info info;
  std::string bytes;
  int64_t touched_ms = 0;
};

/// An upload waiting for its owners to commit.
struct media_upload {
  media_info info;
  std::shared_ptr<const std::string> bytes;
  std::set<std::string> committed;  // nodes that hold it
  int round = 0;
  answered_promise<caf::response_promise> promise{caf::response_promise{}};
};

struct media_state {
  static inline const char* name = "media";

  media_settings settings;
  const cluster_view* cluster = nullptr;
  node_metrics* metrics = nullptr;
  std::optional<media_store> store;
  uint64_t next_transfer = 0;
  std::map<std::string, media_partial> partials;  // by "<from>/<transfer>"
  uint64_t next_upload = 0;
  std::map<uint64_t, std::shared_ptr<media_upload>> uploads;
  int64_t last_sweep_ms = 0;
  // Re-replication pass under way; a newer pass makes older callbacks stop.
  uint64_t pass = 0;
  std::vector<std::string> pass_ids;
  size_t pass_next = 0;
  size_t pass_copied = 0;
  size_t pass_dropped = 0;
};

using media_self = caf::stateful_actor<media_state>*;

// -- media.cpp ------------------------------------------------------------------------

/// Writes the object here; counts the bytes if it was new. False on an I/O error.
bool store_here(media_self self, const media_info& info, const std::string& bytes);

// -- media_transfer.cpp ---------------------------------------------------------------

using stored_fn = std::function<void(bool stored)>;
using fetched_fn = std::function<void(caf::expected<media_piece> whole)>;

/// Sends the object to `node`'s media actor, one slice at a time.
void push_object(media_self self, const std::string& node, const media_info& info,
                 std::shared_ptr<const std::string> bytes, stored_fn done);

/// Reads the whole object `id` from the first of `nodes` that has it (hash checked).
/// Fails with errc::not_found if none has it, errc::unavailable if none answered.
void fetch_object(media_self self, std::vector<std::string> nodes, const std::string& id,
                  fetched_fn done);

/// Reads only the type and size of `id` (a piece without bytes) from the first of
/// `nodes` that has it; fails as fetch_object does.
void fetch_info(media_self self, std::vector<std::string> nodes, const std::string& id,
                fetched_fn done);

/// Takes a slice from another node; true once the object is committed here.
caf::result<bool> accept_chunk(media_self self, media_chunk& chunk);

/// Forgets transfers that stopped arriving.
void drop_stale_partials(media_self self, int64_t now);

/// Stores a new upload on every owner, then answers its promise.
void start_upload(media_self self, std::shared_ptr<media_upload> job);
void retry_upload(media_self self, uint64_t id);

// -- media_handoff.cpp ----------------------------------------------------------------

void watch_cluster(media_self self);
void media_cluster_changed(media_self self);
void start_media_pass(media_self self, uint64_t pass);

} // namespace parley
