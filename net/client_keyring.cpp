#include "net/client_keyring.hpp"

namespace parley {

std::map<std::string, std::string> memory_key_store::load() {
  std::lock_guard<std::mutex> guard{mutex_};
  return keys_;
}

void memory_key_store::save(const std::string& user, const std::string& key) {
  std::lock_guard<std::mutex> guard{mutex_};
  keys_[user] = key;
}

keyring::verdict keyring::learn(const std::string& user, const std::string& key) {
  auto i = pinned_.find(user);
  if (i == pinned_.end()) {
    pinned_.emplace(user, key);
    confirmed_.insert(user);
    return verdict::first_use;
  }
  if (i->second == key) {
    changed_.erase(user);
    confirmed_.insert(user);
    return verdict::same;
  }
  changed_[user] = key;
  confirmed_.erase(user);
  return verdict::changed;
}

const std::string* keyring::usable(const std::string& user) const {
  if (user != self_ && confirmed_.count(user) == 0)
    return nullptr;
  return pinned(user);
}

const std::string* keyring::pinned(const std::string& user) const {
  auto i = pinned_.find(user);
  return i == pinned_.end() ? nullptr : &i->second;
}

const std::string* keyring::changed(const std::string& user) const {
  auto i = changed_.find(user);
  return i == changed_.end() ? nullptr : &i->second;
}

bool keyring::trust(const std::string& user, const std::string& key) {
  auto i = changed_.find(user);
  if (i == changed_.end() || i->second != key)
    return false;
  pinned_[user] = key;
  changed_.erase(i);
  confirmed_.insert(user);
  return true;
}

void keyring::pin_own(const std::string& user, const std::string& key) {
  self_ = user;
  pinned_[user] = key;
}

} // namespace parley
