#pragma once

// Copies the WAL into the database file on a thread of its own, over its own connection,
// so that a checkpoint (and the fsync that ends it) never holds up a commit. WAL mode
// lets a passive checkpoint run while the writer keeps appending. Part of the store: no
// other code touches SQLite.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "runtime/config.hpp"

struct sqlite3;

namespace parley {

class checkpointer {
public:
  /// Starts the thread. `pause` is the least time between two checkpoints; `vfs` names
  /// the SQLite VFS of its connection (null: the default one).
  checkpointer(std::filesystem::path database, std::chrono::milliseconds pause,
               const char* vfs = nullptr);
  ~checkpointer();

  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  /// Asks for a checkpoint soon; cheap, never blocks on the checkpoint itself.
  void request();

  /// Checkpoints completed with the database file synced (at most one a second), counted
  /// as each one ends, before the pause; busy or failed ones, and those left unsynced,
  /// do not count.
  uint64_t completed() const;

private:
  void run();

  std::filesystem::path database_;
  std::chrono::milliseconds pause_;
  const char* vfs_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stopping_ = false;
  uint64_t completed_ = 0;
  std::thread thread_;
};

} // namespace parley
