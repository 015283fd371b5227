#pragma once

// The users table: identity keys (trust on first use) and last seen times.

#include <vector>

#include "persistence/records.hpp"
#include "persistence/sqlite_db.hpp"

namespace parley {

class user_store {
public:
  static caf::expected<user_store> open(sqlite_db& db);

  /// Inserts a new user or replaces the record of an existing one.
  caf::error put(const user_row& row);
  /// Raises last_seen (never lowers it).
  caf::error touch(const std::string& user, int64_t last_seen);
  caf::expected<std::vector<user_row>> load_all();
  caf::expected<bool> exists(const std::string& user);

private:
  sqlite_statement put_;
  sqlite_statement touch_;
  sqlite_statement load_;
  sqlite_statement exists_;
};

} // namespace parley
