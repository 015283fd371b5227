#pragma once

// What parley-chat sent in this run, by message id: whom to and what, in a few words, so
// that an ack or a receipt can say which message it is about, and the end of the run
// which messages the server never took. A send is kept until it is refused, or past the
// latest `capacity` acknowledged ones; receipts for messages of an earlier run, or for
// one forgotten, show only their id.

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::chat {

class sent_messages {
public:
  struct sent {
    std::string to;     // a user, or "#group"
    std::string about;  // ready to print: "\"the start of the text…\"" or "file cat.png"
  };

  explicit sent_messages(size_t capacity = 10000) : capacity_(capacity) {}

  /// Remembers a send, not yet acknowledged (or already settled, if its ack or refusal
  /// came first: the client sends from the calling thread, and answers arrive on its own
  /// before the caller could remember the send).
  void add(const std::string& id, sent s);
  /// The server has the send: kept for its receipts while among the latest acked.
  void acked(const std::string& id);
  /// The send refused for good: it will get neither an ack nor a receipt.
  void refused(const std::string& id);
  /// The send `id` of this run, or null.
  const sent* find(const std::string& id) const;
  /// Sends neither acknowledged nor refused, oldest first.
  std::vector<sent> unacknowledged() const;

private:
  void settled_early(const std::string& id, bool was_acked);

  size_t capacity_;
  std::unordered_map<std::string, sent> by_id_;
  std::deque<std::string> waiting_;  // ids not acknowledged, oldest first
  std::deque<std::string> acked_;    // ids acknowledged, oldest first; at most capacity_
  // Ids settled before they were added, with how (true: acked), newest last; a few.
  std::deque<std::pair<std::string, bool>> early_;
};

} // namespace parley::chat
