#include "persistence/user_store.hpp"

namespace parley {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS users (
  user      TEXT PRIMARY KEY,
  key       BLOB    NOT NULL,
  created   INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

} // namespace

caf::expected<user_store> user_store::open(sqlite_db& db) {
  if (auto err = db.exec(schema))
    return err;
  user_store s;
  auto put = db.prepare("INSERT OR REPLACE INTO users(user, key, created, last_seen) "
                        "VALUES (?1, ?2, ?3, ?4)");
  if (!put)
    return std::move(put.error());
  auto touch = db.prepare("UPDATE users SET last_seen = max(last_seen, ?2) WHERE user = ?1");
  if (!touch)
    return std::move(touch.error());
  auto load = db.prepare("SELECT user, key, created, last_seen FROM users");
  if (!load)
    return std::move(load.error());
  auto exists = db.prepare("SELECT 1 FROM users WHERE user = ?1");
  if (!exists)
    return std::move(exists.error());
  s.exists_ = std::move(*exists);
  s.put_ = std::move(*put);
  s.touch_ = std::move(*touch);
  s.load_ = std::move(*load);
  return s;
}

caf::error user_store::put(const user_row& row) {
  put_.reset();
  put_.bind(1, row.user).bind_blob(2, row.key).bind(3, row.created).bind(4, row.last_seen);
  return put_.run();
}

caf::error user_store::touch(const std::string& user, int64_t last_seen) {
  touch_.reset();
  touch_.bind(1, user).bind(2, last_seen);
  return touch_.run();
}

caf::expected<std::vector<user_row>> user_store::load_all() {
  std::vector<user_row> out;
  load_.reset();
  auto err = load_.each_row([&](const sqlite_statement& st) {
    user_row r;
    r.user = st.column_text(0);
    r.key = st.column_text(1);
    r.created = st.column_int(2);
    r.last_seen = st.column_int(3);
    out.push_back(std::move(r));
  });
  if (err)
    return err;
  return out;
}

caf::expected<bool> user_store::exists(const std::string& user) {
  exists_.reset();
  exists_.bind(1, user);
  auto found = exists_.step();
  exists_.reset();  // an unfinished statement would hold a read snapshot open
  return found;
}

} // namespace parley
