// Checkpoints on real SQLite files: what was committed reaches the database file, and the
// WAL does not grow for ever under steady writes.

#include "persistence/checkpointer.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "persistence/sqlite_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley {
namespace {

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
