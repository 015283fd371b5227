#pragma once

// Reading mailbox rows out of a statement: shared by the mailbox store and the replica
// store, whose SELECTs list the same columns in the same order.

#include <vector>

#include "persistence/records.hpp"
#include "persistence/sqlite_db.hpp"

namespace parley::rows {

/// Column lists for SELECTs whose rows `read` turns into mailbox rows.
inline constexpr const char* message_columns =
  "seq, owner, peer, grp, msg_id, status, ts, body, meta";
inline constexpr const char* receipt_columns =
  "seq, owner, peer, grp, msg_id, status, ts, NULL, NULL";

/// Inserts of one row each: a message (ignored when its identity is stored already), a
/// receipt. Parameters: owner, peer, grp, msg_id, status, ts[, body, meta].
inline constexpr const char* insert_message =
  "INSERT OR IGNORE INTO messages(owner, peer, grp, msg_id, status, ts, body, meta) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
inline constexpr const char* insert_receipt =
  "INSERT INTO receipts(owner, peer, grp, msg_id, status, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// The current row of `st` (selected with one of the column lists above).
inline mailbox_row read(const sqlite_statement& st, int kind) {
  mailbox_row r;
  r.seq = st.column_int(0);
  r.owner = st.column_text(1);
  r.kind = kind;
  r.peer = st.column_text(2);
  r.group = st.column_text(3);
  r.msg_id = st.column_text(4);
  r.status = static_cast<int>(st.column_int(5));
  r.ts = st.column_int(6);
  r.body = st.column_text(7);
  r.meta = st.column_text(8);
  return r;
}

} // namespace parley::rows
