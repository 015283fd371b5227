#pragma once

// The SQL of the mailbox table. Rows are appended in arrival order (rowid) and found by
// owner through an index, which DESIGN.md measured as the fastest layout here. A partial
// unique index on (owner, peer, group, msg_id) of messages is the 24 h dedup.

#include <optional>
#include <vector>

#include "persistence/records.hpp"
#include "persistence/sqlite_db.hpp"

namespace parley {

class mailbox_store {
public:
  struct append_result {
    int64_t seq = 0;
    int64_t ts = 0;
    int status = 0;
    bool duplicate = false;
  };

  struct loaded_mailbox {
    std::vector<mailbox_row> waiting;    // messages and receipts not yet delivered
    std::vector<mailbox_row> delivered;  // message tombstones still below `read`
  };

  static caf::expected<mailbox_store> open(sqlite_db& db);

  /// Inserts a message or receipt; for a message already stored under the same
  /// (owner, peer, group, msg_id), returns the original instead.
  caf::expected<append_result> append(const mailbox_row& row);
  /// Marks a message delivered or read and drops its body and meta.
  caf::error set_status(int64_t seq, int status);
  /// Deletes a row (a receipt handed to its owner).
  caf::error erase(int64_t seq);

  caf::expected<loaded_mailbox> load(const std::string& owner, size_t max_delivered);
  caf::expected<std::optional<mailbox_row>> find(const std::string& owner,
                                                 const std::string& peer,
                                                 const std::string& group,
                                                 const std::string& msg_id);

  /// Deletes tombstones older than `dedup_cutoff` and anything older than
  /// `expiry_cutoff`, examining at most `max_rows` rows. Returns rows deleted.
  caf::expected<int64_t> expire(int64_t dedup_cutoff, int64_t expiry_cutoff,
                                int64_t max_rows);

  /// Count of rows waiting for delivery (for metrics at start).
  caf::expected<int64_t> count_waiting();

private:
  sqlite_db* db_ = nullptr;
  sqlite_statement insert_;
  sqlite_statement find_;
  sqlite_statement set_status_;
  sqlite_statement erase_;
  sqlite_statement load_;
  sqlite_statement scan_;
  sqlite_statement count_;
};

} // namespace parley
