#pragma once

// Finds the mailbox actor of a user and remembers it. Mailboxes are virtual actors: they
// stop when idle and restart after a crash, so a remembered handle can go stale. A request
// to a stale handle fails with request_receiver_down; request_mailbox then asks the
// mailbox supervisor again, once.
//
// While a user's mailbox is being looked up, later sends to that user wait behind the
// lookup: were they sent as soon as the cache is filled, they would overtake the sends
// still waiting for their own lookups, and a pair's messages would arrive out of order.

#include <functional>
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
#include "runtime/errors.hpp"

namespace parley {

class mailbox_router {
public:
  explicit mailbox_router(size_t capacity = 1024) : capacity_(capacity) {}

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
  size_t capacity_;
  std::unordered_map<std::string, caf::actor> cache_;
  std::unordered_map<std::string, std::vector<waiter>> lookups_;
};

/// Requests between actors of one node carry no timeout: the receiver answers, or dies
/// and CAF answers for it with an error. A timeout costs an entry in CAF's clock per
/// request (a locked tree, kept until it fires), which at tens of thousands of messages
/// a second cost a fifth of a core and grew the heap. Only waits that may legitimately
/// stay unanswered (long polls) take one.
inline const caf::duration local_request{caf::infinite};

/// Resolves the mailbox of `user` through the node's mailbox supervisor.
template <class Self, class F, class OnError>
void resolve_mailbox(Self* self, mailbox_router& router, const std::string& user, F f,
                     OnError on_error) {
  if (auto mb = router.cached(user)) {
    f(mb);
    return;
  }
  if (!router.wait_for(user, {std::move(f), std::move(on_error)}))
    return;
  auto sup = registered(self->system(), mailboxes_name::value);
  if (!sup) {
    caf::error err = caf::make_error(errc::unavailable, "mailbox supervisor not running");
    for (auto& w : router.finish(user))
      w.failed(err);
    return;
  }
  self->request(sup, local_request, ensure_child_atom_v, mailbox_child_id(user))
    .then(
      [&router, user](caf::actor& mb) {
        router.remember(user, mb);
        for (auto& w : router.finish(user))
          w.found(mb);
      },
      [&router, user](caf::error& err) {
        for (auto& w : router.finish(user))
          w.failed(err);
      });
}

/// Sends `msg` as a request to the mailbox of `user` and hands the reply to `on_reply`
/// (a handler taking the reply's types) or the failure to `on_error`.
template <class Self, class OnReply, class OnError>
void request_mailbox(Self* self, mailbox_router& router, const std::string& user,
                     caf::message msg, OnReply on_reply, OnError on_error,
                     caf::duration timeout = local_request,
                     int attempts = 2) {
  resolve_mailbox(
    self, router, user,
    [self, &router, user, msg, on_reply, on_error, timeout, attempts](caf::actor mb) mutable {
      self->request(mb, timeout, msg)
        .then(on_reply, [self, &router, user, msg, on_reply, on_error, timeout,
                         attempts](caf::error& err) mutable {
          if (attempts > 1 && err == caf::sec::request_receiver_down) {
            router.forget(user);
            request_mailbox(self, router, user, std::move(msg), std::move(on_reply),
                            std::move(on_error), timeout, attempts - 1);
            return;
          }
          on_error(err);
        });
    },
    on_error);
}

} // namespace parley
