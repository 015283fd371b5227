#include "runtime/io_worker_scheduler.hpp"

#include <future>

#include <boost/asio/post.hpp>

namespace parley {

io_worker_policy::worker_data::worker_data(caf::scheduler::abstract_coordinator* parent)
  : io(static_cast<io_worker_coordinator*>(parent)->data().io) {
}

boost::asio::io_context& io_of(caf::actor_system& sys) {
  return *static_cast<io_worker_coordinator&>(sys.scheduler()).data().io;
}

namespace {

// Runs f on the worker thread, with its data, and waits for it.
template <class F>
auto on_worker(caf::actor_system& sys, F f) {
  auto& coordinator = static_cast<io_worker_coordinator&>(sys.scheduler());
  auto& data = coordinator.worker_by_id(0)->data();
  std::packaged_task<decltype(f(data))()> task{[&] { return f(data); }};
  auto result = task.get_future();
  boost::asio::post(*data.io, [&task] { task(); });
  return result.get();
}

} // namespace

bool run_on_worker(caf::actor_system& sys, worker_multiplexer& mux) {
  return on_worker(sys, [&mux](io_worker_policy::worker_data& data) {
    if (!mux.start_on(*data.io))
      return false;
    data.mux = &mux;
    return true;
  });
}

void take_back_from_worker(caf::actor_system& sys, worker_multiplexer& mux) {
  auto caller = std::this_thread::get_id();
  on_worker(sys, [&mux, caller](io_worker_policy::worker_data& data) {
    data.mux = nullptr;
    mux.hand_over(caller);
  });
}

} // namespace parley
