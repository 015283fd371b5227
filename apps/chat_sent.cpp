#include "apps/chat_sent.hpp"

#include <algorithm>
#include <iterator>

namespace parley::chat {

void sent_messages::add(const std::string& id, sent s) {
  if (!by_id_.emplace(id, std::move(s)).second)
    return;
  order_.push_back(id);
  while (by_id_.size() > capacity_) {
    by_id_.erase(order_.front());
    order_.pop_front();
  }
}

void sent_messages::refused(const std::string& id) {
  if (by_id_.erase(id) == 0)
    return;
  // Rare, and most likely one of the latest.
  order_.erase(std::prev(std::find(order_.rbegin(), order_.rend(), id).base()));
}

const sent_messages::sent* sent_messages::find(const std::string& id) const {
  auto i = by_id_.find(id);
  return i == by_id_.end() ? nullptr : &i->second;
}

} // namespace parley::chat
