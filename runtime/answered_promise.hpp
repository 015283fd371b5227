#pragma once

// A response promise that is answered even when the actor holding it dies.
//
// CAF 0.17 drops a response promise without a word when the actor holding it stops (a
// crash, an exit message) while it waits for something else, such as a commit. Our
// requests carry no timeout (actors/placement.hpp), so the requester would wait for
// ever: a client's `send` got neither `ack` nor error until it reconnected. Copies of an
// answered_promise share one CAF promise; when the last copy goes with nothing
// delivered, it delivers request_receiver_down, the error CAF gives for a request to an
// actor that is gone: routers then try the restarted actor (the store dedups a resend),
// and a client that hears of it gets `unavailable` and may resend the same id
// (PROTOCOL.md 3). It goes when the actor's state and handlers are destroyed on exit,
// while the actor can still send.

#include <memory>
#include <utility>

#include <caf/error.hpp>
#include <caf/sec.hpp>

namespace parley {

template <class Promise>
class answered_promise {
public:
  explicit answered_promise(Promise promise,
                            caf::error if_stopped = caf::make_error(caf::sec::request_receiver_down))
    : held_(std::make_shared<holder>(std::move(promise), std::move(if_stopped))) {}

  /// Answers, unless this copy was moved from: its answer went with the move (a failed
  /// commit fails every write it took, some of whose promises moved on already).
  template <class... Ts>
  void deliver(Ts&&... xs) const {
    if (held_)
      held_->promise.deliver(std::forward<Ts>(xs)...);
  }

  bool pending() const { return held_ && held_->promise.pending(); }

  /// What a handler returns to say that the answer comes later.
  const Promise& later() const { return held_->promise; }

private:
  struct holder {
    holder(Promise p, caf::error e) : promise(std::move(p)), if_stopped(std::move(e)) {}
    holder(const holder&) = delete;
    holder& operator=(const holder&) = delete;
    ~holder() {
      if (promise.pending())
        promise.deliver(std::move(if_stopped));
    }
    Promise promise;
    caf::error if_stopped;
  };

  std::shared_ptr<holder> held_;
};

/// Wraps `promise`, made by self->make_response_promise().
template <class Promise>
answered_promise<Promise> answer_even_if_stopped(Promise promise) {
  return answered_promise<Promise>{std::move(promise)};
}

/// The same, answering `if_stopped` instead: for a request that must not be retried
/// blindly on the restarted actor (routers retry after request_receiver_down), such as
/// a change that may have landed before the actor died.
template <class Promise>
answered_promise<Promise> answer_even_if_stopped(Promise promise, caf::error if_stopped) {
  return answered_promise<Promise>{std::move(promise), std::move(if_stopped)};
}

} // namespace parley
