#pragma once

// What a load tool's drivers share with its main thread: where to connect, who the users
// are, the message body, the clock's origin and whether the measured window is open.
// parley-bench's run_plan and parley-group-bench's group_plan add their options to it.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "bench/flag_parsing.hpp"

namespace parley::bench {

struct load_plan {
  std::vector<boost::asio::ip::tcp::endpoint> servers;
  std::vector<std::string> host_headers;  // by server
  std::vector<std::string> names;  // user ids, by user number
  std::string body;
  int64_t origin_ns = 0;           // send times in ids are relative to this
  std::atomic<bool> measuring{false};
};

/// Prints "<tool>: <line>" on stderr; returns 2, the status of a bad flag.
int usage_error(const char* tool, const std::string& line);
bool init_sodium();

/// What a tool's main() does first with its parsed flags: prints the help (exit 0) or the
/// bad flag's line (exit 2), and initialises libsodium for the login signatures. Nothing
/// means go on; otherwise main returns the status.
template <class Options>
std::optional<int> begin_tool(const char* tool, const parsed_flags<Options>& parsed,
                              const std::string& usage) {
  if (parsed.help) {
    std::fputs(usage.c_str(), stdout);
    return 0;
  }
  if (!parsed.opts)
    return usage_error(tool, parsed.error);
  if (!init_sodium())
    return usage_error(tool, "libsodium cannot initialise (no entropy source?)");
  return std::nullopt;
}

/// Resolves the nodes' client ports (checking that every server pid can be read), names
/// `users` users of run `run`, fills the body and starts the clock. An empty return means
/// the plan is ready; otherwise it is the line for stderr.
std::string prepare_plan(load_plan& plan, const node_targets& nodes, uint32_t users,
                         size_t body_bytes, const std::string& run);

} // namespace parley::bench
