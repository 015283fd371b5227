#pragma once

// The SQL a mailbox's copies need beyond its own appends: changes addressed by a
// message's identity (owner, peer, group, id) instead of this node's row numbers, which
// differ on every replica; a whole mailbox as rows, to copy it to another node; and the
// merge of such a copy, which only ever moves a message forward (waiting -> delivered ->
// read), so copies can be merged in any order and any number of times.

#include <optional>
#include <string>
#include <vector>

#include "persistence/records.hpp"
#include "persistence/sqlite_db.hpp"

namespace parley {

/// Every row of one owner: messages (tombstones included, for dedup) and receipts.
struct mailbox_dump {
  std::vector<mailbox_row> messages;
  std::vector<mailbox_row> receipts;
};

class replica_store {
public:
  /// The tables must exist (mailbox_store::open creates them).
  static caf::expected<replica_store> open(sqlite_db& db);

  /// Raises the status of the message (owner, peer, group, id); drops its body.
  caf::error raise_status(const std::string& owner, const std::string& peer,
                          const std::string& group, const std::string& msg_id, int status);

  /// Deletes the receipt (owner, peer, group, id, status), if present.
  caf::error erase_receipt(const std::string& owner, const std::string& peer,
                           const std::string& group, const std::string& msg_id, int status);

  caf::expected<mailbox_dump> dump(const std::string& owner);

  /// Adds the rows of `copy` this node lacks and raises statuses; returns rows changed.
  caf::expected<int64_t> merge(const std::string& owner, const mailbox_dump& copy);

  /// Deletes every row of `owner` (its copy moved to other nodes).
  caf::error drop(const std::string& owner);

  /// Everyone with rows or a user record here.
  caf::expected<std::vector<std::string>> owners();

private:
  sqlite_db* db_ = nullptr;
  sqlite_statement raise_;
  sqlite_statement erase_receipt_;
  sqlite_statement dump_messages_;
  sqlite_statement dump_receipts_;
  sqlite_statement insert_message_;
  sqlite_statement has_receipt_;
  sqlite_statement insert_receipt_;
  sqlite_statement drop_messages_;
  sqlite_statement drop_receipts_;
  sqlite_statement owners_;
};

} // namespace parley
