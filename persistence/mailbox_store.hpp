#pragma once

// The SQL of the mailboxes. Two tables, both appended in arrival order (rowid):
//
//   messages  every message of the last 24 h, or older and still waiting. One unique
//             index, (owner, peer, grp, msg_id), is both the dedup and the way to a
//             user's rows. A delivered message keeps a bodiless tombstone until its
//             24 h are up, so a repeat is still recognised.
//   receipts  receipts waiting for their owner; small, deleted once handed over.
//
// Each index on a hot table costs a random B-tree insert per row, and each dirty page is
// written to the WAL at commit; bench/store-bench measured one index and 1 KiB pages at
// several times the throughput of the two-index, 4 KiB layout (docs/benchmarks.md).

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
    std::vector<mailbox_row> waiting;    // messages waiting, then receipts, each by seq
    std::vector<mailbox_row> delivered;  // message tombstones still below `read`
  };

  static caf::expected<mailbox_store> open(sqlite_db& db);

  /// Inserts a message; for a message already stored under the same
  /// (owner, peer, group, msg_id), returns the original instead.
  caf::expected<append_result> append_message(const mailbox_row& row);
  /// Inserts a receipt; returns its seq (in the receipts' own sequence).
  caf::expected<int64_t> append_receipt(const mailbox_row& row);
  /// Marks a message delivered or read and drops its body and meta.
  caf::error set_status(int64_t seq, int status);
  /// Deletes a receipt handed to its owner.
  caf::error erase_receipt(int64_t seq);

  caf::expected<loaded_mailbox> load(const std::string& owner, size_t max_delivered);
  caf::expected<std::optional<mailbox_row>> find(const std::string& owner,
                                                 const std::string& peer,
                                                 const std::string& group,
                                                 const std::string& msg_id);
  /// The message (peer, msg_id) in any of the owner's conversations, one-to-one first:
  /// for a `delivered` or `read` that does not name the message's group.
  caf::expected<std::optional<mailbox_row>> find_any_group(const std::string& owner,
                                                           const std::string& peer,
                                                           const std::string& msg_id);

  /// Deletes message tombstones older than `dedup_cutoff`, and messages and receipts
  /// older than `expiry_cutoff`, examining at most `max_rows` messages. Returns the rows
  /// deleted.
  caf::expected<int64_t> expire(int64_t dedup_cutoff, int64_t expiry_cutoff,
                                int64_t max_rows);

  /// Messages and receipts waiting for delivery (for the log at start).
  caf::expected<int64_t> count_waiting();

private:
  /// The statement's first row, if any; resets it either way.
  caf::expected<std::optional<mailbox_row>> first_row(sqlite_statement& st);
  caf::error read_rows(sqlite_statement& st, std::vector<mailbox_row>& waiting,
                       std::vector<mailbox_row>* delivered, int kind);

  sqlite_db* db_ = nullptr;
  sqlite_statement insert_message_;
  sqlite_statement insert_receipt_;
  sqlite_statement find_;
  sqlite_statement find_any_group_;
  sqlite_statement set_status_;
  sqlite_statement erase_receipt_;
  sqlite_statement load_messages_;
  sqlite_statement load_receipts_;
  sqlite_statement scan_;
  sqlite_statement erase_message_;
  sqlite_statement expire_receipts_;
  sqlite_statement count_;
};

} // namespace parley
