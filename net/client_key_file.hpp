#pragma once

// Pinned keys kept in a file, one "<user> <base64 key>" line each (mode 0600). save()
// only records the change and wakes a writer thread of its own, which replaces the file
// atomically (write, fsync, rename), so the client's io thread never waits for a disk.

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "net/client_keyring.hpp"

namespace parley {

class key_file_store : public key_store {
public:
  explicit key_file_store(std::string path);
  /// Writes what is still waiting, then stops the writer.
  ~key_file_store() override;
  key_file_store(const key_file_store&) = delete;
  key_file_store& operator=(const key_file_store&) = delete;

  /// A missing file is an empty store; unreadable lines are skipped.
  std::map<std::string, std::string> load() override;
  void save(const std::string& user, const std::string& key) override;

  /// The last error writing the file, empty if none (for the application to show).
  std::string last_error();

private:
  void run();
  bool write_file(const std::map<std::string, std::string>& keys);

  std::string path_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::string> keys_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::string error_;
  std::thread writer_;
};

} // namespace parley
