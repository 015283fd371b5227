#pragma once

// One node per data directory. Two processes writing the same SQLite files and media
// objects would each believe it owns them; the second start is refused instead.

#include <filesystem>
#include <optional>
#include <string>

namespace parley {

/// An exclusive lock on DATA/node.lock, held while this object lives. The kernel drops
/// it when the process ends, however it ends (SIGKILL included), so a restart after a
/// crash finds the directory free.
class data_dir_lock {
public:
  /// The lock, or nothing with `error` set: the directory is in use by another process,
  /// or the lock file cannot be opened.
  static std::optional<data_dir_lock> take(const std::filesystem::path& dir, std::string& error);

  data_dir_lock(data_dir_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  data_dir_lock& operator=(data_dir_lock&&) = delete;
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;
  ~data_dir_lock();

private:
  explicit data_dir_lock(int fd) : fd_(fd) {}
  int fd_;
};

} // namespace parley
