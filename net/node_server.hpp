#pragma once

// A running node: the actor system with its supervision tree, the client and admin
// listeners on the io_context its CAF worker runs (runtime/io_worker_scheduler), and the
// orderly stop on SIGTERM / SIGINT.

#include <string>

#include "runtime/config.hpp"

namespace parley {

/// Runs the node until SIGTERM or SIGINT. Prints the `listening ...` lines and `ready`
/// on stdout. Returns the process exit code: 0 after a clean stop, 1 when the
/// supervision tree gave up, 2 when a listener could not be opened.
int run_node(const node_settings& settings, const std::string& secret);

} // namespace parley
