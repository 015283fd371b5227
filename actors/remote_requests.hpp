#pragma once

// Requests to other nodes that wait for their answer without a CAF timeout.
//
// A CAF request timeout costs the clock thread a wake-up when it is set and another when
// it fires, and the requesting actor a dead timeout message, answered or not: on the
// cluster bench that was 5-10% of a core per node (docs/benchmarks.md, session 6). An
// answer from a live node always comes (a request to an actor that is gone is bounced by
// CAF at once); what a timeout guarded against is a node that dies or is cut off with
// the request in flight. The membership notices that and the actor hears of it as a new
// cluster view, so these requests fail then, for every node the view shows down, and
// the caller retries as after a timeout. Whichever comes first, answer or failure, wins;
// the other is ignored.

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/error.hpp>
#include <caf/node_id.hpp>
#include <caf/sec.hpp>

#include "runtime/cluster_view.hpp"

namespace parley {

class remote_requests {
public:
  using failure = std::function<void(caf::error&)>;

  /// Tracks a request to an actor on `node`. The flag is set by whichever comes first:
  /// its answer (whose handler then calls settled()) or a failure from fail_gone().
  std::shared_ptr<bool> track(const caf::node_id& node, failure fail) {
    auto done = std::make_shared<bool>(false);
    entries_.push_back({node, done, std::move(fail)});
    return done;
  }

  /// The request whose flag is `done` got its answer: forget it (and what its failure
  /// handler holds, the message among it).
  void settled(const bool* done) {
    // Answers come mostly in the order of the requests: look from the front.
    auto i = std::find_if(entries_.begin(), entries_.end(),
                          [done](const entry& e) { return e.done.get() == done; });
    if (i != entries_.end())
      entries_.erase(i);
  }

  /// Fails, with request_timeout, every request still waiting on a node that `snap`
  /// shows down. Only a node known to be down: a request to one the view does not name
  /// (yet) waits, as any request to a live node does.
  void fail_gone(const cluster_snapshot& snap) {
    if (entries_.empty())
      return;
    auto down = nodes_shown_down(snap);
    if (down.empty())
      return;
    // Failure handlers retry, and their retries are tracked anew: work on what is moved
    // out of the list.
    std::vector<entry> failed;
    std::vector<entry> kept;
    for (auto& e : entries_)
      (down.count(e.node) != 0 ? failed : kept).push_back(std::move(e));
    entries_ = std::move(kept);
    for (auto& e : failed) {
      *e.done = true;
      caf::error err = caf::sec::request_timeout;
      e.fail(err);
    }
  }

  /// Requests waiting for their answer.
  size_t size() const { return entries_.size(); }

private:
  struct entry {
    caf::node_id node;
    std::shared_ptr<bool> done;
    failure fail;
  };

  std::vector<entry> entries_;
};

namespace detail {

template <class F, class Settle, class... Ts>
auto once_impl(std::shared_ptr<bool> done, F f, Settle settle, caf::detail::type_list<Ts...>) {
  return [done = std::move(done), f = std::move(f), settle](Ts... xs) mutable {
    if (*done)
      return;
    *done = true;
    settle();
    f(std::forward<Ts>(xs)...);
  };
}

} // namespace detail

/// `f` with the same parameters, run only if `done` is not set yet; it then sets it and
/// calls `settle()` first. CAF reads a handler's parameter types from its call operator,
/// so the wrapper repeats them exactly.
template <class F, class Settle>
auto once(std::shared_ptr<bool> done, F f, Settle settle) {
  using args = typename caf::detail::get_callable_trait<F>::arg_types;
  return detail::once_impl(std::move(done), std::move(f), std::move(settle), args{});
}

} // namespace parley
