#include "runtime/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace parley {

std::optional<data_dir_lock> data_dir_lock::take(const std::filesystem::path& dir,
                                                 std::string& error) {
  auto file = dir / "node.lock";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "--data: cannot open '" + file.string() + "': " + std::strerror(errno);
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int why = errno;
    ::close(fd);
    error = why == EWOULDBLOCK
              ? "--data: '" + dir.string() + "' is in use by another running node"
              : "--data: cannot lock '" + file.string() + "': " + std::strerror(why);
    return std::nullopt;
  }
  return data_dir_lock{fd};
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace parley
