#include "apps/chat_downloads.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/client_media.hpp"

namespace parley::chat {

namespace {

// mkdir -p with mode 0700 for what it creates.
bool make_dirs(const std::string& dir) {
  for (size_t at = 1; at <= dir.size(); ++at) {
    if (at < dir.size() && dir[at] != '/')
      continue;
    auto part = dir.substr(0, at);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      return false;
  }
  return true;
}

// "cat.png", then "cat-1.png", "cat-2.png", ...
std::string numbered(const std::string& name, int n) {
  if (n == 0)
    return name;
  auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0)
    return name + "-" + std::to_string(n);
  return name.substr(0, dot) + "-" + std::to_string(n) + name.substr(dot);
}

} // namespace

downloads::downloads(std::string dir) : dir_(std::move(dir)), writer_([this] { run(); }) {
}

downloads::~downloads() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

void downloads::save(std::string name, std::string bytes, done_handler done) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    // The library already gives a safe name; a name is joined into a path only here.
    jobs_.push_back(job{parley::e2e::safe_file_name(name), std::move(bytes), std::move(done)});
  }
  wake_.notify_all();
}

void downloads::run() {
  std::unique_lock<std::mutex> lock{mutex_};
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty())
      return;  // stopping, and nothing left
    auto j = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    write(j);
    lock.lock();
  }
}

void downloads::write(job& j) {
  if (!make_dirs(dir_)) {
    j.done({}, "cannot create " + dir_ + ": " + std::strerror(errno));
    return;
  }
  for (int n = 0; n < 1000; ++n) {
    auto path = dir_ + "/" + numbered(j.name, n);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
      continue;
    if (fd < 0) {
      j.done({}, "cannot create " + path + ": " + std::strerror(errno));
      return;
    }
    size_t done = 0;
    while (done < j.bytes.size()) {
      auto w = ::write(fd, j.bytes.data() + done, j.bytes.size() - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        break;
      done += static_cast<size_t>(w);
    }
    bool written = done == j.bytes.size();
    bool ok = ::close(fd) == 0 && written;
    if (!ok) {
      auto why = std::string{std::strerror(errno)};
      ::unlink(path.c_str());
      j.done({}, "cannot write " + path + ": " + why);
      return;
    }
    j.done(path, {});
    return;
  }
  j.done({}, "too many files named " + j.name + " in " + dir_);
}

} // namespace parley::chat
