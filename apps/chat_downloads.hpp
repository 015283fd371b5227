#pragma once

// parley-chat's downloads folder: received files are written there by a thread of its
// own, since the client's callbacks run on its io thread, which must never wait for a
// disk.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace parley::chat {

class downloads {
public:
  /// Files go to `dir` (created with mode 0700 on first use); `done` gets the path
  /// written, or an empty path and the error.
  explicit downloads(std::string dir);
  /// Writes what is queued, then stops.
  ~downloads();
  downloads(const downloads&) = delete;
  downloads& operator=(const downloads&) = delete;

  using done_handler = std::function<void(const std::string& path, const std::string& error)>;
  /// Queues `bytes` under `name`, made a safe file name here too (never a path out of
  /// the folder); an existing file is not overwritten: "cat.png" becomes "cat-1.png".
  void save(std::string name, std::string bytes, done_handler done);

private:
  struct job {
    std::string name;
    std::string bytes;
    done_handler done;
  };
  void run();
  void write(job& j);

  std::string dir_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> jobs_;
  bool stopping_ = false;
  std::thread writer_;
};

} // namespace parley::chat
