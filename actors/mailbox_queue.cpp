#include "actors/mailbox_queue.hpp"

namespace parley {

std::string mailbox_queue::key_of(const std::string& peer, const std::string& group,
                                  const std::string& id) {
  std::string key;
  key.reserve(peer.size() + group.size() + id.size() + 2);
  key += peer;
  key += '\n';  // never part of a user, group or message id
  key += group;
  key += '\n';
  key += id;
  return key;
}

void mailbox_queue::load(std::vector<mailbox_item> waiting,
                         std::vector<mailbox_item> delivered) {
  for (auto& item : waiting)
    append(std::move(item));
  for (auto& item : delivered)
    remember_delivered(key_of(item.peer, item.group, item.id), item.seq);
}

void mailbox_queue::append(mailbox_item item) {
  auto seq = item.seq;
  if (item.kind == item_kind::receipt) {
    receipts_.emplace(seq, std::move(item));
    return;
  }
  waiting_seq_[key_of(item.peer, item.group, item.id)] = seq;
  messages_.emplace(seq, std::move(item));
}

const mailbox_item* mailbox_queue::waiting_message(const std::string& peer,
                                                   const std::string& group,
                                                   const std::string& id) const {
  if (waiting_seq_.empty())
    return nullptr;  // no key to build: every message's send asks
  auto i = waiting_seq_.find(key_of(peer, group, id));
  if (i == waiting_seq_.end())
    return nullptr;
  auto m = messages_.find(i->second);
  return m == messages_.end() ? nullptr : &m->second;
}

mailbox_queue::confirm_result mailbox_queue::confirm(const std::string& peer,
                                                     const std::string& group,
                                                     const std::string& id,
                                                     receipt_status status) {
  auto key = key_of(peer, group, id);
  if (auto i = waiting_seq_.find(key); i != waiting_seq_.end()) {
    auto seq = i->second;
    waiting_seq_.erase(i);
    messages_.erase(seq);
    if (status == receipt_status::delivered)
      remember_delivered(key, seq);
    return {confirm_result::changed, seq, receipt_status::sent};
  }
  auto hash = std::hash<std::string>{}(key);
  for (auto& e : delivered_) {
    if (e.key_hash != hash || e.seq == 0)
      continue;
    auto seq = e.seq;
    if (status != receipt_status::read)
      return {confirm_result::unchanged, seq, receipt_status::delivered};
    e.seq = 0;  // read: nothing more can change
    return {confirm_result::changed, seq, receipt_status::delivered};
  }
  return {};
}

std::optional<std::string> mailbox_queue::group_of(const std::string& peer,
                                                   const std::string& id) const {
  for (const auto& [seq, item] : messages_)
    if (item.id == id && item.peer == peer && !item.group.empty())
      return item.group;
  return std::nullopt;
}

void mailbox_queue::remember(const std::string& peer, const std::string& group,
                             const std::string& id, int64_t seq, receipt_status after) {
  if (after == receipt_status::delivered)
    remember_delivered(key_of(peer, group, id), seq);
}

std::vector<int64_t> mailbox_queue::erase_receipts(const std::vector<int64_t>& seqs) {
  std::vector<int64_t> erased;
  for (auto seq : seqs)
    if (receipts_.erase(seq) > 0)
      erased.push_back(seq);
  return erased;
}

void mailbox_queue::remember_delivered(const std::string& key, int64_t seq) {
  delivered_entry entry{std::hash<std::string>{}(key), seq};
  if (delivered_.size() < delivered_capacity_) {
    delivered_.push_back(entry);
    return;
  }
  delivered_[delivered_next_] = entry;
  delivered_next_ = (delivered_next_ + 1) % delivered_capacity_;
}

} // namespace parley
