// The WAL write buffer on real SQLite files: what a commit wrote is in the file, for any
// other connection, as soon as the commit returns.

#include "persistence/wal_write_buffer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "persistence/sqlite_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley {
namespace {

// A connection through SQLite's own VFS, as another process would have.
class plain_connection {
public:
  explicit plain_connection(const std::filesystem::path& file) {
    sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_busy_timeout(db_, 2000);
  }
  ~plain_connection() { sqlite3_close(db_); }

  std::string text(const char* sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    else
      out = std::string{"error: "} + sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    return out;
  }

  int checkpoint() {
    return sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }

private:
  sqlite3* db_ = nullptr;
};

class WalWriteBufferTest : public ::testing::TestWithParam<sync_mode> {
protected:
  void SetUp() override {
    ASSERT_NE(wal_buffering_vfs(), nullptr);
    auto opened = sqlite_db::open(file, GetParam());
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    ASSERT_FALSE(db->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, owner TEXT, body BLOB);"
                          "CREATE INDEX t_owner ON t(owner);"));
    auto st = db->prepare("INSERT INTO t (owner, body) VALUES (?1, ?2)");
    ASSERT_TRUE(st);
    insert = std::move(*st);
  }

  // One transaction of `rows` rows, spread over the index like mailbox rows.
  void commit_rows(int rows) {
    ASSERT_FALSE(db->begin());
    for (int i = 0; i < rows; ++i) {
      insert.reset();
      insert.bind(1, "owner" + std::to_string((written * 7919) % 1000))
        .bind_blob(2, std::string(200 + written % 300, 'x'));
      ASSERT_FALSE(insert.run());
      ++written;
    }
    ASSERT_FALSE(db->commit());
  }

  testing::temp_dir dir;
  std::filesystem::path file = dir / "wal.db";
  std::unique_ptr<sqlite_db> db;
  sqlite_statement insert;
  int written = 0;
};

TEST_P(WalWriteBufferTest, AnotherConnectionSeesEveryCommitAtOnce) {
  plain_connection reader{file};
  for (int round = 0; round < 300; ++round) {
    commit_rows(1 + round % 9);
    ASSERT_EQ(reader.text("SELECT count(*) FROM t"), std::to_string(written)) << round;
  }
}

// The checkpointer copies frames out of the WAL while commits keep coming, and the WAL
// starts over from its beginning once it was copied whole.
TEST_P(WalWriteBufferTest, CheckpointsBetweenCommitsKeepTheDatabaseWhole) {
  plain_connection checkpointer{file};
  for (int round = 0; round < 400; ++round) {
    commit_rows(1 + round % 13);
    if (round % 10 == 0) {
      ASSERT_EQ(checkpointer.checkpoint(), SQLITE_OK);
    }
  }
  // A transaction bigger than the buffer's limit, then more small ones.
  commit_rows(6000);
  for (int round = 0; round < 50; ++round)
    commit_rows(3);
  db.reset();  // the last connection checkpoints everything into the database
  plain_connection after{file};
  EXPECT_EQ(after.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(after.text("SELECT count(*) FROM t"), std::to_string(written));
}

TEST_P(WalWriteBufferTest, ARolledBackTransactionLeavesNoTrace) {
  commit_rows(5);
  ASSERT_FALSE(db->begin());
  for (int i = 0; i < 3000; ++i) {  // enough to spill pages into the WAL before commit
    insert.reset();
    insert.bind(1, "gone").bind_blob(2, std::string(500, 'y'));
    ASSERT_FALSE(insert.run());
  }
  db->rollback();
  commit_rows(5);
  plain_connection reader{file};
  EXPECT_EQ(reader.text("SELECT count(*) FROM t"), "10");
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

INSTANTIATE_TEST_SUITE_P(SyncModes, WalWriteBufferTest,
                         ::testing::Values(sync_mode::normal, sync_mode::full));

} // namespace
} // namespace parley
