#include "runtime/io_worker_scheduler.hpp"

namespace parley {

io_worker_policy::worker_data::worker_data(caf::scheduler::abstract_coordinator* parent)
  : io(static_cast<io_worker_coordinator*>(parent)->data().io) {
}

boost::asio::io_context& io_of(caf::actor_system& sys) {
  return *static_cast<io_worker_coordinator&>(sys.scheduler()).data().io;
}

} // namespace parley
