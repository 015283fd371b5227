#pragma once

// Media blobs on disk, content-addressed (DESIGN.md, "Media"):
//
//   ROOT/ab/cd/<sha256 hex>        the exact bytes uploaded
//   ROOT/ab/cd/<sha256 hex>.meta   a sidecar: "content-type=<type>\nuploaded=<ms>\n"
//
// where ab and cd are the first two hex pairs of the name. Every file is written to a
// temporary file in the same directory (".tmp-..."), fsynced, renamed into place, and the
// directory fsynced: after a crash a file is either whole or absent. The sidecar is
// committed before the blob and removed after it, so the blob's presence is the commit
// point; temporary files and sidecars without a blob are removed by open().
//
// Blocking file I/O: only the media actor (detached) uses this class.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace parley {

struct media_meta {
  std::string content_type;
  int64_t uploaded = 0;  // ms since the epoch; the object expires a fixed time after it
  int64_t size = 0;
};

struct media_entry {
  std::string id;  // sha256 hex
  media_meta meta;
};

class media_store {
public:
  /// Creates ROOT if needed and removes what an interrupted write left behind.
  static caf::expected<media_store> open(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  /// Temporary files and orphaned sidecars removed by open().
  size_t cleaned_on_open() const { return cleaned_; }

  /// Where the blob of `id` lives (whether or not it exists).
  std::filesystem::path path_of(const std::string& id) const;

  /// The object's metadata, or errc::not_found.
  caf::expected<media_meta> stat(const std::string& id) const;
  bool contains(const std::string& id) const;

  /// Stores `bytes` under `id`; the caller has checked that `id` is their SHA-256. An
  /// object already stored keeps its bytes and type; its upload time moves forward to
  /// `uploaded` if that is later (a new upload restarts the expiry clock).
  /// Returns the metadata as stored and whether the blob was written now.
  caf::expected<std::pair<media_meta, bool>> put(const std::string& id,
                                                 const std::string& content_type,
                                                 const std::string& bytes, int64_t uploaded);

  /// At most `max_len` bytes of the blob from `offset` on (fewer at its end).
  caf::expected<std::string> read(const std::string& id, int64_t offset,
                                  int64_t max_len) const;

  /// Removes the object; no error if it was not there.
  caf::error erase(const std::string& id);

  /// Every stored object, in no particular order.
  caf::expected<std::vector<media_entry>> list() const;

  /// Removes the objects uploaded `ttl_ms` or longer before `now_ms`; returns how many.
  caf::expected<size_t> sweep(int64_t now_ms, int64_t ttl_ms);

private:
  explicit media_store(std::filesystem::path root) : root_(std::move(root)) {}

  caf::error write_file(const std::filesystem::path& target, const std::string& bytes);
  caf::error write_meta(const std::string& id, const media_meta& meta);
  size_t remove_leftovers();

  std::filesystem::path root_;
  size_t cleaned_ = 0;
  uint64_t next_temp_ = 0;
};

} // namespace parley
