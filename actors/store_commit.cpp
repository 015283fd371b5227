#include "actors/store_state.hpp"

// The store's group commit: everything buffered while the last commit ran goes into the
// next transaction, answers go out once it committed, and the WAL is started over when
// it has grown past its limit.

#include <algorithm>
#include <iterator>
#include <type_traits>
#include <utility>
#include <variant>

#include <caf/actor_system.hpp>

#include "actors/messages.hpp"
#include "runtime/logging.hpp"

namespace parley::store_detail {

namespace {

// The directory saves every changed last_seen at once (a thousand rows every few seconds
// under load): spread over several commits, they never hold a message's commit for long.
constexpr size_t touches_per_commit = 64;
// A write dirties about two pages. Once a transaction has dirtied the whole page cache
// (2,000 pages), SQLite writes pages to the WAL one at a time before the commit and, at
// the commit, reads each back to rewrite its checksum. A store that fell behind took up
// to a thousand writes into one transaction and paid that; smaller ones never do.
constexpr size_t max_ops_per_commit = 256;
// WAL frames (1 KiB pages) that make a commit ask for a background checkpoint (a
// quarter of the restart limit if that is less: the restart waits for a pass to end
// after the WAL filled, and a small limit fills before one asked for late has run),
// and the longest a commit waits for one otherwise.
constexpr int frames_before_a_pass = 512;
constexpr auto max_time_before_a_pass = std::chrono::seconds{1};

using reply_list = std::vector<std::pair<store_promise, caf::message>>;

caf::expected<stored_ref> append_row(store_state& st, const mailbox_row& row) {
  if (row.kind == static_cast<int>(item_kind::receipt)) {
    auto seq = st.mailboxes->append_receipt(row);
    if (!seq)
      return std::move(seq.error());
    return stored_ref{*seq, row.ts, static_cast<receipt_status>(row.status), false};
  }
  auto res = st.mailboxes->append_message(row);
  if (!res)
    return std::move(res.error());
  return stored_ref{res->seq, res->ts, static_cast<receipt_status>(res->status),
                    res->duplicate};
}

// Changes name items committed in earlier messages: an item moves on only after its
// append was answered, which waits for its copies.
caf::error raise_statuses(store_state& st, const std::vector<item_change>& changes) {
  for (const auto& c : changes)
    if (auto err = st.copies->raise_status(c.owner, c.peer, c.group, c.id,
                                           static_cast<int>(c.status)))
      return err;
  return caf::none;
}

// Applies one buffered write inside the open transaction.
caf::error apply(store_state& st, write_op& op, reply_list& replies) {
  return std::visit(
    [&](auto& w) -> caf::error {
      using T = std::decay_t<decltype(w)>;
      if constexpr (std::is_same_v<T, append_op>) {
        auto ref = append_row(st, w.row);
        if (!ref)
          return std::move(ref.error());
        replies.emplace_back(std::move(w.promise), caf::make_message(*ref));
        return caf::none;
      } else if constexpr (std::is_same_v<T, copies_op>) {
        for (const auto& row : w.rows)
          if (auto ref = append_row(st, row); !ref)
            return std::move(ref.error());
        if (auto err = raise_statuses(st, w.changes))
          return err;
        replies.emplace_back(std::move(w.promise), caf::make_message());
        return caf::none;
      } else if constexpr (std::is_same_v<T, changes_op>) {
        return raise_statuses(st, w.changes);
      } else if constexpr (std::is_same_v<T, status_op>) {
        return st.mailboxes->set_status(w.seq, w.status);
      } else if constexpr (std::is_same_v<T, erase_op>) {
        return st.mailboxes->erase_receipt(w.seq);
      } else if constexpr (std::is_same_v<T, receipt_erase_op>) {
        return st.copies->erase_receipt(w.owner, w.peer, w.group, w.id, w.status);
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

// Whether a buffered write is answered (has a promise): a write type added later is
// answered on failure without being listed here.
template <class T, class = void>
struct answered_write : std::false_type {};
template <class T>
struct answered_write<T, std::void_t<decltype(std::declval<T&>().promise)>> : std::true_type {};

void fail_all(std::vector<write_op>& ops, const caf::error& err) {
  for (auto& op : ops)
    std::visit(
      [&err](auto& w) {
        if constexpr (answered_write<std::decay_t<decltype(w)>>::value)
          w.promise.deliver(err);
      },
      op);
}

} // namespace

bool checkpoint_here(self_ptr self, const char* why) {
  auto done = self->state.db->checkpoint();
  if (!done) {
    SPDLOG_LOGGER_WARN(logs::store(), "event=checkpoint_failed at={} err={}", why,
                       self->system().render(done.error()));
    return false;
  }
  return *done;
}

namespace {

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
  // A background pass once the WAL holds a few hundred KiB, else a second after this
  // commit (a pass syncs the WAL first: with --sync=normal that bounds what a power cut
  // loses), not after every commit: at a few messages a second every commit had a pass
  // (and every second an fsync) run beside the next one, and the commits on an ack's
  // path took 1-2.5 ms instead of 0.05-0.3 (server ack p50 4.4 ms at 10 msg/s). Under
  // load the WAL fills that much within a pause of the checkpointer's (100 ms), so its
  // passes keep their pace.
  if (st.db->wal_frames() >= std::min(frames_before_a_pass, st.wal_restart_frames / 4)) {
    st.checkpoints->request();
  } else if (!st.pass_timer_set) {
    st.pass_timer_set = true;
    self->delayed_send(self, max_time_before_a_pass, caf::tick_atom_v);
  }
  restart_wal_when_due(self);
}

} // namespace

void pass_timer_fired(self_ptr self) {
  self->state.pass_timer_set = false;
  self->state.checkpoints->request();
}

void flush(self_ptr self) {
  self->state.flush_queued = false;
  commit_next(self);
}

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

// Other reads need only commit_buffered.
void flush_all(self_ptr self) {
  while (!self->state.batch.empty() || !self->state.touches.empty())
    commit_next(self);
}

void buffer(self_ptr self, write_op op) {
  self->state.batch.push_back(std::move(op));
  queue_flush(self);
}

} // namespace parley::store_detail
