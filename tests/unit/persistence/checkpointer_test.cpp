// Checkpoints on real SQLite files: what was committed reaches the database file (and
// the disk, pass by pass), and the WAL does not grow for ever under steady writes.

#include "persistence/checkpointer.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "persistence/sqlite_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley {
namespace {

// SQLite's default VFS under another name, counting the syncs of main database files.
class sync_counting_vfs {
public:
  static constexpr const char* name = "parley_test_sync_counting";

  sync_counting_vfs() {
    static bool registered = [] {
      real_ = sqlite3_vfs_find(nullptr);
      vfs_ = *real_;
      vfs_.zName = name;
      vfs_.pNext = nullptr;
      vfs_.xOpen = open;
      return sqlite3_vfs_register(&vfs_, 0) == SQLITE_OK;
    }();
    EXPECT_TRUE(registered);
    database_syncs_ = 0;
  }

  int database_syncs() const { return database_syncs_; }

private:
  static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags) {
    int rc = real_->xOpen(real_, name, file, flags, out_flags);
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_MAIN_DB) && file->pMethods) {
      // The file stays the default VFS's own; only its sync goes through us first.
      methods_ = *file->pMethods;
      real_methods_ = file->pMethods;
      methods_.xSync = sync;
      file->pMethods = &methods_;
    }
    return rc;
  }

  static int sync(sqlite3_file* file, int flags) {
    ++database_syncs_;
    return real_methods_->xSync(file, flags);
  }

  static inline sqlite3_vfs* real_ = nullptr;
  static inline sqlite3_vfs vfs_{};
  static inline sqlite3_io_methods methods_{};
  static inline const sqlite3_io_methods* real_methods_ = nullptr;
  static inline std::atomic<int> database_syncs_{0};
};

class CheckpointerTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = sqlite_db::open(file, sync_mode::normal);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    ASSERT_FALSE(db->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, body BLOB);"));
  }

  // One transaction of `rows` rows of 300 bytes.
  void commit_rows(int rows) {
    ASSERT_FALSE(db->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                          "WHERE i < " + std::to_string(rows) + ") "
                          "INSERT INTO t (body) SELECT zeroblob(300) FROM n;"));
  }

  uintmax_t size_of(const std::string& name) { return std::filesystem::file_size(dir / name); }

  testing::temp_dir dir;
  std::filesystem::path file = dir / "ck.db";
  std::unique_ptr<sqlite_db> db;
};

// The checkpointer's own connection reads nothing else: SQLite 3.40 took such a
// connection for one not in WAL mode and checkpointed nothing, ever.
TEST_F(CheckpointerTest, CommittedRowsReachTheDatabaseFile) {
  commit_rows(500);
  auto before = size_of("ck.db");
  checkpointer background{file, std::chrono::milliseconds{0}};
  background.request();
  // The checkpoint runs on its own thread; bounded wait for it to finish.
  for (int i = 0; i < 500 && background.completed() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  ASSERT_GE(background.completed(), 1u);
  EXPECT_GT(size_of("ck.db"), before + 500 * 300);
}

// SQLite syncs the database file only after a checkpoint that reached the end of the WAL,
// which under steady writes never happens; a reader's snapshot stops this pass halfway
// as a commit arriving during it would. Unsynced, the pages of every pass waited for the
// store's WAL restart to write them, while commits waited behind it.
TEST_F(CheckpointerTest, APassThatStopsShortOfTheWalsEndStillSyncsTheDatabaseFile) {
  commit_rows(200);
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM t;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  commit_rows(200);
  sync_counting_vfs counting;
  {
    checkpointer background{file, std::chrono::milliseconds{0}, sync_counting_vfs::name};
    background.request();
    for (int i = 0; i < 500 && background.completed() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    ASSERT_GE(background.completed(), 1u);
    EXPECT_GE(counting.database_syncs(), 1);
  }
  sqlite3_exec(reader, "COMMIT;", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
}

TEST_F(CheckpointerTest, TheWalStartsOverOnceCheckpointed) {
  for (int i = 0; i < 20; ++i)
    commit_rows(50);
  auto frames = db->wal_frames();
  EXPECT_GT(frames, 20 * 15);
  auto done = db->checkpoint();
  ASSERT_TRUE(done);
  EXPECT_TRUE(*done);
  commit_rows(1);
  EXPECT_LT(db->wal_frames(), 10);
  EXPECT_LT(db->wal_frames(), frames);
}

} // namespace
} // namespace parley
