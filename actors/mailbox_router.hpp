#pragma once

// Finds the mailbox actor of a user and remembers it. Mailboxes are virtual actors: they
// stop when idle and restart after a crash, so a remembered handle can go stale. A request
// to a stale handle fails with request_receiver_down; request_mailbox then asks the
// mailbox supervisor again, once.

#include <string>
#include <unordered_map>
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

private:
  size_t capacity_;
  std::unordered_map<std::string, caf::actor> cache_;
};

/// How long to wait for a mailbox to answer: its answer waits for an SQLite commit.
constexpr auto mailbox_timeout = std::chrono::seconds{10};

/// Resolves the mailbox of `user` through the node's mailbox supervisor.
template <class Self, class F, class OnError>
void resolve_mailbox(Self* self, mailbox_router& router, const std::string& user, F f,
                     OnError on_error) {
  if (auto mb = router.cached(user)) {
    f(mb);
    return;
  }
  auto sup = registered(self->system(), mailboxes_name::value);
  if (!sup) {
    caf::error err = caf::make_error(errc::unavailable, "mailbox supervisor not running");
    on_error(err);
    return;
  }
  self->request(sup, mailbox_timeout, ensure_child_atom_v, mailbox_child_id(user))
    .then(
      [&router, user, f](caf::actor& mb) mutable {
        router.remember(user, mb);
        f(mb);
      },
      [on_error](caf::error& err) mutable { on_error(err); });
}

/// Sends `msg` as a request to the mailbox of `user` and hands the reply to `on_reply`
/// (a handler taking the reply's types) or the failure to `on_error`.
template <class Self, class OnReply, class OnError>
void request_mailbox(Self* self, mailbox_router& router, const std::string& user,
                     caf::message msg, OnReply on_reply, OnError on_error,
                     caf::duration timeout = caf::duration{mailbox_timeout},
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
