#include "persistence/mailbox_store.hpp"

#include <algorithm>

#include "persistence/mailbox_rows.hpp"
#include "runtime/errors.hpp"

namespace parley {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS messages (
  seq     INTEGER PRIMARY KEY,
  owner   TEXT    NOT NULL,
  peer    TEXT    NOT NULL,
  grp     TEXT    NOT NULL,
  msg_id  TEXT    NOT NULL,
  status  INTEGER NOT NULL,
  ts      INTEGER NOT NULL,
  body    BLOB,
  meta    TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_owner ON messages(owner, peer, grp, msg_id);
CREATE TABLE IF NOT EXISTS receipts (
  seq     INTEGER PRIMARY KEY,
  owner   TEXT    NOT NULL,
  peer    TEXT    NOT NULL,
  grp     TEXT    NOT NULL,
  msg_id  TEXT    NOT NULL,
  status  INTEGER NOT NULL,
  ts      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_by_owner ON receipts(owner);
)sql";

} // namespace

caf::expected<mailbox_store> mailbox_store::open(sqlite_db& db) {
  if (auto err = db.exec(schema))
    return err;
  mailbox_store s;
  s.db_ = &db;
  std::string msg_cols = rows::message_columns;
  std::string rcpt_cols = rows::receipt_columns;
  auto err = db.prepare_all({
    {&s.insert_message_, rows::insert_message},
    {&s.insert_receipt_, rows::insert_receipt},
    {&s.find_, "SELECT " + msg_cols + " FROM messages WHERE owner = ?1 AND peer = ?2 AND "
                                      "grp = ?3 AND msg_id = ?4"},
    {&s.find_any_group_, "SELECT " + msg_cols + " FROM messages WHERE owner = ?1 AND peer = ?2 "
                                                "AND msg_id = ?3 ORDER BY grp LIMIT 1"},
    {&s.set_status_, "UPDATE messages SET status = ?2, body = NULL, meta = NULL WHERE seq = ?1"},
    {&s.erase_receipt_, "DELETE FROM receipts WHERE seq = ?1"},
    {&s.load_messages_, "SELECT " + msg_cols + " FROM messages WHERE owner = ?1 AND status < 2"},
    {&s.load_receipts_, "SELECT " + rcpt_cols + " FROM receipts WHERE owner = ?1 ORDER BY seq"},
    {&s.scan_, "SELECT seq, status, ts FROM messages ORDER BY seq LIMIT ?1"},
    {&s.erase_message_, "DELETE FROM messages WHERE seq = ?1"},
    {&s.expire_receipts_, "DELETE FROM receipts WHERE ts < ?1"},
    {&s.count_, "SELECT (SELECT count(*) FROM messages WHERE status = 0) + "
                "(SELECT count(*) FROM receipts)"},
  });
  if (err)
    return err;
  return s;
}

caf::expected<mailbox_store::append_result>
mailbox_store::append_message(const mailbox_row& row) {
  auto& st = insert_message_;
  st.reset();
  st.bind(1, row.owner).bind(2, row.peer).bind(3, row.group).bind(4, row.msg_id);
  st.bind(5, int64_t{row.status}).bind(6, row.ts).bind_blob(7, row.body).bind(8, row.meta);
  if (auto err = st.run())
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

caf::expected<int64_t> mailbox_store::append_receipt(const mailbox_row& row) {
  auto& st = insert_receipt_;
  st.reset();
  st.bind(1, row.owner).bind(2, row.peer).bind(3, row.group).bind(4, row.msg_id);
  st.bind(5, int64_t{row.status}).bind(6, row.ts);
  if (auto err = st.run())
    return err;
  return db_->last_insert_rowid();
}

caf::error mailbox_store::set_status(int64_t seq, int status) {
  set_status_.reset();
  set_status_.bind(1, seq).bind(2, int64_t{status});
  return set_status_.run();
}

caf::error mailbox_store::erase_receipt(int64_t seq) {
  erase_receipt_.reset();
  erase_receipt_.bind(1, seq);
  return erase_receipt_.run();
}

caf::error mailbox_store::read_rows(sqlite_statement& st, std::vector<mailbox_row>& waiting,
                                    std::vector<mailbox_row>* delivered, int kind) {
  return st.each_row([&](const sqlite_statement& row_st) {
    auto row = rows::read(row_st, kind);
    if (delivered && row.status == 1)
      delivered->push_back(std::move(row));
    else
      waiting.push_back(std::move(row));
  });
}

caf::expected<mailbox_store::loaded_mailbox> mailbox_store::load(const std::string& owner,
                                                                 size_t max_delivered) {
  loaded_mailbox out;
  load_messages_.reset();
  load_messages_.bind(1, owner);
  if (auto err = read_rows(load_messages_, out.waiting, &out.delivered, 0))
    return err;
  // The index is ordered by sender, not by arrival.
  auto by_seq = [](const mailbox_row& a, const mailbox_row& b) { return a.seq < b.seq; };
  std::sort(out.waiting.begin(), out.waiting.end(), by_seq);
  std::sort(out.delivered.begin(), out.delivered.end(), by_seq);
  if (out.delivered.size() > max_delivered)
    out.delivered.erase(out.delivered.begin(),
                        out.delivered.end() - static_cast<std::ptrdiff_t>(max_delivered));
  load_receipts_.reset();
  load_receipts_.bind(1, owner);
  if (auto err = read_rows(load_receipts_, out.waiting, nullptr, 1))
    return err;
  return out;
}

caf::expected<std::optional<mailbox_row>> mailbox_store::first_row(sqlite_statement& st) {
  auto found = st.step();
  if (!found)
    return std::move(found.error());
  std::optional<mailbox_row> row;
  if (*found)
    row = rows::read(st, 0);
  st.reset();  // an unfinished statement would hold a read snapshot open
  return row;
}

caf::expected<std::optional<mailbox_row>>
mailbox_store::find_any_group(const std::string& owner, const std::string& peer,
                              const std::string& msg_id) {
  find_any_group_.reset();
  find_any_group_.bind(1, owner).bind(2, peer).bind(3, msg_id);
  return first_row(find_any_group_);
}

caf::expected<std::optional<mailbox_row>> mailbox_store::find(const std::string& owner,
                                                              const std::string& peer,
                                                              const std::string& group,
                                                              const std::string& msg_id) {
  find_.reset();
  find_.bind(1, owner).bind(2, peer).bind(3, group).bind(4, msg_id);
  return first_row(find_);
}

caf::expected<int64_t> mailbox_store::expire(int64_t dedup_cutoff, int64_t expiry_cutoff,
                                             int64_t max_rows) {
  // Messages are appended in time order, so the oldest come first in seq order: stop at
  // the first one young enough to keep anyway.
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
    auto status = scan_.column_int(1);
    auto ts = scan_.column_int(2);
    if (ts >= dedup_cutoff)
      break;
    if (status > 0 || ts < expiry_cutoff)
      doomed.push_back(seq);
  }
  scan_.reset();
  for (auto seq : doomed) {
    erase_message_.reset();
    erase_message_.bind(1, seq);
    if (auto err = erase_message_.run())
      return err;
  }
  expire_receipts_.reset();
  expire_receipts_.bind(1, expiry_cutoff);
  if (auto err = expire_receipts_.run())
    return err;
  return static_cast<int64_t>(doomed.size()) + db_->changes();
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
