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

// Sends settled before they were added wait at most this long in number: only those
// whose answer overtook the caller, a handful at a time.
constexpr size_t early_capacity = 64;

} // namespace

void sent_messages::add(const std::string& id, sent s) {
  if (!by_id_.emplace(id, std::move(s)).second)
    return;
  waiting_.push_back(id);
  auto early = std::find_if(early_.begin(), early_.end(),
                            [&id](const auto& e) { return e.first == id; });
  if (early == early_.end())
    return;
  bool was_acked = early->second;
  early_.erase(early);
  if (was_acked)
    acked(id);
  else
    refused(id);
}

void sent_messages::settled_early(const std::string& id, bool was_acked) {
  early_.emplace_back(id, was_acked);
  if (early_.size() > early_capacity)
    early_.pop_front();
}

void sent_messages::acked(const std::string& id) {
  if (!take(waiting_, id)) {
    if (by_id_.count(id) == 0)
      settled_early(id, true);
    return;
  }
  acked_.push_back(id);
  if (acked_.size() > capacity_) {
    by_id_.erase(acked_.front());
    acked_.pop_front();
  }
}

void sent_messages::refused(const std::string& id) {
  if (take(waiting_, id))
    by_id_.erase(id);
  else if (by_id_.count(id) == 0)
    settled_early(id, false);
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
