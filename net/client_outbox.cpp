#include "net/client_outbox.hpp"

namespace parley {

void client_outbox::add(std::string id, std::string frame) {
  if (index_.count(id) > 0)
    return;
  entries_.push_back(entry{id, std::move(frame)});
  index_.emplace(std::move(id), std::prev(entries_.end()));
}

bool client_outbox::remove(const std::string& id) {
  auto i = index_.find(id);
  if (i == index_.end())
    return false;
  entries_.erase(i->second);
  index_.erase(i);
  return true;
}

const client_outbox::entry* client_outbox::find(const std::string& id) const {
  auto i = index_.find(id);
  return i == index_.end() ? nullptr : &*i->second;
}

} // namespace parley
