#include "net/client_dedup.hpp"

namespace parley {

std::optional<int> recent_levels::find(const std::string& key) const {
  auto i = levels_.find(key);
  if (i == levels_.end())
    return std::nullopt;
  return i->second;
}

bool recent_levels::raise(const std::string& key, int level) {
  auto [i, added] = levels_.try_emplace(key, level);
  if (!added) {
    if (i->second >= level)
      return false;
    i->second = level;
    return true;
  }
  order_.push_back(key);
  while (order_.size() > capacity_) {
    levels_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

std::string dedup_key(const std::string& group, const std::string& peer, const std::string& id) {
  std::string key;
  key.reserve(group.size() + peer.size() + id.size() + 2);
  key += group;
  key += '\n';
  key += peer;
  key += '\n';
  key += id;
  return key;
}

} // namespace parley
