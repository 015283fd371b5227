#pragma once

// A thin RAII layer over sqlite3: one connection, prepared statements, transactions.
// Errors are caf::expected values carrying errc::unavailable (I/O, disk full, locked)
// or errc::internal (misuse, corruption).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>
#include <string_view>

#include <caf/expected.hpp>

#include "runtime/config.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace parley {

class sqlite_statement {
public:
  sqlite_statement() = default;
  sqlite_statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite_statement(sqlite_statement&& other) noexcept;
  sqlite_statement& operator=(sqlite_statement&& other) noexcept;
  ~sqlite_statement();

  sqlite_statement& bind(int index, int64_t value);
  sqlite_statement& bind(int index, std::string_view text);
  sqlite_statement& bind_blob(int index, std::string_view bytes);
  sqlite_statement& bind_null(int index);

  /// Runs one step: true when a row is available, false when done.
  caf::expected<bool> step();
  /// Runs to completion, ignoring rows.
  caf::error run();
  /// Steps through every row, calling `on_row(*this)` for each; the first failure ends it.
  template <class OnRow>
  caf::error each_row(OnRow on_row) {
    for (;;) {
      auto more = step();
      if (!more)
        return std::move(more.error());
      if (!*more)
        return caf::none;
      on_row(*this);
    }
  }
  /// Resets for reuse and clears the bindings.
  void reset();

  int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;
  bool prepared() const { return stmt_ != nullptr; }

private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class sqlite_db {
public:
  /// Opens (creating) the database in WAL mode with the given synchronous mode.
  static caf::expected<std::unique_ptr<sqlite_db>> open(const std::filesystem::path& file,
                                                        sync_mode sync);
  ~sqlite_db();

  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  caf::error exec(const std::string& sql);
  caf::expected<sqlite_statement> prepare(const std::string& sql);
  /// Prepares each (target, sql) pair into its target; the first failure is returned.
  caf::error prepare_all(std::vector<std::pair<sqlite_statement*, std::string>> statements);

  caf::error begin();
  caf::error commit();
  void rollback();

  /// Rows changed by the last statement.
  int64_t changes() const;
  int64_t last_insert_rowid() const;

  /// Frames in the WAL after this connection's last commit.
  int wal_frames() const { return wal_frames_; }

  /// Copies the WAL into the database file through this connection, so that the next
  /// write starts the WAL over. SQLITE_BUSY (a checkpoint runs elsewhere) is no error:
  /// false then, and nothing was done.
  caf::expected<bool> checkpoint();

private:
  explicit sqlite_db(sqlite3* db) : db_(db) {}
  caf::error run_prepared(sqlite_statement& st, const char* sql);

  sqlite3* db_;
  int wal_frames_ = 0;
  // Prepared once: a transaction per batch would otherwise parse these every time.
  sqlite_statement begin_;
  sqlite_statement commit_;
};

/// The error for an sqlite3 result code, with its message.
caf::error sqlite_error(sqlite3* db, int rc, std::string_view what);

} // namespace parley
