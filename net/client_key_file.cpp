#include "net/client_key_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "runtime/base64.hpp"
#include "runtime/config.hpp"

namespace parley {

key_file_store::key_file_store(std::string path)
  : path_(std::move(path)), writer_([this] { run(); }) {
}

key_file_store::~key_file_store() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

std::map<std::string, std::string> key_file_store::load() {
  std::map<std::string, std::string> keys;
  std::ifstream in{path_};
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields{line};
    std::string user, key_b64;
    if (!(fields >> user >> key_b64) || !is_valid_id(user))
      continue;
    if (auto key = base64_decode(key_b64); key && key->size() == 32)
      keys[user] = std::move(*key);
  }
  std::lock_guard<std::mutex> guard{mutex_};
  for (const auto& [user, key] : keys)
    keys_.emplace(user, key);  // a save() before load() wins
  return keys_;
}

void key_file_store::save(const std::string& user, const std::string& key) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    keys_[user] = key;
    dirty_ = true;
  }
  wake_.notify_all();
}

std::string key_file_store::last_error() {
  std::lock_guard<std::mutex> guard{mutex_};
  return error_;
}

void key_file_store::run() {
  std::unique_lock<std::mutex> lock{mutex_};
  for (;;) {
    wake_.wait(lock, [this] { return dirty_ || stopping_; });
    if (dirty_) {
      auto snapshot = keys_;
      dirty_ = false;
      lock.unlock();
      bool ok = write_file(snapshot);
      auto why = ok ? std::string{} : path_ + ": " + std::strerror(errno);
      lock.lock();
      error_ = why;
      continue;  // anything saved meanwhile is written before stopping
    }
    if (stopping_)
      return;
  }
}

bool key_file_store::write_file(const std::map<std::string, std::string>& keys) {
  std::string text;
  for (const auto& [user, key] : keys)
    text += user + " " + base64_encode(key) + "\n";
  auto tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return false;
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  return ok && std::rename(tmp.c_str(), path_.c_str()) == 0;
}

} // namespace parley
