#pragma once

// Delivery is at least once (PROTOCOL.md section 4): the server pushes a message again
// at every login until it hears `delivered`, and a receipt again if the socket broke
// while writing it. The client remembers recent keys with the furthest state it has
// reached for each, so the application sees every message and receipt state once, and
// a repeat can be answered by repeating our confirmation.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace parley {

/// A bounded memory of keys, each with a level that only rises. The oldest keys are
/// forgotten first; a repeat older than `capacity` newer keys is taken as new.
class recent_levels {
public:
  explicit recent_levels(size_t capacity) : capacity_(capacity) {}

  /// The level of `key`, or nothing if it is unknown (or forgotten).
  std::optional<int> find(const std::string& key) const;

  /// Raises the level of `key` to `level` (a new key starts there). True if the key was
  /// new or its level rose.
  bool raise(const std::string& key, int level);

private:
  size_t capacity_;
  std::unordered_map<std::string, int> levels_;
  std::deque<std::string> order_;  // oldest first
};

/// Levels of a received message: seen, then what we confirmed to the server.
namespace message_level {
constexpr int seen = 0;
constexpr int delivered = 1;
constexpr int read = 2;
} // namespace message_level

/// The key of a message or receipt: group, peer and id (none of them holds a newline).
std::string dedup_key(const std::string& group, const std::string& peer, const std::string& id);

} // namespace parley
