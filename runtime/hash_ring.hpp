#pragma once

// A consistent hash ring with virtual nodes. Each node sits at `vnodes` points of a
// 64-bit circle; a key belongs to the nodes met walking clockwise from its own point.
// Adding or removing a node moves only the keys next to that node's points, so a node's
// death hands its keys to the nodes after it, which already hold their replicas.
//
// The hash is fixed (FNV-1a, then a 64-bit finalizer): every node must place every key
// the same way, whatever its compiler or standard library.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley {

class hash_ring {
public:
  explicit hash_ring(unsigned vnodes = 64) : vnodes_(vnodes) {}

  /// Adds `node` (no effect if it is on the ring already).
  void add(const std::string& node);

  void remove(const std::string& node);

  bool contains(const std::string& node) const;

  size_t size() const { return nodes_.size(); }

  /// The first `n` distinct nodes clockwise from `key`: its primary, then its replicas.
  /// Fewer when the ring holds fewer nodes.
  std::vector<std::string> preference(std::string_view key, size_t n) const;

  /// The first node clockwise from `key` (its primary), or null on an empty ring. Asked
  /// for every message, so it allocates nothing.
  const std::string* primary(std::string_view key) const;

  /// The ring's stable hash of `text`.
  static uint64_t hash(std::string_view text);

private:
  unsigned vnodes_;
  std::vector<std::string> nodes_;
  std::vector<std::pair<uint64_t, uint32_t>> points_;  // sorted: (position, node index)

  void rebuild();
};

} // namespace parley
