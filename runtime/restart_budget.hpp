#pragma once

// Restart intensity as in OTP: at most `max_restarts` restarts within `period`; one more
// and the supervisor gives up and escalates to its parent.

#include <chrono>
#include <cstddef>
#include <deque>

namespace parley {

struct restart_intensity {
  size_t max_restarts = 3;
  std::chrono::milliseconds period{5000};
};

class restart_budget {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit restart_budget(restart_intensity limit) : limit_(limit) {}

  /// Records a restart at `now`. Returns false when it exceeds the intensity.
  bool try_restart(time_point now);

  size_t recent() const { return recent_.size(); }

private:
  restart_intensity limit_;
  std::deque<time_point> recent_;
};

} // namespace parley
