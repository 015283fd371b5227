#include "runtime/child_index.hpp"

#include <utility>

namespace parley {

caf::actor child_index::find(const std::string& id) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = running_.find(id);
  return i == running_.end() ? caf::actor{} : i->second;
}

void child_index::set(const std::string& id, caf::actor handle) {
  // The old handle is released outside the lock: dropping the last reference to an
  // actor runs its cleanup.
  caf::actor old;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (handle) {
      auto& slot = running_[id];
      old = std::exchange(slot, std::move(handle));
    } else if (auto i = running_.find(id); i != running_.end()) {
      old = std::move(i->second);
      running_.erase(i);
    }
  }
}

void child_index::clear() {
  std::unordered_map<std::string, caf::actor> old;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    old.swap(running_);
  }
}

size_t child_index::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return running_.size();
}

} // namespace parley
