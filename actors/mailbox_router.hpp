#pragma once

// Finds the mailbox actor of a user (or, with group_actors, the actor of a group) and
// remembers it. Mailboxes and groups are virtual actors: they stop when idle and restart
// after a crash, so a remembered handle can go stale. A request to a stale handle fails
// with request_receiver_down; request_mailbox then asks the supervisor again, once.
//
// While a user's mailbox is being looked up, later sends to that user wait behind the
// lookup: were they sent as soon as the cache is filled, they would overtake the sends
// still waiting for their own lookups, and a pair's messages would arrive out of order.

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/duration.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

#include "actors/messages.hpp"
#include "actors/placement.hpp"
#include "actors/remote_requests.hpp"
#include "runtime/errors.hpp"

namespace parley {

/// Which virtual actors a router finds: the supervisor that starts them on a key's
/// primary node, the child id of a key, and the index of those running here.
struct virtual_actor_kind {
  caf::atom_value supervisor;
  std::string (*child_id)(const std::string& key);
  const char* child_prefix;  // child_id(key) is this prefix, then the key
  child_index local_virtual_actors::*running;
};

inline const virtual_actor_kind mailbox_actors{mailboxes_name::value, &mailbox_child_id,
                                               "mailbox:", &local_virtual_actors::mailboxes};
inline const virtual_actor_kind group_actors{groups_name::value, &group_child_id, "group:",
                                             &local_virtual_actors::groups};

class mailbox_router {
public:
  explicit mailbox_router(size_t capacity = 1024,
                          const virtual_actor_kind& kind = mailbox_actors)
    : capacity_(capacity), kind_(kind) {}

  const virtual_actor_kind& kind() const { return kind_; }

  /// Places users by `view` (none: every mailbox is local) and finds the actors running
  /// on this node in `local` (none: asks their supervisor).
  void use(const cluster_view* view, const local_virtual_actors* local = nullptr) {
    view_ = view;
    running_ = local ? &(local->*kind_.running) : nullptr;
  }

  /// Requests to other nodes go without a CAF timeout and fail when a cluster view shows
  /// their node down (remote_requests). Only for actors that call view_changed() on
  /// every new view: sessions and mailboxes hear of each one.
  void track_remote_requests() { track_remote_ = true; }
  remote_requests* tracked() { return track_remote_ ? &remote_ : nullptr; }

  /// A new cluster view: requests to nodes it shows down fail now.
  void view_changed() {
    if (view_)
      remote_.fail_gone(snapshot_.current(view_));
  }
  const cluster_view* view() const { return view_; }

  /// Forgets every handle found under an older cluster snapshot: mailboxes may have
  /// moved to other nodes since.
  void check_epoch() {
    if (view_ && view_->epoch() != epoch_) {
      cache_.clear();
      epoch_ = view_->epoch();
    }
  }

  caf::actor cached(const std::string& user) const {
    auto i = cache_.find(user);
    return i == cache_.end() ? caf::actor{} : i->second;
  }

  void remember(const std::string& user, caf::actor mailbox) {
    if (cache_.size() >= capacity_)
      cache_.clear();  // crude but bounded: the next sends re-resolve
    cache_[user] = std::move(mailbox);
  }

  void forget(const std::string& user) { cache_.erase(user); }

  /// The actor of `key` if it runs on this node, which is the key's primary now, and no
  /// lookup of it by this router is under way (later sends must not overtake the sends
  /// waiting for that lookup).
  caf::actor running_here(const std::string& key) const {
    if (!running_ || lookups_.count(key) != 0)
      return {};
    // The child id is built in a buffer kept for it: this runs for most sends.
    child_id_.assign(kind_.child_prefix).append(key);
    auto handle = running_->find(child_id_);
    if (!handle || !is_primary_here(snapshot_.current(view_), key))
      return {};
    return handle;
  }

  struct waiter {
    std::function<void(caf::actor)> found;
    std::function<void(caf::error&)> failed;
  };

  /// Queues `w` behind a lookup of `user`. True if none was under way: start one.
  bool wait_for(const std::string& user, waiter w) {
    auto [i, fresh] = lookups_.try_emplace(user);
    i->second.push_back(std::move(w));
    return fresh;
  }

  /// The waiters of a finished lookup, in the order they came.
  std::vector<waiter> finish(const std::string& user) {
    std::vector<waiter> out;
    if (auto i = lookups_.find(user); i != lookups_.end()) {
      out = std::move(i->second);
      lookups_.erase(i);
    }
    return out;
  }

private:
  const cluster_view* view_ = nullptr;
  const child_index* running_ = nullptr;
  mutable snapshot_cache snapshot_;
  uint64_t epoch_ = 0;
  size_t capacity_;
  virtual_actor_kind kind_;
  bool track_remote_ = false;
  remote_requests remote_;
  mutable std::string child_id_;
  std::unordered_map<std::string, caf::actor> cache_;
  std::unordered_map<std::string, std::vector<waiter>> lookups_;
};


/// Resolves the mailbox of `user` through the mailbox supervisor of its primary node.
/// A router made on first use: idle sessions and mailboxes hold none (memory per idle
/// session is a target, docs/benchmarks.md).
class lazy_router {
public:
  mailbox_router& get(const cluster_view* view, const local_virtual_actors* local,
                      size_t capacity, const virtual_actor_kind& kind = mailbox_actors,
                      bool track_remote = false) {
    if (!router_) {
      router_ = std::make_unique<mailbox_router>(capacity, kind);
      router_->use(view, local);
      if (track_remote)
        router_->track_remote_requests();
    }
    return *router_;
  }

  /// The router if one was made.
  mailbox_router* existing() { return router_.get(); }

private:
  std::unique_ptr<mailbox_router> router_;
};

/// Sends `msg` as a request to `dest`; the answer goes to `on_reply`, a failure to
/// `on_error`. With a `tracker` and `dest` on another node, the request has no CAF
/// timeout and fails when that node leaves the cluster view (remote_requests);
/// otherwise `remote_timeout` applies across nodes and none here.
template <class Self, class OnReply, class OnError>
void request_across(Self* self, remote_requests* tracker, const caf::actor& dest,
                    caf::duration remote_timeout, caf::message msg, OnReply on_reply,
                    OnError on_error) {
  if (dest.node() == self->node()) {
    self->request(dest, local_request, std::move(msg))
      .then(std::move(on_reply), std::move(on_error));
  } else if (tracker) {
    auto done = tracker->track(dest.node(), on_error);
    auto settle = [tracker, flag = done.get()] { tracker->settled(flag); };
    self->request(dest, caf::infinite, std::move(msg))
      .then(once(done, std::move(on_reply), settle), once(done, std::move(on_error), settle));
  } else {
    self->request(dest, remote_timeout, std::move(msg))
      .then(std::move(on_reply), std::move(on_error));
  }
}

/// Asks the supervisor of `kind` on the primary node of `key` for the actor of `key`,
/// started there if need be: `found` gets its handle, `failed` the error.
template <class Self, class Found, class Failed>
void ask_supervisor_for(Self* self, const cluster_view* view, const virtual_actor_kind& kind,
                        const std::string& key, caf::duration remote_timeout, Found found,
                        Failed failed, remote_requests* tracker = nullptr) {
  auto snap = snapshot_of(view);
  auto node = snap->primary(key);
  auto sup = node.empty() ? caf::actor{}
                          : service_on(self->system(), *snap, node, kind.supervisor);
  if (!sup) {
    caf::error err = caf::make_error(errc::unavailable, "no supervisor for " + key);
    failed(err);
    return;
  }
  request_across(self, tracker, sup, remote_timeout,
                 caf::make_message(ensure_child_atom_v, kind.child_id(key)), std::move(found),
                 std::move(failed));
}

/// `ask_supervisor` skips the index of actors running here: after a request to a handle
/// found there failed, only the supervisor knows whether that actor is gone.
template <class Self, class F, class OnError>
void resolve_mailbox(Self* self, mailbox_router& router, const std::string& user, F f,
                     OnError on_error, caf::duration remote_timeout = remote_request,
                     bool ask_supervisor = false) {
  router.check_epoch();
  if (auto mb = router.cached(user)) {
    f(mb);
    return;
  }
  if (!ask_supervisor) {
    if (auto mb = router.running_here(user)) {
      // Remembered: until a request to it fails, later sends follow this one to the same
      // handle. Read afresh each time, the index could change under a send that is
      // still bouncing off a stopped mailbox, and the next send would overtake its retry.
      router.remember(user, mb);
      f(mb);
      return;
    }
  }
  if (!router.wait_for(user, {std::move(f), std::move(on_error)}))
    return;
  ask_supervisor_for(
    self, router.view(), router.kind(), user, remote_timeout,
    [&router, user](caf::actor& mb) {
      router.remember(user, mb);
      for (auto& w : router.finish(user))
        w.found(mb);
    },
    [&router, user](caf::error& err) {
      for (auto& w : router.finish(user))
        w.failed(err);
    },
    router.tracked());
}

/// True for failures after which the same request may succeed at a mailbox found anew:
/// the mailbox stopped or moved, or its node went away.
inline bool mailbox_gone(const caf::error& err) {
  return err == caf::sec::request_receiver_down || err == caf::sec::request_timeout;
}

/// Sends `msg` as a request to the mailbox of `user` and hands the reply to `on_reply`
/// (a handler taking the reply's types) or the failure to `on_error`. `timeout` applies
/// to mailboxes on this node (and, when finite, everywhere); mailboxes elsewhere get
/// `remote_timeout` otherwise.
template <class Self, class OnReply, class OnError>
void request_mailbox(Self* self, mailbox_router& router, const std::string& user,
                     caf::message msg, OnReply on_reply, OnError on_error,
                     caf::duration timeout = local_request,
                     int attempts = 3, caf::duration remote_timeout = remote_request,
                     bool ask_supervisor = false) {
  resolve_mailbox(
    self, router, user,
    [self, &router, user, msg, on_reply, on_error, timeout, attempts,
     remote_timeout](caf::actor mb) mutable {
      auto failed = [self, &router, user, msg, on_reply, on_error, timeout, attempts,
                     remote_timeout](caf::error& err) mutable {
        if (attempts > 1 && mailbox_gone(err)) {
          router.forget(user);
          request_mailbox(self, router, user, std::move(msg), std::move(on_reply),
                          std::move(on_error), timeout, attempts - 1, remote_timeout, true);
          return;
        }
        on_error(err);
      };
      // A caller's own (finite) timeout is a long poll's: it holds across nodes too.
      if (timeout.valid())
        self->request(mb, timeout, msg).then(on_reply, std::move(failed));
      else
        request_across(self, router.tracked(), mb, remote_timeout, msg, on_reply,
                       std::move(failed));
    },
    // The lookup itself failed: the node serving the user died, or is slow to answer.
    [self, &router, user, msg, on_reply, on_error, timeout, attempts,
     remote_timeout](caf::error& err) mutable {
      if (attempts > 1 && mailbox_gone(err)) {
        request_mailbox(self, router, user, std::move(msg), std::move(on_reply),
                        std::move(on_error), timeout, attempts - 1, remote_timeout, true);
        return;
      }
      on_error(err);
    },
    remote_timeout, ask_supervisor);
}

} // namespace parley
