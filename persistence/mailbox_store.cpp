#include "persistence/mailbox_store.hpp"

#include "runtime/errors.hpp"

namespace parley {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS mailbox (
  seq     INTEGER PRIMARY KEY,
  owner   TEXT    NOT NULL,
  kind    INTEGER NOT NULL,
  peer    TEXT    NOT NULL,
  msg_id  TEXT    NOT NULL,
  grp     TEXT    NOT NULL,
  status  INTEGER NOT NULL,
  ts      INTEGER NOT NULL,
  body    BLOB,
  meta    TEXT
);
CREATE INDEX IF NOT EXISTS mailbox_by_owner ON mailbox(owner, seq);
CREATE UNIQUE INDEX IF NOT EXISTS mailbox_dedup
  ON mailbox(owner, peer, grp, msg_id) WHERE kind = 0;
)sql";

constexpr const char* row_columns = "seq, owner, kind, peer, msg_id, grp, status, ts, body, meta";

mailbox_row read_row(const sqlite_statement& st) {
  mailbox_row r;
  r.seq = st.column_int(0);
  r.owner = st.column_text(1);
  r.kind = static_cast<int>(st.column_int(2));
  r.peer = st.column_text(3);
  r.msg_id = st.column_text(4);
  r.group = st.column_text(5);
  r.status = static_cast<int>(st.column_int(6));
  r.ts = st.column_int(7);
  r.body = st.column_text(8);
  r.meta = st.column_text(9);
  return r;
}

} // namespace

caf::expected<mailbox_store> mailbox_store::open(sqlite_db& db) {
  if (auto err = db.exec(schema))
    return err;
  mailbox_store s;
  s.db_ = &db;
  auto prepare = [&](sqlite_statement& out, const std::string& sql) -> caf::error {
    auto st = db.prepare(sql);
    if (!st)
      return std::move(st.error());
    out = std::move(*st);
    return caf::none;
  };
  std::string cols = row_columns;
  if (auto err = prepare(s.insert_,
                         "INSERT OR IGNORE INTO mailbox(owner, kind, peer, msg_id, grp, "
                         "status, ts, body, meta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"))
    return err;
  if (auto err = prepare(s.find_, "SELECT " + cols
                                    + " FROM mailbox WHERE owner = ?1 AND peer = ?2 AND "
                                      "grp = ?3 AND msg_id = ?4 AND kind = 0"))
    return err;
  if (auto err = prepare(s.set_status_, "UPDATE mailbox SET status = ?2, body = NULL, "
                                        "meta = NULL WHERE seq = ?1"))
    return err;
  if (auto err = prepare(s.erase_, "DELETE FROM mailbox WHERE seq = ?1"))
    return err;
  if (auto err = prepare(s.load_, "SELECT " + cols
                                    + " FROM mailbox WHERE owner = ?1 AND "
                                      "(kind = 1 OR status < 2) ORDER BY seq"))
    return err;
  if (auto err = prepare(s.scan_, "SELECT seq, kind, status, ts FROM mailbox "
                                  "ORDER BY seq LIMIT ?1"))
    return err;
  if (auto err = prepare(s.count_, "SELECT count(*) FROM mailbox WHERE kind = 1 OR status = 0"))
    return err;
  return s;
}

caf::expected<mailbox_store::append_result> mailbox_store::append(const mailbox_row& row) {
  insert_.reset();
  insert_.bind(1, row.owner).bind(2, int64_t{row.kind}).bind(3, row.peer);
  insert_.bind(4, row.msg_id).bind(5, row.group).bind(6, int64_t{row.status});
  insert_.bind(7, row.ts).bind_blob(8, row.body).bind(9, row.meta);
  if (auto err = insert_.run())
    return err;
  if (db_->changes() == 1)
    return append_result{db_->last_insert_rowid(), row.ts, row.status, false};
  auto original = find(row.owner, row.peer, row.group, row.msg_id);
  if (!original)
    return std::move(original.error());
  if (!*original)
    return caf::make_error(errc::internal, "insert ignored but no original row");
  return append_result{(*original)->seq, (*original)->ts, (*original)->status, true};
}

caf::error mailbox_store::set_status(int64_t seq, int status) {
  set_status_.reset();
  set_status_.bind(1, seq).bind(2, int64_t{status});
  return set_status_.run();
}

caf::error mailbox_store::erase(int64_t seq) {
  erase_.reset();
  erase_.bind(1, seq);
  return erase_.run();
}

caf::expected<mailbox_store::loaded_mailbox> mailbox_store::load(const std::string& owner,
                                                                 size_t max_delivered) {
  loaded_mailbox out;
  load_.reset();
  load_.bind(1, owner);
  for (;;) {
    auto more = load_.step();
    if (!more)
      return std::move(more.error());
    if (!*more)
      break;
    auto row = read_row(load_);
    if (row.kind == 0 && row.status == 1)
      out.delivered.push_back(std::move(row));
    else
      out.waiting.push_back(std::move(row));
  }
  if (out.delivered.size() > max_delivered)
    out.delivered.erase(out.delivered.begin(),
                        out.delivered.end() - static_cast<std::ptrdiff_t>(max_delivered));
  return out;
}

caf::expected<std::optional<mailbox_row>> mailbox_store::find(const std::string& owner,
                                                              const std::string& peer,
                                                              const std::string& group,
                                                              const std::string& msg_id) {
  find_.reset();
  find_.bind(1, owner).bind(2, peer).bind(3, group).bind(4, msg_id);
  auto found = find_.step();
  if (!found)
    return std::move(found.error());
  std::optional<mailbox_row> row;
  if (*found)
    row = read_row(find_);
  find_.reset();  // an unfinished statement would hold a read snapshot open
  return row;
}

caf::expected<int64_t> mailbox_store::expire(int64_t dedup_cutoff, int64_t expiry_cutoff,
                                             int64_t max_rows) {
  // Rows are appended in time order, so the oldest come first in seq order: stop at the
  // first row young enough to keep anyway.
  std::vector<int64_t> doomed;
  scan_.reset();
  scan_.bind(1, max_rows);
  for (;;) {
    auto more = scan_.step();
    if (!more)
      return std::move(more.error());
    if (!*more)
      break;
    auto seq = scan_.column_int(0);
    auto kind = scan_.column_int(1);
    auto status = scan_.column_int(2);
    auto ts = scan_.column_int(3);
    if (ts >= dedup_cutoff)
      break;
    bool tombstone = kind == 0 && status > 0;
    if (tombstone || ts < expiry_cutoff)
      doomed.push_back(seq);
  }
  scan_.reset();
  for (auto seq : doomed)
    if (auto err = erase(seq))
      return err;
  return static_cast<int64_t>(doomed.size());
}

caf::expected<int64_t> mailbox_store::count_waiting() {
  count_.reset();
  auto row = count_.step();
  if (!row)
    return std::move(row.error());
  int64_t n = *row ? count_.column_int(0) : 0;
  count_.reset();
  return n;
}

} // namespace parley
