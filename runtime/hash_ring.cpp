#include "runtime/hash_ring.hpp"

#include <algorithm>

namespace parley {

uint64_t hash_ring::hash(std::string_view text) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // FNV alone clusters short, similar keys ("u1", "u2"); the finalizer spreads them.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

void hash_ring::add(const std::string& node) {
  if (contains(node))
    return;
  nodes_.push_back(node);
  rebuild();
}

void hash_ring::remove(const std::string& node) {
  auto i = std::find(nodes_.begin(), nodes_.end(), node);
  if (i == nodes_.end())
    return;
  nodes_.erase(i);
  rebuild();
}

bool hash_ring::contains(const std::string& node) const {
  return std::find(nodes_.begin(), nodes_.end(), node) != nodes_.end();
}

void hash_ring::rebuild() {
  points_.clear();
  points_.reserve(nodes_.size() * vnodes_);
  for (uint32_t n = 0; n < nodes_.size(); ++n)
    for (unsigned v = 0; v < vnodes_; ++v)
      points_.emplace_back(hash(nodes_[n] + "#" + std::to_string(v)), n);
  std::sort(points_.begin(), points_.end());
}

const std::string* hash_ring::primary(std::string_view key) const {
  if (nodes_.empty())
    return nullptr;
  if (nodes_.size() == 1)
    return &nodes_.front();
  auto at = std::lower_bound(points_.begin(), points_.end(),
                             std::make_pair(hash(key), uint32_t{0}));
  if (at == points_.end())
    at = points_.begin();
  return &nodes_[at->second];
}

std::vector<std::string> hash_ring::preference(std::string_view key, size_t n) const {
  std::vector<std::string> out;
  n = std::min(n, nodes_.size());
  if (n == 0)
    return out;
  auto start = std::lower_bound(points_.begin(), points_.end(),
                                std::make_pair(hash(key), uint32_t{0}));
  std::vector<bool> taken(nodes_.size(), false);
  for (size_t step = 0; step < points_.size() && out.size() < n; ++step) {
    auto i = (static_cast<size_t>(start - points_.begin()) + step) % points_.size();
    auto node = points_[i].second;
    if (!taken[node]) {
      taken[node] = true;
      out.push_back(nodes_[node]);
    }
  }
  return out;
}

} // namespace parley
