#include "persistence/checkpointer.hpp"

#include <sqlite3.h>

#include "runtime/logging.hpp"

namespace parley {

namespace {

// SQLite syncs the database file only at the end of a checkpoint that reached the end of
// the WAL, which under steady writes never happens: the pages of every pass stayed dirty
// in the page cache until the store's WAL restart, whose fsync then wrote seconds of them
// while commits waited (7 ms growing to 43 ms over 120 s at 5,000 msg/s). They are
// written here, off the commits' path, at most once a second: after every pass, the
// writing of pages copied again and again made the commits' p99 worse.
constexpr auto database_sync_interval = std::chrono::seconds{1};

int sync_database_file(sqlite3* db) {
  sqlite3_file* file = nullptr;
  int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc != SQLITE_OK)
    return rc;
  if (!file || !file->pMethods)
    return SQLITE_MISUSE;
  return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

// Commits go on during the sync, which grows with the database (45 ms after five minutes
// at 5,000 msg/s): a second pass copies them and a second, short sync writes their pages,
// so that the store's WAL restart after this finds little to copy and sync itself. A
// busy second pass (the store checkpoints itself) is skipped.
int sync_after_pass(sqlite3* db) {
  int rc = sync_database_file(db);
  if (rc == SQLITE_OK
      && sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr)
           == SQLITE_OK)
    rc = sync_database_file(db);
  return rc;
}

} // namespace

checkpointer::checkpointer(std::filesystem::path database, std::chrono::milliseconds pause,
                           const char* vfs)
  : database_(std::move(database)), pause_(pause), vfs_(vfs), thread_([this] { run(); }) {
}

checkpointer::~checkpointer() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void checkpointer::request() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (wanted_)
      return;
    wanted_ = true;
  }
  wake_.notify_one();
}

uint64_t checkpointer::completed() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return completed_;
}

void checkpointer::run() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      vfs_)
      != SQLITE_OK) {
    SPDLOG_LOGGER_ERROR(logs::store(), "event=checkpointer_open_failed file={} err={}",
                        database_.string(), sqlite3_errmsg(db));
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 100);
  // SQLite 3.40 checkpoints nothing through a connection that has not read the database
  // yet (it reports "not in WAL mode"): read the schema first, and again whenever a
  // checkpoint says so (the read may have failed, say during recovery).
  auto read_schema = [this, db] {
    if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr)
        != SQLITE_OK)
      SPDLOG_LOGGER_WARN(logs::store(), "event=checkpointer_read_failed file={} err={}",
                         database_.string(), sqlite3_errmsg(db));
  };
  read_schema();
  auto last_sync = std::chrono::steady_clock::time_point{};
  // After a failed fsync Linux may mark the pages clean, and the next fsync succeeds
  // without having written them: no pass counts as synced again (the store then starts
  // the WAL over only at twice its limit, store_commit.cpp).
  bool sync_failed = false;
  std::unique_lock<std::mutex> lock{mutex_};
  for (;;) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_)
      break;
    wanted_ = false;
    lock.unlock();
    int wal_frames = 0;
    int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                       nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      SPDLOG_LOGGER_WARN(logs::store(), "event=checkpoint_failed err={}", sqlite3_errstr(rc));
    else if (rc == SQLITE_OK && wal_frames < 0)
      read_schema();
    // An empty WAL: nothing was copied, nothing to sync.
    bool synced = !sync_failed && rc == SQLITE_OK && wal_frames == 0;
    auto now = std::chrono::steady_clock::now();
    if (!sync_failed && rc == SQLITE_OK && wal_frames > 0
        && now - last_sync >= database_sync_interval) {
      last_sync = now;
      rc = sync_after_pass(db);
      synced = rc == SQLITE_OK;
      if (!synced) {
        sync_failed = true;
        SPDLOG_LOGGER_ERROR(logs::store(), "event=database_sync_failed file={} err={}",
                            database_.string(), sqlite3_errstr(rc));
      }
    }
    lock.lock();
    if (synced)
      ++completed_;  // counted before the pause: the store waits for a fresh pass
    lock.unlock();
    std::this_thread::sleep_for(pause_);
    lock.lock();
  }
  lock.unlock();
  sqlite3_close(db);
}

} // namespace parley
