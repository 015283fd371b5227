#pragma once

// Joins N asynchronous answers: `countdown(n, then)` returns a callable that runs `then`
// on its n-th call (at once when n is 0). For actors that fan a request out to several
// peers and go on when all answered; copies of the callable share the count.

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

namespace parley {

inline std::function<void()> countdown(size_t n, std::function<void()> then) {
  if (n == 0) {
    then();
    return [] {};
  }
  // `then` lives beside the count: a copy of the callable copies one pointer, not
  // whatever `then` captured (a group's whole member list, once per member asked).
  auto state = std::make_shared<std::pair<size_t, std::function<void()>>>(n, std::move(then));
  return [state] {
    if (state->first > 0 && --state->first == 0)
      state->second();
  };
}

} // namespace parley
