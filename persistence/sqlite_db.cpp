#include "persistence/sqlite_db.hpp"

#include <sqlite3.h>

#include "persistence/wal_write_buffer.hpp"
#include "runtime/errors.hpp"

namespace parley {

caf::error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string text{what};
  text += ": ";
  text += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return caf::make_error(errc::unavailable, std::move(text));
    default:
      return caf::make_error(errc::internal, std::move(text));
  }
}

// -- sqlite_statement ---------------------------------------------------------

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
  : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

sqlite_statement& sqlite_statement::operator=(sqlite_statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

sqlite_statement::~sqlite_statement() {
  sqlite3_finalize(stmt_);
}

sqlite_statement& sqlite_statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

sqlite_statement& sqlite_statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

sqlite_statement& sqlite_statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

sqlite_statement& sqlite_statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

caf::expected<bool> sqlite_statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  return sqlite_error(db_, rc, "step");
}

caf::error sqlite_statement::run() {
  return each_row([](const sqlite_statement&) {});
}

void sqlite_statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t sqlite_statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string sqlite_statement::column_text(int index) const {
  auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  auto size = sqlite3_column_bytes(stmt_, index);
  return data ? std::string{data, static_cast<size_t>(size)} : std::string{};
}

bool sqlite_statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

// -- sqlite_db ----------------------------------------------------------------

caf::expected<std::unique_ptr<sqlite_db>> sqlite_db::open(const std::filesystem::path& file,
                                                          sync_mode sync) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           wal_buffering_vfs());
  if (rc != SQLITE_OK) {
    auto err = sqlite_error(raw, rc, "open " + file.string());
    sqlite3_close(raw);
    return err;
  }
  std::unique_ptr<sqlite_db> db{new sqlite_db(raw)};
  // Checkpoints never run inside a commit: the store's checkpointer thread does them.
  // 1 KiB pages: a commit writes every page it dirtied to the WAL, and index inserts
  // dirty pages all over the tree, so smaller pages mean less to write (effective only
  // when the file is created).
  // SQLite's default 2 MiB page cache: larger ones spared reads of index pages from the
  // kernel but cost more, in a scan of the cache's hash table that grows with it (flat
  // out, 1.5-2% of the node's CPU at 2 MiB, 6.6% at 8 MiB, 12% at 64 MiB).
  std::string pragmas = "PRAGMA page_size=1024; PRAGMA journal_mode=WAL; "
                        "PRAGMA wal_autocheckpoint=0; PRAGMA temp_store=MEMORY; "
                        "PRAGMA busy_timeout=2000; ";
  pragmas += sync == sync_mode::full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  if (auto err = db->exec(pragmas))
    return err;
  sqlite3_wal_hook(
    raw,
    [](void* self, sqlite3*, const char*, int frames) {
      static_cast<sqlite_db*>(self)->wal_frames_ = frames;
      return SQLITE_OK;
    },
    db.get());
  return db;
}

caf::expected<bool> sqlite_db::checkpoint() {
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_BUSY)
    return false;
  if (rc != SQLITE_OK)
    return sqlite_error(db_, rc, "checkpoint");
  return true;
}

sqlite_db::~sqlite_db() {
  sqlite3_close_v2(db_);
}

caf::error sqlite_db::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK)
    return caf::none;
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return sqlite_error(nullptr, rc, text);
}

caf::expected<sqlite_statement> sqlite_db::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK)
    return sqlite_error(db_, rc, "prepare");
  return sqlite_statement{db_, stmt};
}

caf::error sqlite_db::run_prepared(sqlite_statement& st, const char* sql) {
  if (!st.prepared()) {
    auto fresh = prepare(sql);
    if (!fresh)
      return std::move(fresh.error());
    st = std::move(*fresh);
  }
  st.reset();
  return st.run();
}

caf::error sqlite_db::begin() {
  return run_prepared(begin_, "BEGIN IMMEDIATE");
}

caf::error sqlite_db::commit() {
  return run_prepared(commit_, "COMMIT");
}

void sqlite_db::rollback() {
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

int64_t sqlite_db::changes() const {
  return sqlite3_changes(db_);
}

int64_t sqlite_db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

caf::error sqlite_db::prepare_all(
  std::vector<std::pair<sqlite_statement*, std::string>> statements) {
  for (auto& [target, sql] : statements) {
    auto st = prepare(sql);
    if (!st)
      return std::move(st.error());
    *target = std::move(*st);
  }
  return caf::none;
}

} // namespace parley
