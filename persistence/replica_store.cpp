#include "persistence/replica_store.hpp"

#include "persistence/mailbox_rows.hpp"

namespace parley {

namespace {

caf::error read_all(sqlite_statement& st, int kind, std::vector<mailbox_row>& out) {
  return st.each_row([&](const sqlite_statement& row) { out.push_back(rows::read(row, kind)); });
}

sqlite_statement& bind_key(sqlite_statement& st, const std::string& owner,
                           const std::string& peer, const std::string& group,
                           const std::string& msg_id) {
  st.reset();
  return st.bind(1, owner).bind(2, peer).bind(3, group).bind(4, msg_id);
}

} // namespace

caf::expected<replica_store> replica_store::open(sqlite_db& db) {
  replica_store s;
  s.db_ = &db;
  auto err = db.prepare_all({
    {&s.raise_, "UPDATE messages SET status = ?5, body = NULL, meta = NULL WHERE owner = ?1 "
                "AND peer = ?2 AND grp = ?3 AND msg_id = ?4 AND status < ?5"},
    {&s.erase_receipt_, "DELETE FROM receipts WHERE owner = ?1 AND peer = ?2 AND grp = ?3 "
                        "AND msg_id = ?4 AND status = ?5"},
    {&s.dump_messages_, "SELECT " + std::string{rows::message_columns} +
                          " FROM messages WHERE owner = ?1 ORDER BY seq"},
    {&s.dump_receipts_, "SELECT " + std::string{rows::receipt_columns} +
                          " FROM receipts WHERE owner = ?1 ORDER BY seq"},
    {&s.insert_message_, rows::insert_message},
    {&s.has_receipt_, "SELECT 1 FROM receipts WHERE owner = ?1 AND peer = ?2 AND grp = ?3 "
                      "AND msg_id = ?4 AND status = ?5"},
    {&s.insert_receipt_, rows::insert_receipt},
    {&s.drop_messages_, "DELETE FROM messages WHERE owner = ?1"},
    {&s.drop_receipts_, "DELETE FROM receipts WHERE owner = ?1"},
    {&s.owners_, "SELECT owner FROM messages UNION SELECT owner FROM receipts "
                 "UNION SELECT user FROM users ORDER BY 1"},
  });
  if (err)
    return err;
  return s;
}

caf::error replica_store::raise_status(const std::string& owner, const std::string& peer,
                                       const std::string& group, const std::string& msg_id,
                                       int status) {
  return bind_key(raise_, owner, peer, group, msg_id).bind(5, int64_t{status}).run();
}

caf::error replica_store::erase_receipt(const std::string& owner, const std::string& peer,
                                        const std::string& group, const std::string& msg_id,
                                        int status) {
  return bind_key(erase_receipt_, owner, peer, group, msg_id).bind(5, int64_t{status}).run();
}

caf::expected<mailbox_dump> replica_store::dump(const std::string& owner) {
  mailbox_dump out;
  dump_messages_.reset();
  dump_messages_.bind(1, owner);
  if (auto err = read_all(dump_messages_, 0, out.messages))
    return err;
  dump_receipts_.reset();
  dump_receipts_.bind(1, owner);
  if (auto err = read_all(dump_receipts_, 1, out.receipts))
    return err;
  return out;
}

caf::expected<int64_t> replica_store::merge(const std::string& owner, const mailbox_dump& copy) {
  int64_t changed = 0;
  for (const auto& m : copy.messages) {
    auto& ins = bind_key(insert_message_, owner, m.peer, m.group, m.msg_id);
    ins.bind(5, int64_t{m.status}).bind(6, m.ts).bind_blob(7, m.body).bind(8, m.meta);
    if (auto err = ins.run())
      return err;
    changed += db_->changes();
    if (auto err = raise_status(owner, m.peer, m.group, m.msg_id, m.status))
      return err;
    changed += db_->changes();
  }
  for (const auto& r : copy.receipts) {
    auto& has = bind_key(has_receipt_, owner, r.peer, r.group, r.msg_id).bind(5, int64_t{r.status});
    auto found = has.step();
    has.reset();
    if (!found)
      return std::move(found.error());
    if (*found)
      continue;
    auto& ins = bind_key(insert_receipt_, owner, r.peer, r.group, r.msg_id);
    if (auto err = ins.bind(5, int64_t{r.status}).bind(6, r.ts).run())
      return err;
    ++changed;
  }
  return changed;
}

caf::error replica_store::drop(const std::string& owner) {
  drop_messages_.reset();
  if (auto err = drop_messages_.bind(1, owner).run())
    return err;
  drop_receipts_.reset();
  return drop_receipts_.bind(1, owner).run();
}

caf::expected<std::vector<std::string>> replica_store::owners() {
  std::vector<std::string> out;
  owners_.reset();
  auto err = owners_.each_row([&](const sqlite_statement& st) { out.push_back(st.column_text(0)); });
  owners_.reset();
  if (err)
    return err;
  return out;
}

} // namespace parley
