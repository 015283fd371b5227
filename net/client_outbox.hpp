#pragma once

// The client's sends until their `ack`. The server deduplicates (sender, id), so after
// a reconnect every waiting send is written again with its id unchanged, in the order
// the application made them; that is what makes "sent once, delivered once" hold across
// node failures.

#include <list>
#include <string>
#include <unordered_map>

namespace parley {

class client_outbox {
public:
  struct entry {
    std::string id;
    std::string frame;  // the complete `send` frame, as written
  };

  /// Queues a send; an id already waiting is left as it is.
  void add(std::string id, std::string frame);

  /// Removes `id` (acked or refused for good); false if it was not waiting.
  bool remove(const std::string& id);

  /// The waiting send `id`, or null.
  const entry* find(const std::string& id) const;

  /// Everything waiting, oldest first.
  const std::list<entry>& entries() const { return entries_; }

private:
  std::list<entry> entries_;
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

} // namespace parley
