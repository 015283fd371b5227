#include "persistence/group_store.hpp"

namespace parley {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS groups (
  gid     TEXT PRIMARY KEY,
  name    TEXT    NOT NULL,
  owner   TEXT    NOT NULL,
  members TEXT    NOT NULL,
  version INTEGER NOT NULL,
  created INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr const char* columns = "gid, name, owner, members, version, created";

// User ids never hold a newline.
std::string join_members(const std::vector<std::string>& members) {
  std::string out;
  for (const auto& m : members) {
    if (!out.empty())
      out += '\n';
    out += m;
  }
  return out;
}

std::vector<std::string> split_members(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

group_row read_row(const sqlite_statement& st) {
  group_row r;
  r.gid = st.column_text(0);
  r.name = st.column_text(1);
  r.owner = st.column_text(2);
  r.members = split_members(st.column_text(3));
  r.version = st.column_int(4);
  r.created = st.column_int(5);
  return r;
}

} // namespace

caf::expected<group_store> group_store::open(sqlite_db& db) {
  if (auto err = db.exec(schema))
    return err;
  group_store s;
  s.db_ = &db;
  auto err = db.prepare_all({
    {&s.put_, std::string{"INSERT INTO groups("} + columns
                + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(gid) DO UPDATE SET "
                  "name = excluded.name, owner = excluded.owner, members = excluded.members, "
                  "version = excluded.version, created = excluded.created "
                  "WHERE excluded.version > groups.version"},
    {&s.get_, std::string{"SELECT "} + columns + " FROM groups WHERE gid = ?1"},
    {&s.load_, std::string{"SELECT "} + columns + " FROM groups ORDER BY gid"},
    {&s.drop_, "DELETE FROM groups WHERE gid = ?1"},
  });
  if (err)
    return err;
  return s;
}

caf::expected<bool> group_store::put(const group_row& row) {
  put_.reset();
  put_.bind(1, row.gid)
    .bind(2, row.name)
    .bind(3, row.owner)
    .bind(4, join_members(row.members))
    .bind(5, row.version)
    .bind(6, row.created);
  if (auto err = put_.run())
    return err;
  return db_->changes() > 0;
}

caf::expected<std::optional<group_row>> group_store::get(const std::string& gid) {
  get_.reset();
  get_.bind(1, gid);
  auto found = get_.step();
  if (!found)
    return std::move(found.error());
  std::optional<group_row> out;
  if (*found)
    out = read_row(get_);
  get_.reset();  // an unfinished statement would hold a read snapshot open
  return out;
}

caf::expected<std::vector<group_row>> group_store::load_all() {
  std::vector<group_row> out;
  load_.reset();
  if (auto err = load_.each_row([&](const sqlite_statement& st) { out.push_back(read_row(st)); }))
    return err;
  return out;
}

caf::error group_store::drop(const std::string& gid) {
  drop_.reset();
  drop_.bind(1, gid);
  return drop_.run();
}

} // namespace parley
