#include "actors/mailbox.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/mailbox_state.hpp"
#include "actors/placement.hpp"
#include "runtime/answered_promise.hpp"
#include "runtime/clock.hpp"
#include "runtime/logging.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

constexpr auto idle_check = std::chrono::seconds{15};

} // namespace

using self_ptr = mailbox_self;

namespace mailbox_detail {

void touch(self_ptr self) {
  self->state.last_used = self->clock().now();
}

void depth_changed(self_ptr self, int64_t delta) {
  self->state.metrics->mailbox_depth.add(delta);
}

// The store lost our write or went away: our memory may no longer match the disk.
// Crash, and let the supervisor restart us from what was committed.
void store_failed(self_ptr self, const caf::error& err, const char* during) {
  SPDLOG_LOGGER_ERROR(logs::mailbox(), "event=store_failed owner={} during={} err={}",
                      self->state.owner, during, self->system().render(err));
  self->quit(err);
}

// Hands the first `limit` waiting items to a poller; receipts among them are erased, as
// nobody confirms a receipt over REST.
std::vector<mailbox_item> hand_over(self_ptr self, size_t limit) {
  auto& st = self->state;
  std::vector<mailbox_item> items;
  st.queue.for_each([&](const mailbox_item& item) { items.push_back(item); }, limit);
  std::vector<int64_t> handed;
  for (const auto& item : items)
    if (item.kind == item_kind::receipt) {
      erase_receipt_copies(self, item);
      handed.push_back(item.seq);
    }
  auto receipts = st.queue.erase_receipts(handed);
  for (auto seq : receipts)
    self->send(st.store, erase_atom_v, seq);
  depth_changed(self, -static_cast<int64_t>(receipts.size()));
  return items;
}

void answer_inbox_waiters(self_ptr self) {
  auto& st = self->state;
  if (!st.polled() || st.queue.empty())
    return;
  auto items = hand_over(self, st.settings.inbox_batch);
  for (auto& w : st.waiting->inbox)
    w.promise.deliver(items);
  st.waiting->inbox.clear();
}

// A committed item waits in the queue and goes to the live session at once. Messages
// leave the queue on `delivered`, receipts once the session's socket has written them
// (handed_atom).
void arrived(self_ptr self, const mailbox_item& item) {
  auto& st = self->state;
  if (st.session)
    self->send(st.session, push_atom_v, item);
  st.queue.append(item);
  depth_changed(self, 1);
  answer_inbox_waiters(self);
}

} // namespace mailbox_detail

namespace {

// Whether a client takes new messages at once: a live session, or a REST long poll.
bool listened(self_ptr self) {
  return self->state.session || self->state.polled();
}

// A new message nobody listened for: the push notifier (if this node runs one) hears of
// it and decides alone whether a POST follows. Never the body.
void notify_offline(self_ptr self, const mailbox_item& item) {
  auto& st = self->state;
  if (!st.settings.push)
    return;
  auto notifier = registered(self->system(), notifier_name::value);
  if (!notifier)
    return;
  self->send(notifier, notify_atom_v,
             push_notice{st.owner, item.peer, item.group,
                         static_cast<int64_t>(st.queue.messages()), now_ms()});
}


using namespace mailbox_detail;

caf::result<int64_t> deliver(self_ptr self, mailbox_item& item) {
  auto& st = self->state;
  touch(self);
  item.kind = item_kind::message;
  item.status = receipt_status::sent;
  // A group message keeps its group's time: every member sees the one time its sender
  // was acked with.
  if (item.group.empty() || item.ts == 0)
    item.ts = now_ms();
  // A resend of a message still waiting keeps its first time in the replicas' copies
  // too (our store answers with it; the copies leave before that answer).
  if (auto* first = st.queue.waiting_message(item.peer, item.group, item.id))
    item.ts = first->ts;
  auto promise = answer_even_if_stopped(self->make_response_promise<int64_t>());
  ++st.in_flight;
  append_everywhere(self, std::move(item), copies_before::done,
                    [self, promise](appended& a) mutable {
    --self->state.in_flight;
    if (a.error) {
      promise.deliver(caf::make_error(errc::unavailable, "mailbox commit failed"));
      store_failed(self, a.error, "append");
      return;
    }
    if (!a.copied) {
      promise.deliver(caf::make_error(errc::unavailable, "replica not reachable"));
      return;
    }
    if (!a.ref.duplicate) {
      bool offline = !listened(self);
      arrived(self, a.item);
      if (offline)
        notify_offline(self, a.item);
    }
    promise.deliver(a.ref.ts);
  });
  return promise.later();
}

// Stores a receipt; once committed it waits in the queue (and goes to a session that
// attached in the meantime).
void store_receipt(self_ptr self, mailbox_item item) {
  ++self->state.in_flight;
  append_everywhere(self, std::move(item), copies_before::nothing, [self](appended& a) {
    --self->state.in_flight;
    if (a.error) {
      store_failed(self, a.error, "receipt");
      return;
    }
    arrived(self, a.item);
  });
}

// A receipt for an online owner goes straight to the session and is held in memory
// until the socket has written it; if the session ends first, it is stored then. Only a
// crash of this mailbox in that millisecond loses it. Offline owners get it stored.
void accept_receipt(self_ptr self, mailbox_item& item) {
  auto& st = self->state;
  touch(self);
  item.kind = item_kind::receipt;
  if (!st.session) {
    store_receipt(self, std::move(item));
    return;
  }
  item.seq = --st.last_unwritten;
  self->send(st.session, push_atom_v, item);
  st.unwritten.emplace(item.seq, std::move(item));
}

// The session is gone: receipts it did not write wait on disk for the next one.
void session_gone(self_ptr self) {
  auto& st = self->state;
  st.session = nullptr;
  for (auto& [seq, item] : st.unwritten) {
    item.seq = 0;
    store_receipt(self, std::move(item));
  }
  st.unwritten.clear();
}

void send_receipt(self_ptr self, const std::string& to, const confirm_request& c,
                  receipt_status status) {
  auto& st = self->state;
  mailbox_item receipt;
  receipt.kind = item_kind::receipt;
  receipt.peer = st.owner;
  receipt.id = c.id;
  receipt.group = c.group;
  receipt.status = status;
  receipt.ts = now_ms();
  st.metrics->receipts_sent.inc();
  // No timeout: a receipt may queue for long at a busy node. It fails only when its
  // node is shown down (the router tracks requests across nodes), and is then tried at
  // the next primary.
  request_mailbox(
    self, st.router(), to, caf::make_message(receipt_atom_v, std::move(receipt)),
    []() {},
    [self, to](caf::error& err) {
      SPDLOG_LOGGER_WARN(logs::mailbox(), "event=receipt_lost owner={} to={} err={}",
                         self->state.owner, to, self->system().render(err));
    });
}

// Moves the message from `before` to `after`: one status write, then a receipt for each
// step the sender has not heard of (a read without delivered implies both).
void advance(self_ptr self, const confirm_request& c, int64_t seq, receipt_status before,
             receipt_status after) {
  auto& st = self->state;
  self->send(st.store, status_atom_v, seq, after);
  copy_change(self, item_change{st.owner, c.from, c.group, c.id, after});
  if (before == receipt_status::sent) {
    st.metrics->messages_delivered.inc();
    send_receipt(self, c.from, c, receipt_status::delivered);
  }
  if (after == receipt_status::read)
    send_receipt(self, c.from, c, receipt_status::read);
}

void confirm(self_ptr self, confirm_request c) {
  auto& st = self->state;
  touch(self);
  auto res = st.queue.confirm(c.from, c.group, c.id, c.status);
  if (res.what == mailbox_queue::confirm_result::unknown && c.group.empty()) {
    // A group message confirmed by sender and id alone: its receipt names the group.
    if (auto group = st.queue.group_of(c.from, c.id)) {
      c.group = std::move(*group);
      res = st.queue.confirm(c.from, c.group, c.id, c.status);
    }
  }
  if (res.what == mailbox_queue::confirm_result::changed) {
    if (res.before == receipt_status::sent)
      depth_changed(self, -1);
    advance(self, c, res.seq, res.before, c.status);
    return;
  }
  if (res.what == mailbox_queue::confirm_result::unchanged)
    return;
  // Not in memory: an old message, or none at all. The store knows.
  self->request(st.store, local_request, find_atom_v, st.owner, c.from, c.group, c.id)
    .then(
      [self, c](mailbox_item& found) mutable {
        if (found.seq == 0 || found.status >= c.status)
          return;
        c.group = found.group;
        self->state.queue.remember(c.from, c.group, c.id, found.seq, c.status);
        advance(self, c, found.seq, found.status, c.status);
      },
      [self](caf::error& err) { store_failed(self, err, "find"); });
}

void attach(self_ptr self, const caf::actor& session) {
  auto& st = self->state;
  touch(self);
  st.session = session;
  self->monitor(session);
  st.queue.for_each([&](const mailbox_item& item) { self->send(session, push_atom_v, item); });
  // Held for a session that was just replaced by this one.
  for (const auto& [seq, item] : st.unwritten)
    self->send(session, push_atom_v, item);
}

// The session's socket wrote these receipts: they are the client's now.
void receipts_written(self_ptr self, const std::vector<int64_t>& seqs) {
  auto& st = self->state;
  for (auto seq : seqs)
    if (seq < 0)
      st.unwritten.erase(seq);
  for (auto seq : seqs)
    if (auto* receipt = st.queue.receipt(seq))
      erase_receipt_copies(self, *receipt);
  auto erased = st.queue.erase_receipts(seqs);
  for (auto seq : erased)
    self->send(st.store, erase_atom_v, seq);
  depth_changed(self, -static_cast<int64_t>(erased.size()));
}

caf::result<std::vector<mailbox_item>> inbox(self_ptr self, int64_t wait_ms) {
  auto& st = self->state;
  touch(self);
  if (!st.queue.empty() || wait_ms <= 0)
    return hand_over(self, st.settings.inbox_batch);
  auto promise = answer_even_if_stopped(self->make_response_promise());
  auto token = ++st.next_token;
  st.waits_made().inbox.push_back({token, promise});
  self->delayed_send(self, std::chrono::milliseconds{wait_ms}, caf::timeout_atom_v, token);
  return promise.later();
}

void inbox_timeout(self_ptr self, uint64_t token) {
  if (!self->state.waiting)
    return;
  auto& waiters = self->state.waiting->inbox;
  for (auto i = waiters.begin(); i != waiters.end(); ++i) {
    if (i->token == token) {
      i->promise.deliver(std::vector<mailbox_item>{});
      waiters.erase(i);
      return;
    }
  }
}

void check_idle(self_ptr self) {
  auto& st = self->state;
  bool busy = st.session || st.polled() || st.in_flight > 0;
  if (!busy && self->clock().now() - st.last_used >= st.settings.idle_after) {
    SPDLOG_LOGGER_DEBUG(logs::mailbox(), "event=idle_stop owner={}", st.owner);
    self->quit();
    return;
  }
  self->delayed_send(self, idle_check, caf::tick_atom_v);
}

caf::behavior running(self_ptr self) {
  return {
    [self](deliver_atom, mailbox_item& item) -> caf::result<int64_t> {
      if (moved_away(self))
        return caf::sec::request_receiver_down;  // the sender looks the mailbox up anew
      return deliver(self, item);
    },
    [self](view_changed_atom, uint64_t) { view_changed(self); },
    [self](retry_atom, uint64_t token) { run_retry(self, token); },
    [self](merge_atom) { take_merged(self); },
    [self](receipt_atom, mailbox_item& item) {
      accept_receipt(self, item);
      return caf::unit;
    },
    [self](confirm_atom, const confirm_request& c) {
      confirm(self, c);
      return caf::unit;
    },
    [self](attach_atom, const caf::actor& session) {
      attach(self, session);
      return caf::unit;
    },
    [self](inbox_atom, int64_t wait_ms) { return inbox(self, wait_ms); },
    [self](handed_atom, const std::vector<int64_t>& seqs) { receipts_written(self, seqs); },
    [self](caf::timeout_atom, uint64_t token) { inbox_timeout(self, token); },
    [self](caf::tick_atom) { check_idle(self); },
  };
}

// The owner never logged in: nothing can be waiting, and nothing is accepted.
caf::behavior unknown_user(self_ptr self) {
  return {
    [self](deliver_atom, mailbox_item&) -> caf::result<int64_t> {
      touch(self);
      return caf::make_error(errc::unknown_user, self->state.owner);
    },
    [](receipt_atom, mailbox_item&) { return caf::unit; },
    [](confirm_atom, const confirm_request&) { return caf::unit; },
    // Only a logged-in user attaches or polls: the directory has registered them since.
    [self](attach_atom, const caf::actor& session) {
      self->become(running(self));
      attach(self, session);
      return caf::unit;
    },
    [self](inbox_atom, int64_t wait_ms) {
      self->become(running(self));
      return inbox(self, wait_ms);
    },
    [self](caf::tick_atom) { check_idle(self); },
    [self](view_changed_atom, uint64_t) { view_changed(self); },
    [](merge_atom) {},  // the next start of this mailbox reads what was merged
  };
}

void load(self_ptr self) {
  auto& st = self->state;
  self->request(st.store, local_request, load_atom_v, st.owner)
    .then(
      [self](mailbox_snapshot& snap) {
        auto& st = self->state;
        depth_changed(self, static_cast<int64_t>(snap.waiting.size()));
        st.queue.load(std::move(snap.waiting), std::move(snap.delivered));
        self->set_default_handler(log_unexpected(logs::mailbox(), "mailbox"));
        self->become(snap.known_user ? running(self) : unknown_user(self));
        self->delayed_send(self, idle_check, caf::tick_atom_v);
      },
      [self](caf::error& err) { store_failed(self, err, "load"); });
}

} // namespace

caf::behavior mailbox(caf::stateful_actor<mailbox_state>* self, std::string owner,
                      mailbox_settings settings, node_metrics* metrics) {
  auto& st = self->state;
  st.owner = std::move(owner);
  st.settings = settings;
  st.metrics = metrics;
  st.store = registered(self->system(), store_name::value);
  touch(self);
  if (!st.store) {
    self->quit(caf::make_error(errc::unavailable, "store not running"));
    return {};
  }
  self->set_down_handler([self](caf::down_msg& msg) {
    if (self->state.session && msg.source == self->state.session.address())
      session_gone(self);
  });
  self->set_default_handler(caf::skip);
  merge_copies_then_load(self, [self] { load(self); });
  return {
    [](caf::tick_atom) {},  // replaced once loaded
  };
}

caf::actor spawn_mailbox(caf::local_actor* sup, const std::string& owner,
                         const mailbox_settings& settings, node_metrics* metrics) {
  return sup->spawn<caf::linked>(mailbox, owner, settings, metrics);
}

} // namespace parley
