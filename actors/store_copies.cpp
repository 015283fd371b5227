#include "actors/store_state.hpp"

// Replication from store to store: a primary's appends and status changes that name
// their replicas' stores go to each of those stores in one message per commit (not one
// per item from each mailbox), and each append is answered once all its copies are
// committed. Flat out a commit holds tens of appends, so the cluster's messages for
// copies shrink by as much.
//
// No CAF timeout on these requests, as on the rest of the message path (architecture.md,
// "The cluster"): a store that answers nothing is one that is gone, and its down message
// fails what it holds. The mailbox then copies the item itself, at the next view.

#include <map>
#include <utility>

#include <caf/actor_system.hpp>

#include "actors/messages.hpp"
#include "runtime/logging.hpp"

namespace parley::store_detail {

namespace {

constexpr auto membership_retry = std::chrono::milliseconds{200};

// One store answered for the copies of these appends (or failed them).
void copies_answered(self_ptr self, const std::vector<uint64_t>& appends, bool ok) {
  auto& awaited = self->state.awaited;
  for (auto key : appends) {
    auto i = awaited.find(key);
    if (i == awaited.end())
      continue;
    auto& a = i->second;
    a.failed = a.failed || !ok;
    if (--a.waiting > 0)
      continue;
    a.ref.copied = !a.failed;
    a.promise.deliver(a.ref);
    awaited.erase(i);
  }
}

// Settles the message of copies under `key`, unless the store's down message did first.
void settle(self_ptr self, uint64_t key, bool ok) {
  auto& out = self->state.copies_out;
  auto i = out.find(key);
  if (i == out.end())
    return;
  auto appends = std::move(i->second.appends);
  out.erase(i);
  copies_answered(self, appends, ok);
}

// Fails every message of copies whose store `gone` picks; returns how many.
template <class Gone>
size_t fail_copies_to(self_ptr self, Gone gone) {
  std::vector<uint64_t> failed;
  for (const auto& [key, msg] : self->state.copies_out)
    if (gone(msg.store))
      failed.push_back(key);
  for (auto key : failed)
    settle(self, key, false);
  return failed.size();
}

} // namespace

void send_copies(self_ptr self, std::vector<committed_append> appends,
                 std::vector<committed_change> changes) {
  auto& st = self->state;
  struct outgoing {
    caf::actor store;
    std::vector<copied_item> items;
    std::vector<item_change> changes;
    std::vector<uint64_t> appends;
  };
  std::map<caf::actor_addr, outgoing> by_store;
  auto to = [&by_store](const caf::actor& store) -> outgoing& {
    auto& o = by_store[store.address()];
    if (!o.store)
      o.store = store;
    return o;
  };
  for (auto& c : changes)
    for (auto& store : c.copies)
      to(store).changes.push_back(c.change);
  for (auto& a : appends) {
    if (a.copies.empty()) {
      a.ref.copied = true;
      a.promise.deliver(a.ref);
      continue;
    }
    auto key = ++st.next_key;
    for (size_t i = 0; i < a.copies.size(); ++i) {
      auto& o = to(a.copies[i]);
      // The item (its body up to 64 KiB) is copied only for a second replica.
      o.items.push_back(i + 1 < a.copies.size() ? a.copy : std::move(a.copy));
      o.appends.push_back(key);
    }
    st.awaited.emplace(key, awaited_append{std::move(a.promise), a.ref, a.copies.size()});
  }
  for (auto& [addr, o] : by_store) {
    if (o.items.empty()) {
      // Changes alone wait for no answer: one lost with its node is made good by the
      // handoff's copy, whose merge only moves statuses forward.
      self->send(o.store, replicate_atom_v, std::move(o.changes));
      continue;
    }
    if (st.watched_stores.insert(addr).second)
      self->monitor(o.store);
    auto key = ++st.next_key;
    st.copies_out.emplace(key, copies_in_flight{addr, std::move(o.appends)});
    self->request(o.store, caf::infinite, replicate_atom_v, std::move(o.items),
                  std::move(o.changes))
      .then([self, key]() { settle(self, key, true); },
            [self, key](caf::error& err) {
              SPDLOG_LOGGER_DEBUG(logs::store(), "event=copies_failed err={}",
                                  self->system().render(err));
              settle(self, key, false);
            });
  }
}

void watch_membership(self_ptr self) {
  if (!self->state.cluster)
    return;
  if (auto m = registered(self->system(), membership_name::value))
    self->send(m, watch_atom_v, caf::actor_cast<caf::actor>(self));
  else
    self->delayed_send(self, membership_retry, watch_atom_v);
}

void copies_view_changed(self_ptr self) {
  auto& st = self->state;
  if (!st.cluster || st.copies_out.empty())
    return;
  auto down = nodes_shown_down(*st.cluster->current());
  fail_copies_to(self, [&down](const caf::actor_addr& store) {
    return down.count(store.node()) != 0;
  });
}

void copies_store_down(self_ptr self, const caf::actor_addr& store) {
  auto& st = self->state;
  if (st.watched_stores.erase(store) == 0)
    return;
  auto failed = fail_copies_to(self, [&store](const caf::actor_addr& s) { return s == store; });
  if (failed > 0)
    SPDLOG_LOGGER_INFO(logs::store(), "event=copies_store_down messages={}", failed);
}

} // namespace parley::store_detail
