#pragma once

// How Linux's scheduler should treat a thread of ours.

namespace parley {

/// Marks the calling thread as batch work (SCHED_BATCH): when something wakes it, it
/// takes a free core or waits for the running thread's time slice, instead of taking
/// the CPU from the thread that woke it. False if the system refused; any user may do
/// this for its own threads, so that means a platform without SCHED_BATCH.
bool run_as_batch_thread();

} // namespace parley
