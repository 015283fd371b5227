#include "runtime/thread_priority.hpp"

#include <sched.h>

namespace parley {

bool run_as_batch_thread() {
#ifdef SCHED_BATCH
  sched_param param{};
  param.sched_priority = 0;
  // pid 0: the calling thread (Linux applies scheduling policies per thread).
  return sched_setscheduler(0, SCHED_BATCH, &param) == 0;
#else
  return false;
#endif
}

} // namespace parley
