#include "bench/load_plan.hpp"

#include <sodium.h>

#include "bench/bench_frames.hpp"
#include "bench/server_probe.hpp"
#include "runtime/clock.hpp"

namespace parley::bench {

int usage_error(const char* tool, const std::string& line) {
  std::fprintf(stderr, "%s: %s\n", tool, line.c_str());
  return 2;
}

bool init_sodium() {
  return sodium_init() >= 0;
}

std::string prepare_plan(load_plan& plan, const node_targets& nodes, uint32_t users,
                         size_t body_bytes, const std::string& run) {
  for (const auto& server : nodes.servers) {
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(
      server.host == "localhost" ? "127.0.0.1" : server.host, ec);
    if (ec)
      return "--server: " + server.host + " is not an IP address";
    plan.servers.emplace_back(address, server.port);
    plan.host_headers.push_back(server.to_string());
  }
  for (int pid : nodes.server_pids)
    if (!read_proc_memory(pid))
      return "--server-pid: no readable /proc/" + std::to_string(pid) + "/status";
  for (uint32_t i = 0; i < users; ++i)
    plan.names.push_back(user_name(run, i));
  plan.body.assign(body_bytes, 'x');
  plan.origin_ns = steady_ns();
  return {};
}

} // namespace parley::bench
