#include "actors/store.hpp"

// The store's handlers, its start and its periodic expiry; the group commit that its
// writes go through is store_commit.cpp.

#include <chrono>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/mailbox_queue.hpp"
#include "actors/store_state.hpp"
#include "runtime/clock.hpp"
#include "runtime/logging.hpp"
#include "runtime/thread_priority.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

using namespace store_detail;

namespace {

// At most ten checkpoints a second: each ends with an fsync of the database file.
constexpr auto checkpoint_pause = std::chrono::milliseconds{100};
constexpr auto expire_interval = std::chrono::minutes{5};
constexpr int64_t dedup_window_ms = 24LL * 3600 * 1000;
constexpr int64_t expiry_ms = 30LL * 24 * 3600 * 1000;

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
    // Copies of what a primary's mailboxes committed (actors/copier.hpp): answered once
    // committed here.
    [self](replicate_atom, const std::vector<copied_item>& items,
           std::vector<item_change>& changes) {
      std::vector<mailbox_row> rows;
      rows.reserve(items.size());
      for (const auto& c : items)
        rows.push_back(to_row(c.owner, c.item));
      auto promise = answer_even_if_stopped(self->make_response_promise());
      buffer(self, copies_op{std::move(rows), std::move(changes), promise});
      return promise.later();
    },
    // Changes alone: sent, not requested, so nothing is answered.
    [self](replicate_atom, std::vector<item_change>& changes) {
      buffer(self, changes_op{std::move(changes)});
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
    [self](erase_atom, std::string& owner, std::string& peer, std::string& group,
           std::string& id, receipt_status status) {
      buffer(self, receipt_erase_op{std::move(owner), std::move(peer), std::move(group),
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
    [self](caf::tick_atom) { pass_timer_fired(self); },
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
  return register_store(sup, sup->spawn<caf::linked + caf::detached>(
                               background_store, settings, metrics));
}

} // namespace parley
