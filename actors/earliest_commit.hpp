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

namespace parley {

class earliest_commit {
public:
  earliest_commit(size_t answers, int64_t ts, std::function<void(caf::expected<int64_t>)> done)
    : state_(std::make_shared<state>(state{answers, ts, {}, std::move(done)})) {
    if (answers == 0)
      finish();
  }

  void stored(int64_t ts) const {
    state_->ts = std::min(state_->ts, ts);
    one_done();
  }

  void failed(caf::error err) const {
    if (!state_->failure)
      state_->failure = std::move(err);
    one_done();
  }

private:
  struct state {
    size_t left;
    int64_t ts;
    caf::error failure;
    std::function<void(caf::expected<int64_t>)> done;
  };

  void one_done() const {
    if (state_->left > 0 && --state_->left == 0)
      finish();
  }

  void finish() const {
    if (state_->failure)
      state_->done(state_->failure);
    else
      state_->done(state_->ts);
  }

  std::shared_ptr<state> state_;
};

} // namespace parley
