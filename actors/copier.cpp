#include "actors/copier.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/placement.hpp"
#include "runtime/answered_promise.hpp"
#include "runtime/logging.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

constexpr auto membership_retry = std::chrono::milliseconds{200};

using copy_promise = answered_promise<caf::response_promise>;

// What goes to one store at the next flush.
struct outgoing {
  caf::actor store;
  std::vector<copied_item> items;
  std::vector<item_change> changes;
  std::vector<uint64_t> copies;  // keys of the awaited copies among `items`
};

// One mailbox's item, answered once every store it went to committed it.
struct awaited_copy {
  copy_promise promise;
  size_t waiting = 0;  // stores yet to answer
  bool failed = false;
};

// One message of copies to one store, waiting for its answer.
struct in_flight {
  caf::actor_addr store;
  std::vector<uint64_t> copies;
};

} // namespace

struct copier_state {
  static inline const char* name = "copier";
  std::vector<outgoing> next;  // one per store; a node has a few at most
  bool flush_queued = false;
  std::unordered_map<uint64_t, awaited_copy> awaited;
  std::unordered_map<uint64_t, in_flight> sent;
  // Stores we monitor: a node that dies never answers, its down message fails what it
  // holds.
  std::unordered_set<caf::actor_addr> watched;
  uint64_t next_key = 0;
  const cluster_view* cluster = nullptr;
};

namespace {

using self_ptr = caf::stateful_actor<copier_state>*;

outgoing& to(self_ptr self, const caf::actor& store) {
  auto& next = self->state.next;
  auto i = std::find_if(next.begin(), next.end(),
                        [&store](const outgoing& o) { return o.store == store; });
  if (i != next.end())
    return *i;
  if (!self->state.flush_queued) {
    // Queued behind every request already waiting: the flush takes them all.
    self->state.flush_queued = true;
    self->send(self, caf::flush_atom_v);
  }
  next.push_back(outgoing{store, {}, {}, {}});
  return next.back();
}

// One store answered for these copies (or failed them).
void copies_answered(self_ptr self, const std::vector<uint64_t>& copies, bool ok) {
  auto& awaited = self->state.awaited;
  for (auto key : copies) {
    auto i = awaited.find(key);
    if (i == awaited.end())
      continue;
    auto& a = i->second;
    a.failed = a.failed || !ok;
    if (--a.waiting > 0)
      continue;
    if (a.failed)
      a.promise.deliver(caf::make_error(errc::unavailable, "a replica did not commit"));
    else
      a.promise.deliver(caf::make_message());
    awaited.erase(i);
  }
}

// Settles the message under `key`, unless the store's down message did first.
void settle(self_ptr self, uint64_t key, bool ok) {
  auto& sent = self->state.sent;
  auto i = sent.find(key);
  if (i == sent.end())
    return;
  auto copies = std::move(i->second.copies);
  sent.erase(i);
  copies_answered(self, copies, ok);
}

// Fails every message whose store `gone` picks; returns how many.
template <class Gone>
size_t fail_copies_to(self_ptr self, Gone gone) {
  std::vector<uint64_t> failed;
  for (const auto& [key, msg] : self->state.sent)
    if (gone(msg.store))
      failed.push_back(key);
  for (auto key : failed)
    settle(self, key, false);
  return failed.size();
}

caf::response_promise copy(self_ptr self, const std::string& owner, mailbox_item& item,
                           const std::vector<caf::actor>& stores) {
  auto promise = answer_even_if_stopped(self->make_response_promise());
  if (stores.empty()) {
    promise.deliver(caf::make_message());
    return promise.later();
  }
  auto& st = self->state;
  auto key = ++st.next_key;
  // Replicas number their rows themselves.
  item.seq = 0;
  for (size_t i = 0; i < stores.size(); ++i) {
    auto& o = to(self, stores[i]);
    // The item (its body up to 64 KiB) is copied only for a second replica.
    o.items.push_back(copied_item{owner, i + 1 < stores.size() ? item : std::move(item)});
    o.copies.push_back(key);
  }
  st.awaited.emplace(key, awaited_copy{promise, stores.size(), false});
  return promise.later();
}

void copy_change(self_ptr self, item_change& change, const std::vector<caf::actor>& stores) {
  for (size_t i = 0; i < stores.size(); ++i)
    to(self, stores[i]).changes.push_back(i + 1 < stores.size() ? change : std::move(change));
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_queued = false;
  auto next = std::move(st.next);
  st.next.clear();
  for (auto& o : next) {
    if (o.items.empty()) {
      // Changes alone wait for no answer: one lost with its node is made good by the
      // handoff's copy, whose merge only moves statuses forward.
      self->send(o.store, replicate_atom_v, std::move(o.changes));
      continue;
    }
    auto addr = o.store.address();
    if (st.watched.insert(addr).second)
      self->monitor(o.store);
    auto key = ++st.next_key;
    st.sent.emplace(key, in_flight{addr, std::move(o.copies)});
    self->request(o.store, caf::infinite, replicate_atom_v, std::move(o.items),
                  std::move(o.changes))
      .then([self, key]() { settle(self, key, true); },
            [self, key](caf::error& err) {
              SPDLOG_LOGGER_DEBUG(logs::mailbox(), "event=copies_failed err={}",
                                  self->system().render(err));
              settle(self, key, false);
            });
  }
}

void watch_cluster(self_ptr self) {
  if (self->state.cluster)
    watch_membership(self, membership_retry);
}

// A new cluster view: copies waiting on a node it shows down fail now. A node that
// hangs keeps its connection until the middleman's timeout (5 s); the membership's
// heartbeats show it down sooner.
void view_changed(self_ptr self) {
  auto& st = self->state;
  if (!st.cluster || st.sent.empty())
    return;
  auto down = nodes_shown_down(*st.cluster->current());
  fail_copies_to(self, [&down](const caf::actor_addr& store) {
    return down.count(store.node()) != 0;
  });
}

// A store we sent copies to is gone (its node died or it stopped): what it holds fails.
void store_down(self_ptr self, const caf::actor_addr& store) {
  if (self->state.watched.erase(store) == 0)
    return;
  auto failed = fail_copies_to(self, [&store](const caf::actor_addr& s) { return s == store; });
  if (failed > 0)
    SPDLOG_LOGGER_INFO(logs::mailbox(), "event=copies_store_down messages={}", failed);
}

} // namespace

caf::behavior copier(caf::stateful_actor<copier_state>* self, const cluster_view* cluster) {
  self->state.cluster = cluster;
  self->set_down_handler([self](caf::down_msg& msg) { store_down(self, msg.source); });
  self->set_default_handler(log_unexpected(logs::mailbox(), "copier"));
  watch_cluster(self);
  return {
    [self](replicate_atom, const std::string& owner, mailbox_item& item,
           const std::vector<caf::actor>& stores) { return copy(self, owner, item, stores); },
    [self](status_atom, item_change& change, const std::vector<caf::actor>& stores) {
      copy_change(self, change, stores);
      return caf::unit;
    },
    [self](caf::flush_atom) { flush(self); },
    [self](watch_atom) { watch_cluster(self); },
    [self](view_changed_atom, uint64_t) { view_changed(self); },
  };
}

caf::actor start_copier(caf::local_actor* sup, const cluster_view* cluster) {
  auto handle = sup->spawn<caf::linked>(copier, cluster);
  register_as(sup->system(), copier_name::value, handle);
  return handle;
}

} // namespace parley
