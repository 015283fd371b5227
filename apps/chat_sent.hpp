#pragma once

// What parley-chat sent in this run, by message id: whom to and what, in a few words, so
// that an ack or a receipt can say which message it is about. Receipts for messages of
// an earlier run, or for one forgotten (past `capacity`), show only their id.

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace parley::chat {

class sent_messages {
public:
  struct sent {
    std::string to;     // a user, or "#group"
    std::string about;  // ready to print: "\"the start of the text…\"" or "file cat.png"
  };

  explicit sent_messages(size_t capacity = 10000) : capacity_(capacity) {}

  /// Remembers a send; past `capacity`, the oldest is forgotten.
  void add(const std::string& id, sent s);
  /// The send refused for good: it will get neither an ack nor a receipt.
  void refused(const std::string& id);
  /// The send `id` of this run, or null.
  const sent* find(const std::string& id) const;

private:
  size_t capacity_;
  std::unordered_map<std::string, sent> by_id_;
  std::deque<std::string> order_;  // ids, oldest first
};

} // namespace parley::chat
