#pragma once

// The groups table: a group's name, owner and members under a version that grows with
// every change. A write only lands when it carries a newer version than the row has, so
// the copies on a group's nodes can be written in any order and any number of times and
// still end at the newest state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "persistence/sqlite_db.hpp"

namespace parley {

struct group_row {
  std::string gid;
  std::string name;
  std::string owner;
  std::vector<std::string> members;  // in the order they joined
  int64_t version = 0;
  int64_t created = 0;
};

class group_store {
public:
  static caf::expected<group_store> open(sqlite_db& db);

  /// Writes `row` unless the stored version is the same or newer; true if it landed.
  caf::expected<bool> put(const group_row& row);
  caf::expected<std::optional<group_row>> get(const std::string& gid);
  caf::expected<std::vector<group_row>> load_all();
  caf::error drop(const std::string& gid);

private:
  sqlite_db* db_ = nullptr;
  sqlite_statement put_;
  sqlite_statement get_;
  sqlite_statement load_;
  sqlite_statement drop_;
};

} // namespace parley
