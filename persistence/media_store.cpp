#include "persistence/media_store.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/errors.hpp"
#include "runtime/media_id.hpp"

namespace parley {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view temp_prefix = ".tmp-";
constexpr std::string_view meta_suffix = ".meta";
constexpr const char* default_type = "application/octet-stream";

caf::error io_error(const char* what, const fs::path& path, int err = errno) {
  return caf::make_error(errc::internal,
                         std::string{"media "} + what + " " + path.string() + ": "
                           + std::strerror(err));
}

// Makes a rename or a new entry in `dir` durable.
caf::error sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return io_error("open dir", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? caf::error{} : io_error("fsync dir", dir, err);
}

// Creates `dir` (one level) if missing, and makes its entry in the parent durable.
caf::error ensure_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0)
    return sync_dir(dir.parent_path());
  if (errno == EEXIST)
    return {};
  return io_error("mkdir", dir);
}

caf::error write_all(int fd, const std::string& bytes, const fs::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return io_error("write", path);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string encode_meta(const media_meta& meta) {
  return "content-type=" + meta.content_type + "\nuploaded=" + std::to_string(meta.uploaded)
         + "\n";
}

void decode_meta(const std::string& text, media_meta& meta) {
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    auto key = line.substr(0, eq);
    auto value = line.substr(eq + 1);
    if (key == "content-type")
      meta.content_type = value;
    else if (key == "uploaded")
      meta.uploaded = std::strtoll(value.c_str(), nullptr, 10);
  }
}

fs::path meta_path(const fs::path& blob) {
  return blob.string() + std::string{meta_suffix};
}

} // namespace

caf::expected<media_store> media_store::open(fs::path root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec)
    return caf::make_error(errc::internal, "media dir " + root.string() + ": " + ec.message());
  media_store store{std::move(root)};
  store.cleaned_ = store.remove_leftovers();
  return store;
}

fs::path media_store::path_of(const std::string& id) const {
  return root_ / id.substr(0, 2) / id.substr(2, 2) / id;
}

caf::expected<media_meta> media_store::stat(const std::string& id) const {
  if (!is_media_id(id))  // ids come from other nodes too: never a path of theirs
    return caf::make_error(errc::not_found, id);
  auto blob = path_of(id);
  struct ::stat st {};
  if (::stat(blob.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return caf::make_error(errc::not_found, id);
    return io_error("stat", blob);
  }
  media_meta meta;
  meta.size = static_cast<int64_t>(st.st_size);
  meta.uploaded = -1;  // not read yet
  std::ifstream in{meta_path(blob), std::ios::binary};
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    decode_meta(text.str(), meta);
  }
  // A blob whose sidecar is gone (removed by hand): served as opaque bytes, aged by
  // the blob's own time.
  if (meta.content_type.empty())
    meta.content_type = default_type;
  if (meta.uploaded < 0)
    meta.uploaded = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000
                    + st.st_mtim.tv_nsec / 1000000;
  return meta;
}

bool media_store::contains(const std::string& id) const {
  if (!is_media_id(id))
    return false;
  struct ::stat st {};
  return ::stat(path_of(id).c_str(), &st) == 0;
}

caf::error media_store::write_file(const fs::path& target, const std::string& bytes) {
  auto temp = target.parent_path()
              / (std::string{temp_prefix} + target.filename().string() + "-"
                 + std::to_string(++next_temp_));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error("create", temp);
  auto err = write_all(fd, bytes, temp);
  if (!err && ::fsync(fd) != 0)
    err = io_error("fsync", temp);
  if (::close(fd) != 0 && !err)
    err = io_error("close", temp);
  if (!err && ::rename(temp.c_str(), target.c_str()) != 0)
    err = io_error("rename", temp);
  if (err) {
    ::unlink(temp.c_str());
    return err;
  }
  return sync_dir(target.parent_path());
}

caf::error media_store::write_meta(const std::string& id, const media_meta& meta) {
  return write_file(meta_path(path_of(id)), encode_meta(meta));
}

caf::expected<std::pair<media_meta, bool>>
media_store::put(const std::string& id, const std::string& content_type,
                 const std::string& bytes, int64_t uploaded) {
  if (!is_media_id(id))
    return caf::make_error(errc::bad_request, "not a media id: " + id);
  auto existing = stat(id);
  if (existing) {
    if (uploaded > existing->uploaded) {
      existing->uploaded = uploaded;
      if (auto err = write_meta(id, *existing))
        return err;
    }
    return std::make_pair(std::move(*existing), false);
  }
  if (code_of(existing.error()) != errc::not_found)
    return std::move(existing.error());
  auto blob = path_of(id);
  if (auto err = ensure_dir(blob.parent_path().parent_path()))
    return err;
  if (auto err = ensure_dir(blob.parent_path()))
    return err;
  media_meta meta{content_type, uploaded, static_cast<int64_t>(bytes.size())};
  // Sidecar first: once the blob is in place, its type is too.
  if (auto err = write_meta(id, meta))
    return err;
  if (auto err = write_file(blob, bytes))
    return err;
  return std::make_pair(std::move(meta), true);
}

caf::expected<std::string> media_store::read(const std::string& id, int64_t offset,
                                             int64_t max_len) const {
  if (!is_media_id(id))
    return caf::make_error(errc::not_found, id);
  auto blob = path_of(id);
  int fd = ::open(blob.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return caf::make_error(errc::not_found, id);
    return io_error("open", blob);
  }
  struct ::stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err = io_error("fstat", blob);
    ::close(fd);
    return err;
  }
  auto size = static_cast<int64_t>(st.st_size);
  auto from = std::min(std::max<int64_t>(offset, 0), size);
  auto len = std::min(std::max<int64_t>(max_len, 0), size - from);
  std::string out(static_cast<size_t>(len), '\0');
  size_t done = 0;
  while (done < out.size()) {
    auto n = ::pread(fd, out.data() + done, out.size() - done,
                     static_cast<off_t>(from + static_cast<int64_t>(done)));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto err = io_error("read", blob, n < 0 ? errno : EIO);
      ::close(fd);
      return err;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return out;
}

caf::error media_store::erase(const std::string& id) {
  if (!is_media_id(id))
    return caf::make_error(errc::bad_request, "not a media id: " + id);
  auto blob = path_of(id);
  // Blob first: a crash in between leaves an orphaned sidecar, which open() removes.
  if (::unlink(blob.c_str()) != 0 && errno != ENOENT)
    return io_error("unlink", blob);
  auto meta = meta_path(blob);
  if (::unlink(meta.c_str()) != 0 && errno != ENOENT)
    return io_error("unlink", meta);
  std::error_code ec;
  if (!fs::exists(blob.parent_path(), ec))
    return {};
  return sync_dir(blob.parent_path());
}

caf::expected<std::vector<media_entry>> media_store::list() const {
  std::vector<media_entry> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator i{root_, ec}, end; !ec && i != end; i.increment(ec)) {
    if (i.depth() != 2 || !i->is_regular_file(ec))
      continue;
    auto name = i->path().filename().string();
    if (!is_media_id(name))
      continue;
    auto meta = stat(name);
    if (!meta)
      continue;  // removed meanwhile
    out.push_back(media_entry{std::move(name), std::move(*meta)});
  }
  if (ec)
    return caf::make_error(errc::internal, "media list " + root_.string() + ": " + ec.message());
  return out;
}

caf::expected<size_t> media_store::sweep(int64_t now_ms, int64_t ttl_ms) {
  auto all = list();
  if (!all)
    return std::move(all.error());
  size_t removed = 0;
  for (const auto& e : *all) {
    if (now_ms - e.meta.uploaded < ttl_ms)
      continue;
    if (auto err = erase(e.id))
      return err;
    ++removed;
  }
  return removed;
}

size_t media_store::remove_leftovers() {
  std::vector<fs::path> doomed;
  std::error_code ec;
  std::error_code missing;
  for (fs::recursive_directory_iterator i{root_, ec}, end; !ec && i != end; i.increment(ec)) {
    if (i.depth() != 2)
      continue;
    auto name = i->path().filename().string();
    if (starts_with(name, temp_prefix))
      doomed.push_back(i->path());
    else if (ends_with(name, meta_suffix)
             && !fs::exists(i->path().parent_path()
                              / name.substr(0, name.size() - meta_suffix.size()),
                            missing))
      doomed.push_back(i->path());
  }
  size_t removed = 0;
  for (const auto& p : doomed)
    removed += fs::remove(p, ec) ? 1 : 0;
  return removed;
}

} // namespace parley
