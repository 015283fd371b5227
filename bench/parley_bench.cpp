// parley-bench: the load generator. Logs in many users over WebSocket from one process,
// to one node or spread over a cluster's nodes, drives one-to-one traffic (every msg
// answered with `delivered`), and prints throughput, latency percentiles beside the VM's
// own wake-up jitter, the nodes' memory per user and their own counters for comparison.
// A failover run SIGKILLs one node mid-window and times how soon its clients are served
// again elsewhere. See bench/README.md.

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <unistd.h>

#include "bench/bench_frames.hpp"
#include "bench/jitter_probe.hpp"
#include "bench/load_driver.hpp"
#include "bench/report.hpp"
#include "runtime/clock.hpp"

namespace {

using namespace parley::bench;
using clock_type = std::chrono::steady_clock;
using drivers = std::vector<std::unique_ptr<load_driver>>;

constexpr auto poll_every = std::chrono::milliseconds{20};
constexpr auto drain_limit = std::chrono::seconds{10};
constexpr auto close_limit = std::chrono::seconds{5};

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

run_totals all_totals(drivers& ds) {
  run_totals sum;
  std::vector<std::future<run_totals>> parts;
  for (auto& d : ds)
    parts.push_back(d->totals());
  for (auto& p : parts)
    sum.merge(p.get());
  return sum;
}

// Polls the drivers until `done` holds or `limit` passes; true if it held.
template <class Pred>
bool wait_for(drivers& ds, clock_type::duration limit, Pred done, run_totals& last) {
  auto deadline = clock_type::now() + limit;
  for (;;) {
    last = all_totals(ds);
    if (done(last))
      return true;
    if (clock_type::now() >= deadline)
      return false;
    std::this_thread::sleep_for(poll_every);
  }
}

clock_type::duration seconds(double s) {
  return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
}

// The failover kill. Its time is published first, so a driver that sees a connection cut
// already knows the kill caused it.
void kill_node(run_plan& plan, clock_type::time_point window_start, run_report& r) {
  auto pid = plan.opts.failover_kill_pid;
  auto kill_ns = parley::steady_ns() - plan.origin_ns;
  plan.kill_ns.store(kill_ns, std::memory_order_release);
  r.kill_s = seconds_since(window_start);
  r.kill_run_s = static_cast<double>(kill_ns) / 1e9;
  if (::kill(pid, SIGKILL) != 0) {
    r.kill_error = "kill(" + std::to_string(pid) + ", SIGKILL): " + std::strerror(errno);
    plan.kill_ns.store(-1, std::memory_order_release);
    r.kill_s.reset();
  }
  std::fprintf(stderr, "parley-bench: %s node pid %d at +%.3f s\n",
               r.kill_s ? "killed" : "could not kill", pid, seconds_since(window_start));
}

void measure_traffic(run_plan& plan, drivers& ds, run_report& r) {
  const auto& o = plan.opts;
  jitter_probe probe;
  probe.start();
  for (auto& d : ds)
    d->start_traffic();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));

  plan.window_start_ns.store(parley::steady_ns() - plan.origin_ns, std::memory_order_release);
  plan.measuring.store(true);
  probe.measure(true);
  auto t0 = clock_type::now();
  window_reader reader{o, r};
  reader.open();

  if (o.failover()) {
    std::this_thread::sleep_until(t0 + seconds(o.failover_at_s));
    kill_node(plan, t0, r);
  }
  std::this_thread::sleep_until(t0 + seconds(o.duration_s));
  plan.measuring.store(false);
  probe.measure(false);
  r.window_s = seconds_since(t0);
  reader.close();

  std::vector<std::future<window_stats>> parts;
  for (auto& d : ds)
    parts.push_back(d->take_window());
  for (auto& p : parts)
    r.window.merge(p.get());
  for (auto& d : ds)
    d->stop_traffic();
  std::fprintf(stderr, "parley-bench: measured; draining\n");
  r.drained = wait_for(ds, drain_limit, [](const run_totals& t) { return t.settled(); },
                       r.totals);
  reader.after_drain();
  r.jitter = probe.stop();
  for (auto& d : ds)
    r.failover.merge(d->failover().get());
}

// After the drivers stopped: every message of the run, from both ends.
delivery_findings check_all(const run_plan& plan, drivers& ds) {
  std::vector<std::vector<sent_record>*> sent(plan.opts.users, nullptr);
  std::vector<arrival> arrivals;
  for (auto& d : ds) {
    d->lend_records(sent);
    arrivals.insert(arrivals.end(), d->arrivals().begin(), d->arrivals().end());
  }
  return check_deliveries(sent, arrivals, plan.names);
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto parsed = parse_options(argc, argv);
  if (auto status = begin_tool("parley-bench", parsed, usage()))
    return *status;

  auto plan = std::make_unique<run_plan>();
  plan->opts = *parsed.opts;
  const auto& o = plan->opts;
  run_report r;
  r.opts = o;
  r.run = run_tag(6);
  if (auto err = prepare_plan(*plan, o, o.users, o.body_bytes, r.run); !err.empty())
    return usage_error("parley-bench", err);
  r.mem_before = nodes_memory(o);

  drivers ds;
  for (unsigned t = 0; t < o.threads; ++t) {
    uint32_t first = o.users * t / o.threads;
    uint32_t last = o.users * (t + 1) / o.threads;
    ds.push_back(std::make_unique<load_driver>(*plan, first, last - first));
  }
  for (auto& d : ds) {
    d->start();
    d->log_in_all();
  }
  std::fprintf(stderr, "parley-bench: run %s, logging in %u users\n", r.run.c_str(), o.users);
  auto login_start = clock_type::now();
  auto login_limit = std::chrono::seconds{30 + o.users / 100};
  wait_for(ds, login_limit,
           [&](const run_totals& t) { return t.logged_in + t.login_failed >= o.users; },
           r.totals);
  r.login_s = seconds_since(login_start);
  std::fprintf(stderr, "parley-bench: %llu logged in, %llu failed, in %.2f s\n",
               static_cast<unsigned long long>(r.totals.logged_in),
               static_cast<unsigned long long>(r.totals.login_failed), r.login_s);

  r.server_files = sum_open_files(o.server_pids);
  if (o.idle) {
    // Let the node finish what each login started before its memory is read.
    auto cpu0 = cpu_seconds(o.server_pids);
    auto settle_start = clock_type::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.settle_s));
    auto cpu1 = cpu_seconds(o.server_pids);
    r.window_s = seconds_since(settle_start);
    r.server_cpu = cpu_between(cpu0, cpu1);
    r.mem_logged_in = nodes_memory(o);
    r.metrics_end = scrape_all(o.admins);
    r.totals = all_totals(ds);
  } else if (r.totals.logged_in >= 2) {
    r.mem_logged_in = nodes_memory(o);
    measure_traffic(*plan, ds, r);
  } else {
    std::fprintf(stderr, "parley-bench: fewer than 2 users logged in; no traffic to measure\n");
  }

  for (auto& d : ds)
    d->close_all();
  run_totals closing;
  if (!wait_for(ds, close_limit, [](const run_totals& t) { return t.open == 0; }, closing))
    std::fprintf(stderr, "parley-bench: %llu connections did not close within %lld s\n",
                 static_cast<unsigned long long>(closing.open),
                 static_cast<long long>(close_limit.count()));
  // Disconnects and errors seen while closing belong to the report too.
  r.totals.errors = closing.errors;
  r.totals.disconnects = closing.disconnects;
  for (auto& d : ds)
    d->stop();
  if (!o.idle)
    r.deliveries = check_all(*plan, ds);

  if (o.idle || r.totals.logged_in < 2)
    print_idle_report(stdout, r);
  else
    print_traffic_report(stdout, r);
  return run_had_problems(r) ? 1 : 0;
}
