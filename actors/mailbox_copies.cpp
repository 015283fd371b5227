#include "actors/mailbox_state.hpp"

// The copies of a mailbox on its replicas: kept in step with every commit and change,
// merged back in when a mailbox starts, and the stop of a mailbox the ring moved away.

#include <algorithm>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/placement.hpp"
#include "runtime/countdown.hpp"
#include "runtime/logging.hpp"

namespace parley::mailbox_detail {

namespace {

constexpr auto replicate_retry = std::chrono::milliseconds{250};
constexpr int replicate_attempts = 8;

using self_ptr = mailbox_self;

} // namespace

static const cluster_snapshot& snapshot(self_ptr self) {
  return self->state.placement.current(self->state.settings.cluster);
}

// Every message asks whether this node still serves the owner and where its copies go;
// the hash ring's answer allocates, so it is worked out once per cluster epoch.
static const mailbox_state::owner_placement& placed(self_ptr self) {
  auto& st = self->state;
  const auto& snap = snapshot(self);
  if (!st.placed.known || st.placed.epoch != snap.epoch()) {
    st.placed.known = true;
    st.placed.epoch = snap.epoch();
    st.placed.primary_here = is_primary_here(snap, st.owner);
    st.placed.replicas = replica_stores(self->system(), snap, st.owner);
  }
  return st.placed;
}

// Another node serves the owner now (the cluster changed under us): stop, so that
// sessions and senders find the mailbox anew on that node.
bool moved_away(self_ptr self) {
  if (placed(self).primary_here)
    return false;
  SPDLOG_LOGGER_INFO(logs::mailbox(), "event=moved owner={}", self->state.owner);
  self->quit();
  return true;
}

static const std::vector<caf::actor>& replicas(self_ptr self) {
  return placed(self).replicas;
}

std::vector<caf::actor> copy_stores(self_ptr self) {
  const auto& p = placed(self);
  return p.primary_here ? p.replicas : std::vector<caf::actor>{};
}

static void later(self_ptr self, std::function<void()> f) {
  auto token = ++self->state.next_token;
  self->state.waits_made().retries.emplace_back(token, std::move(f));
  self->delayed_send(self, replicate_retry, retry_atom_v, token);
}

// Commits `item` in every replica's store, then calls done(true); done(false) when the
// replicas stayed out of reach (or this node stopped being primary) through all attempts.
static void replicate(self_ptr self, const mailbox_item& original,
                      std::function<void(bool)> done, int attempts) {
  if (!placed(self).primary_here) {
    done(false);
    return;
  }
  const auto& targets = replicas(self);
  if (targets.empty()) {
    done(true);
    return;
  }
  auto item = original;  // a copy only when there are replicas to send it to
  item.seq = 0;
  auto pending = std::make_shared<size_t>(targets.size());
  auto failed = std::make_shared<bool>(false);
  auto finish = [self, item, done, attempts, pending, failed]() {
    if (--*pending > 0)
      return;
    if (!*failed) {
      done(true);
    } else if (attempts > 1) {
      // A replica died: the next snapshot names its successor.
      self->state.metrics->replica_retries.inc();
      later(self, [self, item, done, attempts] { replicate(self, item, done, attempts - 1); });
    } else {
      done(false);
    }
  };
  for (auto& store : targets)
    request_across(self, self->state.router().tracked(), store, remote_request,
                   caf::make_message(append_atom_v, self->state.owner, item),
                   [finish](stored_ref&) { finish(); },
                   [finish, failed](caf::error&) {
                     *failed = true;
                     finish();
                   });
}

namespace {

// One append on its way to our store and, through the copier, to the replicas' stores.
struct pending_append {
  appended outcome;
  int waiting = 1;  // answers yet to come: our store's, and the copier's
  bool done_waits_for_copies = true;
  std::function<void(appended&)> done;
};

void append_joined(self_ptr self, const std::shared_ptr<pending_append>& p) {
  if (--p->waiting > 0)
    return;
  auto& out = p->outcome;
  if (out.error) {
    out.copied = false;
    p->done(out);
    return;
  }
  if (out.copied && placed(self).primary_here) {
    p->done(out);
    return;
  }
  // A copy failed (its node went down meanwhile): the next view names the replicas.
  if (!p->done_waits_for_copies) {
    p->done(out);
    replicate(self, out.item, [](bool) {});
    return;
  }
  replicate(self, out.item, [self, p](bool copied) {
    p->outcome.copied = copied;
    p->done(p->outcome);
  });
}

} // namespace

void append_everywhere(self_ptr self, mailbox_item item, copies_before done_when,
                       std::function<void(appended&)> done) {
  auto& st = self->state;
  auto p = std::make_shared<pending_append>();
  p->outcome.item = std::move(item);
  p->done_waits_for_copies = done_when == copies_before::done;
  p->done = std::move(done);
  auto stores = copy_stores(self);
  p->outcome.copied = stores.empty();
  if (!stores.empty()) {
    if (auto copier = registered(self->system(), copier_name::value)) {
      ++p->waiting;
      self->request(copier, local_request, replicate_atom_v, st.owner, p->outcome.item,
                    std::move(stores))
        .then(
          [self, p]() {
            p->outcome.copied = true;
            append_joined(self, p);
          },
          [self, p](caf::error&) { append_joined(self, p); });
    }
  }
  self->request(st.store, local_request, append_atom_v, st.owner, p->outcome.item)
    .then(
      [self, p](stored_ref& ref) {
        // A repeat keeps the number and time it was first stored with.
        p->outcome.ref = ref;
        p->outcome.item.seq = ref.seq;
        p->outcome.item.ts = ref.ts;
        append_joined(self, p);
      },
      [self, p](caf::error& err) {
        p->outcome.error = std::move(err);
        append_joined(self, p);
      });
}

namespace {

// A change sent to the replicas' stores alone, as the copier would send it.
void send_change_alone(self_ptr self, const item_change& change) {
  auto msg = caf::make_message(replicate_atom_v, std::vector<item_change>{change});
  for (auto& store : copy_stores(self))
    self->send(store, msg);
}

} // namespace

void copy_change(self_ptr self, item_change change) {
  auto stores = copy_stores(self);
  if (stores.empty())
    return;
  // Alone when the copier is not there yet, or gone: the registry keeps a stopped
  // actor's handle until the restart replaces it, and the request then fails.
  auto copier = registered(self->system(), copier_name::value);
  if (!copier) {
    send_change_alone(self, change);
    return;
  }
  self->request(copier, local_request, status_atom_v, change, std::move(stores))
    .then([] {}, [self, change](caf::error&) { send_change_alone(self, change); });
}

// A new cluster view: stop if another node serves the owner now; else requests to
// nodes that left fail now (remote_requests) and are retried.
void view_changed(self_ptr self) {
  if (moved_away(self))
    return;
  if (auto* router = self->state.peers.existing())
    router->view_changed();
}

// Tells the replicas that a receipt was handed over. (A message that moved on goes to
// them through the copier: copy_change.)
void erase_receipt_copies(self_ptr self, const mailbox_item& receipt) {
  auto erase = caf::make_message(erase_atom_v, self->state.owner, receipt.peer,
                                 receipt.group, receipt.id, receipt.status);
  for (auto& store : replicas(self))
    self->send(store, erase);
}

// Another node's copy was merged into our store after we loaded (a node that held the
// owner's data came back or handed it over): take in what waits there and not here.
void take_merged(self_ptr self) {
  auto& st = self->state;
  self->request(st.store, local_request, load_atom_v, st.owner)
    .then(
      [self](mailbox_snapshot& snap) {
        size_t added = 0;
        for (auto& item : snap.waiting)
          if (!self->state.queue.holds(item)) {
            arrived(self, item);
            ++added;
          }
        if (added > 0)
          SPDLOG_LOGGER_INFO(logs::mailbox(), "event=merged owner={} added={}",
                             self->state.owner, added);
      },
      [self](caf::error& err) { store_failed(self, err, "reload"); });
}

void run_retry(self_ptr self, uint64_t token) {
  if (!self->state.waiting)
    return;
  auto& retries = self->state.waiting->retries;
  auto i = std::find_if(retries.begin(), retries.end(),
                        [token](const auto& r) { return r.first == token; });
  if (i == retries.end())
    return;
  auto f = std::move(i->second);
  retries.erase(i);
  f();
}

// Before serving, take in what the replicas hold: this node may have been away (or lost
// its data) while another one served the owner. Copies merge monotonically, so an old
// copy here never undoes a delivery recorded elsewhere. A replica that does not answer
// is skipped: it holds nothing the others lack unless two nodes failed.
void merge_copies_then_load(self_ptr self, std::function<void()> then) {
  auto& st = self->state;
  auto sources = replicas(self);
  auto one_done = countdown(sources.size(), std::move(then));
  for (auto& source : sources)
    self->request(source, remote_request, dump_atom_v, st.owner)
      .then(
        [self, one_done](mailbox_copy& copy) {
          auto& st = self->state;
          if (copy.messages.empty() && copy.receipts.empty()) {
            one_done();
            return;
          }
          // Loaded only once merged: the load must see these rows.
          self->request(st.store, local_request, merge_atom_v, st.owner, std::move(copy))
            .then([one_done](int64_t) { one_done(); },
                  [self](caf::error& err) { store_failed(self, err, "merge"); });
        },
        [self, one_done](caf::error& err) {
          SPDLOG_LOGGER_INFO(logs::mailbox(), "event=copy_unavailable owner={} err={}",
                             self->state.owner, self->system().render(err));
          one_done();
        });
}


void replicate(self_ptr self, const mailbox_item& item, std::function<void(bool)> done) {
  replicate(self, item, std::move(done), replicate_attempts);
}

} // namespace parley::mailbox_detail
