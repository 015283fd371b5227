#pragma once

// Joins N asynchronous answers: `countdown(n, then)` returns a callable that runs `then`
// on its n-th call (at once when n is 0). For actors that fan a request out to several
// peers and go on when all answered; copies of the callable share the count.

#include <cstddef>
#include <functional>
#include <memory>

namespace parley {

inline std::function<void()> countdown(size_t n, std::function<void()> then) {
  if (n == 0) {
    then();
    return [] {};
  }
  auto left = std::make_shared<size_t>(n);
  return [left, then = std::move(then)] {
    if (*left > 0 && --*left == 0)
      then();
  };
}

} // namespace parley
