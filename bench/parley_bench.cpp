// parley-bench: the load generator. Logs in many users over WebSocket from one process,
// drives one-to-one traffic (every msg answered with `delivered`), and prints throughput,
// latency percentiles beside the VM's own wake-up jitter, the node's memory per user and
// the node's own counters for comparison. See bench/README.md.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <sodium.h>
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

int usage_error(const std::string& line) {
  std::fprintf(stderr, "parley-bench: %s\n", line.c_str());
  return 2;
}

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

std::optional<proc_memory> memory(const options& o) {
  return o.server_pid ? read_proc_memory(o.server_pid) : std::nullopt;
}

std::optional<metrics_sample> scrape(const options& o, run_report& r) {
  if (!o.admin)
    return std::nullopt;
  std::string error;
  auto m = fetch_metrics(*o.admin, error);
  if (!m)
    r.metrics_error = error;
  return m;
}

void measure_traffic(run_plan& plan, drivers& ds, run_report& r) {
  const auto& o = plan.opts;
  jitter_probe probe;
  probe.start();
  for (auto& d : ds)
    d->start_traffic();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));

  plan.measuring.store(true);
  probe.measure(true);
  auto t0 = clock_type::now();
  auto server_cpu0 = o.server_pid ? read_proc_cpu_seconds(o.server_pid) : std::nullopt;
  auto bench_cpu0 = read_proc_cpu_seconds(::getpid());
  auto m0_at = clock_type::now();
  r.metrics_start = scrape(o, r);
  m0_at += (clock_type::now() - m0_at) / 2;

  std::this_thread::sleep_until(t0 + std::chrono::duration_cast<clock_type::duration>(
                                       std::chrono::duration<double>(o.duration_s)));
  plan.measuring.store(false);
  probe.measure(false);
  r.window_s = seconds_since(t0);
  auto server_cpu1 = o.server_pid ? read_proc_cpu_seconds(o.server_pid) : std::nullopt;
  auto bench_cpu1 = read_proc_cpu_seconds(::getpid());
  auto m1_at = clock_type::now();
  r.metrics_end = scrape(o, r);
  m1_at += (clock_type::now() - m1_at) / 2;
  r.metrics_s = std::chrono::duration<double>(m1_at - m0_at).count();
  if (server_cpu0 && server_cpu1)
    r.server_cpu_s = *server_cpu1 - *server_cpu0;
  if (bench_cpu0 && bench_cpu1)
    r.bench_cpu_s = *bench_cpu1 - *bench_cpu0;

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
  r.metrics_drained = scrape(o, r);
  r.mem_after = memory(o);
  r.jitter = probe.stop();
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto parsed = parse_options(argc, argv);
  if (parsed.help) {
    std::fputs(usage(), stdout);
    return 0;
  }
  if (!parsed.opts)
    return usage_error(parsed.error);
  if (sodium_init() < 0)
    return usage_error("libsodium cannot initialise (no entropy source?)");

  auto plan = std::make_unique<run_plan>();
  plan->opts = *parsed.opts;
  const auto& o = plan->opts;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(o.server.host == "localhost" ? "127.0.0.1"
                                                                            : o.server.host, ec);
  if (ec)
    return usage_error("--server: " + o.server.host + " is not an IP address");
  plan->server = {address, o.server.port};
  plan->host_header = o.server.to_string();
  if (o.server_pid && !read_proc_memory(o.server_pid))
    return usage_error("--server-pid: no readable /proc/" + std::to_string(o.server_pid)
                       + "/status");

  run_report r;
  r.opts = o;
  r.run = run_tag(6);
  for (uint32_t i = 0; i < o.users; ++i)
    plan->names.push_back(user_name(r.run, i));
  plan->body.assign(o.body_bytes, 'x');
  plan->origin_ns = parley::steady_ns();
  r.mem_before = memory(o);

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

  if (o.server_pid)
    r.server_files = count_open_files(o.server_pid);
  if (o.idle) {
    // Let the node finish what each login started before its memory is read.
    auto cpu0 = o.server_pid ? read_proc_cpu_seconds(o.server_pid) : std::nullopt;
    auto settle_start = clock_type::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.settle_s));
    auto cpu1 = o.server_pid ? read_proc_cpu_seconds(o.server_pid) : std::nullopt;
    r.window_s = seconds_since(settle_start);
    if (cpu0 && cpu1)
      r.server_cpu_s = *cpu1 - *cpu0;
    r.mem_logged_in = memory(o);
    r.metrics_end = scrape(o, r);
    r.totals = all_totals(ds);
  } else if (r.totals.logged_in >= 2) {
    r.mem_logged_in = memory(o);
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

  if (o.idle || r.totals.logged_in < 2)
    print_idle_report(stdout, r);
  else
    print_traffic_report(stdout, r);
  return run_had_problems(r) ? 1 : 0;
}
