// parley-group-bench: group fan-out under load. Logs in group-size x groups users from one
// process (to one node, or spread over a cluster's nodes), has the first member of each
// group create it with the others, then drives group messages: every member answers each
// msg with `delivered`. Prints acked group messages/s, member deliveries/s and per-member
// delivery latency percentiles beside the VM's own wake-up jitter, the nodes' CPU, memory
// and counters, and checks that every member got every acked message of its group once,
// in its sender's order. See bench/README.md.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>


#include "bench/bench_frames.hpp"
#include "bench/group_driver.hpp"
#include "bench/group_report.hpp"
#include "bench/jitter_probe.hpp"
#include "runtime/clock.hpp"

namespace {

using namespace parley::bench;
using clock_type = std::chrono::steady_clock;

constexpr auto poll_every = std::chrono::milliseconds{20};
constexpr auto drain_limit = std::chrono::seconds{15};
constexpr auto close_limit = std::chrono::seconds{5};

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Polls the driver until `done` holds or `limit` passes; true if it held.
template <class Pred>
bool wait_for(group_driver& d, clock_type::duration limit, Pred done) {
  auto deadline = clock_type::now() + limit;
  for (;;) {
    if (done(d.totals().get(), d.progress().get()))
      return true;
    if (clock_type::now() >= deadline)
      return false;
    std::this_thread::sleep_for(poll_every);
  }
}

// Every send answered, every acked message at each other member, a receipt for each.
bool settled(const run_totals& t, uint32_t group_size) {
  return t.acked + t.send_errors >= t.sent && t.received >= t.acked * (group_size - 1)
         && t.receipts >= t.received;
}

void measure_traffic(group_plan& plan, group_driver& d, group_report& r) {
  const auto& o = plan.opts;
  jitter_probe probe;
  probe.start();
  d.start_traffic();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));

  plan.measuring.store(true);
  probe.measure(true);
  auto t0 = clock_type::now();
  window_reader reader{o, r};
  reader.open();
  std::this_thread::sleep_until(t0 + std::chrono::duration_cast<clock_type::duration>(
                                       std::chrono::duration<double>(o.duration_s)));
  plan.measuring.store(false);
  probe.measure(false);
  r.window_s = seconds_since(t0);
  reader.close();
  r.window = d.take_window().get();
  d.stop_traffic();

  std::fprintf(stderr, "parley-group-bench: measured; draining\n");
  r.drained = wait_for(d, drain_limit, [&](const run_totals& t, const group_progress&) {
    return settled(t, o.group_size);
  });
  reader.after_drain();
  r.jitter = probe.stop();
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto parsed = parse_group_options(argc, argv);
  if (auto status = begin_tool("parley-group-bench", parsed, group_usage()))
    return *status;

  auto plan = std::make_unique<group_plan>();
  plan->opts = *parsed.opts;
  const auto& o = plan->opts;
  group_report r;
  r.opts = o;
  r.run = run_tag(6);
  if (auto err = prepare_plan(*plan, o, o.users(), o.body_bytes, r.run); !err.empty())
    return usage_error("parley-group-bench", err);
  r.mem_before = nodes_memory(o);

  group_driver d{*plan};
  d.start();
  d.log_in_all();
  std::fprintf(stderr, "parley-group-bench: run %s, logging in %u users\n", r.run.c_str(),
               o.users());
  auto login_start = clock_type::now();
  wait_for(d, std::chrono::seconds{30 + o.users() / 100},
           [&](const run_totals& t, const group_progress&) {
             return t.logged_in + t.login_failed >= o.users();
           });
  r.login_s = seconds_since(login_start);
  r.totals = d.totals().get();
  std::fprintf(stderr, "parley-group-bench: %llu logged in, %llu failed, in %.2f s\n",
               static_cast<unsigned long long>(r.totals.logged_in),
               static_cast<unsigned long long>(r.totals.login_failed), r.login_s);

  r.server_files = sum_open_files(o.server_pids);
  r.mem_logged_in = nodes_memory(o);
  if (r.totals.logged_in == o.users()) {
    d.create_groups();
    auto setup_start = clock_type::now();
    wait_for(d, std::chrono::seconds{30 + o.groups / 10},
             [&](const run_totals&, const group_progress& p) {
               return p.created + p.create_failed >= o.groups;
             });
    r.setup_s = seconds_since(setup_start);
    r.progress = d.progress().get();
    std::fprintf(stderr, "parley-group-bench: %u groups created, %u failed, in %.2f s\n",
                 r.progress.created, r.progress.create_failed, r.setup_s);
  }
  r.mem_groups = nodes_memory(o);
  if (r.progress.created == o.groups) {
    r.traffic = true;
    measure_traffic(*plan, d, r);
  } else {
    std::fprintf(stderr, "parley-group-bench: not every user or group is ready; no traffic\n");
  }

  d.close_all();
  if (!wait_for(d, close_limit,
                [](const run_totals& t, const group_progress&) { return t.open == 0; }))
    std::fprintf(stderr, "parley-group-bench: connections did not close within %lld s\n",
                 static_cast<long long>(close_limit.count()));
  // Errors and disconnects seen while closing belong to the report too.
  auto closing = d.totals().get();
  r.progress = d.progress().get();
  d.stop();
  r.totals = closing;
  if (r.traffic)
    r.deliveries = d.check();

  print_group_report(stdout, r);
  return group_run_had_problems(r) ? 1 : 0;
}
