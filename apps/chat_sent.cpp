#include "apps/chat_sent.hpp"

#include <algorithm>

namespace parley::chat {

namespace {

// Acks come in the order of the sends, so the id is most likely at the front.
bool take(std::deque<std::string>& ids, const std::string& id) {
  auto i = std::find(ids.begin(), ids.end(), id);
  if (i == ids.end())
    return false;
  ids.erase(i);
  return true;
}

} // namespace

void sent_messages::add(const std::string& id, sent s) {
  if (by_id_.emplace(id, std::move(s)).second)
    waiting_.push_back(id);
}

void sent_messages::acked(const std::string& id) {
  if (!take(waiting_, id))
    return;
  acked_.push_back(id);
  if (acked_.size() > capacity_) {
    by_id_.erase(acked_.front());
    acked_.pop_front();
  }
}

void sent_messages::refused(const std::string& id) {
  if (take(waiting_, id))
    by_id_.erase(id);
}

const sent_messages::sent* sent_messages::find(const std::string& id) const {
  auto i = by_id_.find(id);
  return i == by_id_.end() ? nullptr : &i->second;
}

std::vector<sent_messages::sent> sent_messages::unacknowledged() const {
  std::vector<sent> out;
  for (const auto& id : waiting_)
    out.push_back(by_id_.at(id));
  return out;
}

} // namespace parley::chat
