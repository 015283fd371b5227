#include "actors/store.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <variant>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include "actors/mailbox_queue.hpp"
#include "persistence/checkpointer.hpp"
#include "persistence/group_store.hpp"
#include "persistence/mailbox_store.hpp"
#include "persistence/replica_store.hpp"
#include "persistence/sqlite_db.hpp"
#include "persistence/user_store.hpp"
#include "runtime/answered_promise.hpp"
#include "runtime/clock.hpp"
#include "runtime/logging.hpp"
#include "runtime/thread_priority.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

// At most ten checkpoints a second: each ends with an fsync of the database file.
constexpr auto checkpoint_pause = std::chrono::milliseconds{100};
constexpr auto expire_interval = std::chrono::minutes{5};
constexpr int64_t dedup_window_ms = 24LL * 3600 * 1000;
constexpr int64_t expiry_ms = 30LL * 24 * 3600 * 1000;
// The directory saves every changed last_seen at once (a thousand rows every few seconds
// under load): spread over several commits, they never hold a message's commit for long.
constexpr size_t touches_per_commit = 64;
// A write dirties about two pages. Once a transaction has dirtied the whole page cache
// (2,000 pages), SQLite writes pages to the WAL one at a time before the commit and, at
// the commit, reads each back to rewrite its checksum. A store that fell behind took up
// to a thousand writes into one transaction and paid that; smaller ones never do.
constexpr size_t max_ops_per_commit = 256;

// Answered even if the store stops with the write buffered (runtime/answered_promise).
using store_promise = answered_promise<caf::response_promise>;

struct append_op {
  mailbox_row row;
  store_promise promise;
};
struct status_op {
  int64_t seq;
  int status;
};
struct erase_op {
  int64_t seq;
};
struct put_user_op {
  user_row row;
  store_promise promise;
};
struct touch_op {
  std::string user;
  int64_t last_seen;
};
// A replica's changes, addressed by the message's identity.
struct keyed_op {
  bool erase_receipt;  // false: raise a message's status
  std::string owner, peer, group, id;
  int status;
};
struct merge_op {
  std::string owner;
  mailbox_dump copy;
  store_promise promise;
};
struct drop_op {
  std::string owner;
  store_promise promise;
};

struct group_put_op {
  group_row row;
  store_promise promise;
};
struct group_drop_op {
  std::string gid;
  store_promise promise;
};

using write_op = std::variant<append_op, status_op, erase_op, put_user_op, touch_op, keyed_op,
                              merge_op, drop_op, group_put_op, group_drop_op>;

mailbox_row to_row(const std::string& owner, const mailbox_item& item) {
  mailbox_row r;
  r.owner = owner;
  r.kind = static_cast<int>(item.kind);
  r.peer = item.peer;
  r.msg_id = item.id;
  r.group = item.group;
  r.status = static_cast<int>(item.status);
  r.ts = item.ts;
  r.body = item.body;
  r.meta = item.meta;
  return r;
}

mailbox_item to_item(mailbox_row&& r) {
  mailbox_item item;
  item.seq = r.seq;
  item.kind = static_cast<item_kind>(r.kind);
  item.peer = std::move(r.peer);
  item.id = std::move(r.msg_id);
  item.group = std::move(r.group);
  item.body = std::move(r.body);
  item.meta = std::move(r.meta);
  item.ts = r.ts;
  item.status = static_cast<receipt_status>(r.status);
  return item;
}

group_row to_row(const group_record& rec) {
  return group_row{rec.gid, rec.name, rec.owner, rec.members, rec.version, rec.created};
}

group_record to_record(group_row&& r) {
  return group_record{std::move(r.gid),    std::move(r.name), std::move(r.owner),
                      std::move(r.members), r.version,         r.created};
}

} // namespace

struct store_state {
  static inline const char* name = "store";

  std::unique_ptr<sqlite_db> db;
  std::optional<mailbox_store> mailboxes;
  std::optional<user_store> users;
  std::optional<replica_store> copies;
  std::optional<group_store> groups;
  // Owners whose rows a merge changed in the batch being committed: a mailbox running
  // here must read them (a copy may arrive after it loaded).
  std::vector<std::string> merged_owners;
  std::deque<write_op> batch;  // taken from the front, max_ops_per_commit at a time
  std::deque<touch_op> touches;  // last_seen updates, committed a few at a time
  bool flush_queued = false;
  std::unique_ptr<checkpointer> checkpoints;
  int wal_restart_frames = 0;
  // The background passes completed when the WAL was first seen full (none: not full).
  std::optional<uint64_t> wal_full_at_pass;
  node_metrics* metrics = nullptr;
  // Injected fault: until delay_until, every commit waits this long first (a slow disk).
  std::chrono::milliseconds delay{0};
  std::chrono::steady_clock::time_point delay_until;
};

namespace {

using self_ptr = caf::stateful_actor<store_state>*;

using reply_list = std::vector<std::pair<store_promise, caf::message>>;

// Applies one buffered write inside the open transaction.
caf::error apply(store_state& st, write_op& op, reply_list& replies) {
  return std::visit(
    [&](auto& w) -> caf::error {
      using T = std::decay_t<decltype(w)>;
      if constexpr (std::is_same_v<T, append_op>) {
        stored_ref ref;
        if (w.row.kind == static_cast<int>(item_kind::receipt)) {
          auto seq = st.mailboxes->append_receipt(w.row);
          if (!seq)
            return std::move(seq.error());
          ref = stored_ref{*seq, w.row.ts, static_cast<receipt_status>(w.row.status), false};
        } else {
          auto res = st.mailboxes->append_message(w.row);
          if (!res)
            return std::move(res.error());
          ref = stored_ref{res->seq, res->ts, static_cast<receipt_status>(res->status),
                           res->duplicate};
        }
        replies.emplace_back(std::move(w.promise), caf::make_message(ref));
        return caf::none;
      } else if constexpr (std::is_same_v<T, status_op>) {
        return st.mailboxes->set_status(w.seq, w.status);
      } else if constexpr (std::is_same_v<T, erase_op>) {
        return st.mailboxes->erase_receipt(w.seq);
      } else if constexpr (std::is_same_v<T, keyed_op>) {
        return w.erase_receipt
                 ? st.copies->erase_receipt(w.owner, w.peer, w.group, w.id, w.status)
                 : st.copies->raise_status(w.owner, w.peer, w.group, w.id, w.status);
      } else if constexpr (std::is_same_v<T, merge_op>) {
        auto changed = st.copies->merge(w.owner, w.copy);
        if (!changed)
          return std::move(changed.error());
        if (*changed > 0)
          st.merged_owners.push_back(w.owner);
        replies.emplace_back(std::move(w.promise), caf::make_message(*changed));
        return caf::none;
      } else if constexpr (std::is_same_v<T, drop_op>) {
        if (auto err = st.copies->drop(w.owner))
          return err;
        replies.emplace_back(std::move(w.promise), caf::make_message());
        return caf::none;
      } else if constexpr (std::is_same_v<T, group_put_op>) {
        auto landed = st.groups->put(w.row);
        if (!landed)
          return std::move(landed.error());
        replies.emplace_back(std::move(w.promise), caf::make_message(*landed));
        return caf::none;
      } else if constexpr (std::is_same_v<T, group_drop_op>) {
        if (auto err = st.groups->drop(w.gid))
          return err;
        replies.emplace_back(std::move(w.promise), caf::make_message());
        return caf::none;
      } else if constexpr (std::is_same_v<T, put_user_op>) {
        if (auto err = st.users->put(w.row))
          return err;
        replies.emplace_back(std::move(w.promise), caf::make_message());
        return caf::none;
      } else {
        return st.users->touch(w.user, w.last_seen);
      }
    },
    op);
}

void fail_all(std::vector<write_op>& ops, const caf::error& err) {
  for (auto& op : ops) {
    if (auto* a = std::get_if<append_op>(&op))
      a->promise.deliver(err);
    else if (auto* u = std::get_if<put_user_op>(&op))
      u->promise.deliver(err);
    else if (auto* m = std::get_if<merge_op>(&op))
      m->promise.deliver(err);
    else if (auto* d = std::get_if<drop_op>(&op))
      d->promise.deliver(err);
    else if (auto* g = std::get_if<group_put_op>(&op))
      g->promise.deliver(err);
    else if (auto* gd = std::get_if<group_drop_op>(&op))
      gd->promise.deliver(err);
  }
}

void queue_flush(self_ptr self);

// Copies the WAL into the database through the store's own connection; the next commit
// then starts the WAL over. False when busy (the background checkpoint runs) or failed.
bool checkpoint_here(self_ptr self, const char* why) {
  auto done = self->state.db->checkpoint();
  if (!done) {
    SPDLOG_LOGGER_WARN(logs::store(), "event=checkpoint_failed at={} err={}", why,
                       self->system().render(done.error()));
    return false;
  }
  return *done;
}

// After a commit: copies the rest of a full WAL once a background pass has ended since
// it filled (store_settings::wal_restart_frames).
void restart_wal_when_due(self_ptr self) {
  auto& st = self->state;
  auto frames = st.db->wal_frames();
  if (frames < st.wal_restart_frames) {
    st.wal_full_at_pass.reset();
    return;
  }
  auto passes = st.checkpoints->completed();
  if (!st.wal_full_at_pass) {
    st.wal_full_at_pass = passes;
    return;
  }
  // Busy (a background pass holds the checkpoint) or failed: tried again after the next
  // commit.
  if ((passes > *st.wal_full_at_pass || frames >= 2 * st.wal_restart_frames)
      && checkpoint_here(self, "wal_full"))
    st.wal_full_at_pass.reset();
}

// One transaction: the oldest buffered writes, and a few last_seen updates. Whatever
// waits beyond them gets a flush of its own, queued behind the messages now waiting.
void commit_next(self_ptr self) {
  auto& st = self->state;
  if (st.batch.empty() && st.touches.empty())
    return;
  std::vector<write_op> ops;
  auto end = st.batch.begin() + std::min(st.batch.size(), max_ops_per_commit);
  ops.assign(std::make_move_iterator(st.batch.begin()), std::make_move_iterator(end));
  st.batch.erase(st.batch.begin(), end);
  for (size_t i = 0; i < touches_per_commit && !st.touches.empty(); ++i) {
    ops.emplace_back(std::move(st.touches.front()));
    st.touches.pop_front();
  }
  if (!st.batch.empty() || !st.touches.empty())
    queue_flush(self);
  reply_list replies;
  replies.reserve(ops.size());
  auto started = std::chrono::steady_clock::now();
  caf::error err = st.db->begin();
  for (size_t i = 0; !err && i < ops.size(); ++i)
    err = apply(st, ops[i], replies);
  if (!err)
    err = st.db->commit();
  if (err) {
    st.db->rollback();
    st.merged_owners.clear();
    SPDLOG_LOGGER_ERROR(logs::store(), "event=commit_failed ops={} err={}", ops.size(),
                        self->system().render(err));
    // Promises already moved into `replies` are answered with the error too.
    for (auto& [promise, msg] : replies)
      promise.deliver(err);
    fail_all(ops, err);
    return;
  }
  st.metrics->store_commits.inc();
  st.metrics->commit_latency.observe(std::chrono::steady_clock::now() - started);
  st.metrics->commit_batch.observe(static_cast<double>(ops.size()));
  for (auto& [promise, msg] : replies)
    promise.deliver(std::move(msg));
  if (!st.merged_owners.empty()) {
    if (auto sup = registered(self->system(), mailboxes_name::value))
      for (const auto& owner : st.merged_owners)
        self->send(sup, tell_child_atom_v, mailbox_child_id(owner),
                   caf::make_message(merge_atom_v));
    st.merged_owners.clear();
  }
  st.checkpoints->request();
  restart_wal_when_due(self);
}

// The flush message that queue_flush sent has come.
void flush(self_ptr self) {
  self->state.flush_queued = false;
  commit_next(self);
}

// Before a read: every buffered write is committed (last_seen updates may wait).
void commit_buffered(self_ptr self) {
  while (!self->state.batch.empty())
    commit_next(self);
}

// flush_queued is true while our flush message waits in the mailbox.
void queue_flush(self_ptr self) {
  auto& st = self->state;
  if (!st.flush_queued) {
    // Queued behind everything already waiting in our mailbox: the flush takes it too.
    st.flush_queued = true;
    if (st.delay.count() > 0 && std::chrono::steady_clock::now() < st.delay_until)
      self->delayed_send(self, st.delay, caf::flush_atom_v);
    else
      self->send(self, caf::flush_atom_v);
  }
}

// Before reading users, and at the end: everything buffered, the last_seen updates that
// wait for later commits too. Other reads need only commit_buffered.
void flush_all(self_ptr self) {
  while (!self->state.batch.empty() || !self->state.touches.empty())
    commit_next(self);
}

void buffer(self_ptr self, write_op op) {
  self->state.batch.push_back(std::move(op));
  queue_flush(self);
}

void expire(self_ptr self) {
  auto now = now_ms();
  auto deleted = self->state.mailboxes->expire(now - dedup_window_ms, now - expiry_ms,
                                               100000);
  if (!deleted)
    SPDLOG_LOGGER_WARN(logs::store(), "event=expire_failed err={}",
                       self->system().render(deleted.error()));
  else if (*deleted > 0)
    SPDLOG_LOGGER_INFO(logs::store(), "event=expired rows={}", *deleted);
}

} // namespace

caf::behavior store(caf::stateful_actor<store_state>* self, store_settings settings,
                    node_metrics* metrics) {
  auto& st = self->state;
  st.metrics = metrics;
  st.wal_restart_frames = settings.wal_restart_frames;
  auto db = sqlite_db::open(settings.database, settings.sync);
  if (!db) {
    SPDLOG_LOGGER_ERROR(logs::store(), "event=open_failed file={} err={}",
                        settings.database.string(), self->system().render(db.error()));
    self->quit(db.error());
    return {};
  }
  st.db = std::move(*db);
  auto mailboxes = mailbox_store::open(*st.db);
  auto users = user_store::open(*st.db);
  // The copies' statements address the tables the mailbox store creates.
  auto copies = replica_store::open(*st.db);
  auto groups = group_store::open(*st.db);
  if (!mailboxes || !users || !copies || !groups) {
    auto err = !mailboxes ? mailboxes.error()
               : !users   ? users.error()
               : !copies  ? copies.error()
                          : groups.error();
    SPDLOG_LOGGER_ERROR(logs::store(), "event=schema_failed err={}", self->system().render(err));
    self->quit(err);
    return {};
  }
  st.mailboxes = std::move(*mailboxes);
  st.users = std::move(*users);
  st.copies = std::move(*copies);
  st.groups = std::move(*groups);
  // A WAL left by a crash (or by a version whose checkpoints never ran) is copied now,
  // before any commit waits behind it; the first commit then starts the WAL over.
  checkpoint_here(self, "open");
  st.checkpoints = std::make_unique<checkpointer>(settings.database, checkpoint_pause);
  if (auto waiting = st.mailboxes->count_waiting())
    SPDLOG_LOGGER_INFO(logs::store(), "event=opened file={} waiting={}",
                       settings.database.string(), *waiting);
  // Stop means: commit what is buffered (nothing acked depends on it, but nothing is
  // thrown away either), then go.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    flush_all(self);
    self->quit(msg.reason);
  });
  self->set_default_handler(log_unexpected(logs::store(), "store"));
  expire(self);
  self->delayed_send(self, expire_interval, expire_atom_v);
  return {
    [self](append_atom, const std::string& owner, const mailbox_item& item) {
      auto promise = answer_even_if_stopped(self->make_response_promise());
      buffer(self, append_op{to_row(owner, item), promise});
      return promise.later();
    },
    [self](status_atom, int64_t seq, receipt_status status) {
      buffer(self, status_op{seq, static_cast<int>(status)});
    },
    [self](erase_atom, int64_t seq) { buffer(self, erase_op{seq}); },
    [self](put_user_atom, const user_record& rec) {
      auto promise = answer_even_if_stopped(self->make_response_promise());
      buffer(self, put_user_op{user_row{rec.user, rec.key, rec.created, rec.last_seen}, promise});
      return promise.later();
    },
    [self](touch_atom, const std::string& user, int64_t last_seen) {
      self->state.touches.push_back(touch_op{user, last_seen});
      queue_flush(self);
    },
    [self](status_atom, std::string& owner, std::string& peer, std::string& group,
           std::string& id, receipt_status status) {
      buffer(self, keyed_op{false, std::move(owner), std::move(peer), std::move(group),
                            std::move(id), static_cast<int>(status)});
    },
    [self](erase_atom, std::string& owner, std::string& peer, std::string& group,
           std::string& id, receipt_status status) {
      buffer(self, keyed_op{true, std::move(owner), std::move(peer), std::move(group),
                            std::move(id), static_cast<int>(status)});
    },
    [self](dump_atom, const std::string& owner) -> caf::result<mailbox_copy> {
      commit_buffered(self);
      auto dump = self->state.copies->dump(owner);
      if (!dump)
        return std::move(dump.error());
      mailbox_copy out;
      for (auto& r : dump->messages)
        out.messages.push_back(to_item(std::move(r)));
      for (auto& r : dump->receipts)
        out.receipts.push_back(to_item(std::move(r)));
      return out;
    },
    [self](merge_atom, const std::string& owner, const mailbox_copy& copy) {
      mailbox_dump rows;
      for (const auto& m : copy.messages)
        rows.messages.push_back(to_row(owner, m));
      for (const auto& r : copy.receipts)
        rows.receipts.push_back(to_row(owner, r));
      auto promise = answer_even_if_stopped(self->make_response_promise());
      buffer(self, merge_op{owner, std::move(rows), promise});
      return promise.later();
    },
    [self](drop_atom, const std::string& owner) {
      auto promise = answer_even_if_stopped(self->make_response_promise());
      buffer(self, drop_op{owner, promise});
      return promise.later();
    },
    [self](owners_atom) -> caf::result<std::vector<std::string>> {
      commit_buffered(self);
      auto owners = self->state.copies->owners();
      if (!owners)
        return std::move(owners.error());
      return std::move(*owners);
    },
    [self](group_put_atom, const group_record& rec) {
      auto promise = answer_even_if_stopped(self->make_response_promise());
      buffer(self, group_put_op{to_row(rec), promise});
      return promise.later();
    },
    [self](group_get_atom, const std::string& gid) -> caf::result<group_record> {
      commit_buffered(self);
      auto found = self->state.groups->get(gid);
      if (!found)
        return std::move(found.error());
      if (!*found)
        return group_record{};
      return to_record(std::move(**found));
    },
    [self](group_list_atom) -> caf::result<std::vector<group_record>> {
      commit_buffered(self);
      auto rows = self->state.groups->load_all();
      if (!rows)
        return std::move(rows.error());
      std::vector<group_record> out;
      out.reserve(rows->size());
      for (auto& r : *rows)
        out.push_back(to_record(std::move(r)));
      return out;
    },
    [self](group_drop_atom, const std::string& gid) {
      auto promise = answer_even_if_stopped(self->make_response_promise());
      buffer(self, group_drop_op{gid, promise});
      return promise.later();
    },
    [self](caf::flush_atom) { flush(self); },
    [self](delay_atom, int64_t ms, int64_t seconds) {
      auto& st = self->state;
      st.delay = std::chrono::milliseconds{ms};
      st.delay_until = std::chrono::steady_clock::now() + std::chrono::seconds{seconds};
      SPDLOG_LOGGER_WARN(logs::store(), "event=delay_injected ms={} seconds={}", ms, seconds);
    },
    [self](load_atom, const std::string& owner) -> caf::result<mailbox_snapshot> {
      commit_buffered(self);
      auto& st = self->state;
      auto loaded = st.mailboxes->load(owner, delivered_kept_in_memory);
      if (!loaded)
        return std::move(loaded.error());
      auto known = st.users->exists(owner);
      if (!known)
        return std::move(known.error());
      mailbox_snapshot snap;
      snap.known_user = *known;
      for (auto& r : loaded->waiting)
        snap.waiting.push_back(to_item(std::move(r)));
      for (auto& r : loaded->delivered)
        snap.delivered.push_back(to_item(std::move(r)));
      return snap;
    },
    [self](find_atom, const std::string& owner, const std::string& peer,
           const std::string& group, const std::string& id) -> caf::result<mailbox_item> {
      commit_buffered(self);
      // Without a group, any conversation's: the one-to-one one comes first.
      auto found = group.empty() ? self->state.mailboxes->find_any_group(owner, peer, id)
                                 : self->state.mailboxes->find(owner, peer, group, id);
      if (!found)
        return std::move(found.error());
      if (!*found)
        return mailbox_item{};
      return to_item(std::move(**found));
    },
    [self](load_users_atom) -> caf::result<std::vector<user_record>> {
      flush_all(self);
      auto rows = self->state.users->load_all();
      if (!rows)
        return std::move(rows.error());
      std::vector<user_record> out;
      out.reserve(rows->size());
      for (auto& r : *rows)
        out.push_back(user_record{std::move(r.user), std::move(r.key), r.created, r.last_seen});
      return out;
    },
    [self](expire_atom) {
      expire(self);
      self->delayed_send(self, expire_interval, expire_atom_v);
    },
  };
}

namespace {

caf::actor register_store(caf::local_actor* sup, caf::actor handle) {
  register_as(sup->system(), store_name::value, handle);
  return handle;
}

} // namespace

caf::actor start_store(caf::local_actor* sup, const store_settings& settings,
                       node_metrics* metrics, bool detached) {
  if (!detached)
    return register_store(sup, sup->spawn<caf::linked>(store, settings, metrics));
  // On its own thread, the store yields to the CAF worker that wakes it: a commit can
  // wait for a free core, while a worker taken off its core stalls every session and
  // mailbox of the node (at 5,000 msg/s two of five of the worker's context switches
  // followed waking the store; docs/benchmarks.md). The checkpointer's thread, started
  // from the store's, inherits this.
  auto background_store = [](caf::stateful_actor<store_state>* self, store_settings s,
                             node_metrics* m) {
    if (!run_as_batch_thread())
      SPDLOG_LOGGER_WARN(logs::store(), "event=batch_scheduling_refused");
    return store(self, std::move(s), m);
  };
  return register_store(sup, sup->spawn<caf::linked + caf::detached>(background_store,
                                                                      settings, metrics));
}

} // namespace parley
