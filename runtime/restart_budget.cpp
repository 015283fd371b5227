#include "runtime/restart_budget.hpp"

namespace parley {

bool restart_budget::try_restart(time_point now) {
  while (!recent_.empty() && now - recent_.front() > limit_.period)
    recent_.pop_front();
  if (recent_.size() >= limit_.max_restarts)
    return false;
  recent_.push_back(now);
  return true;
}

} // namespace parley
