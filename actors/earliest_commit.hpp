#pragma once

// Joins the answers of several mailbox commits of one message (a group send's nodes, a
// fanout's mailboxes): `done` runs once all answered, with the earliest time they
// reported (a repeat reports the time it was first stored), or with the first failure.
// Copies share the count, so each answer's handler may hold one.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "runtime/countdown.hpp"

namespace parley {

class earliest_commit {
public:
  earliest_commit(size_t answers, int64_t ts, std::function<void(caf::expected<int64_t>)> done)
    : result_(std::make_shared<result>(result{ts, {}})),
      one_done_(countdown(answers, [r = result_, done = std::move(done)] {
        if (r->failure)
          done(r->failure);
        else
          done(r->ts);
      })) {}

  void stored(int64_t ts) const {
    result_->ts = std::min(result_->ts, ts);
    one_done_();
  }

  void failed(caf::error err) const {
    if (!result_->failure)
      result_->failure = std::move(err);
    one_done_();
  }

private:
  struct result {
    int64_t ts;
    caf::error failure;
  };

  std::shared_ptr<result> result_;
  std::function<void()> one_done_;
};

/// Hands a join's outcome to whoever asked: the time, or the error.
template <class Promise>
void answer(const Promise& promise, caf::expected<int64_t>& outcome) {
  if (outcome)
    promise.deliver(*outcome);
  else
    promise.deliver(outcome.error());
}

} // namespace parley
