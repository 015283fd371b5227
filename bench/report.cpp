#include "bench/report.hpp"

namespace parley::bench {

namespace {

struct quantile {
  const char* label;
  double q;
};
constexpr quantile quantiles[] = {{"p50", 0.5}, {"p99", 0.99}, {"p99.9", 0.999},
                                  {"p99.99", 0.9999}};

double ms(int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

void line(std::FILE* out, const std::string& label, const char* fmt, double value,
          const char* unit) {
  std::fprintf(out, "%-44s ", (label + ":").c_str());
  std::fprintf(out, fmt, value);
  std::fprintf(out, *unit ? " %s\n" : "%s\n", unit);
}

void count_line(std::FILE* out, const std::string& label, uint64_t n) {
  std::fprintf(out, "%-44s %llu\n", (label + ":").c_str(), static_cast<unsigned long long>(n));
}

void latency_lines(std::FILE* out, const std::string& name, const latency_histogram& h) {
  for (const auto& [label, q] : quantiles)
    line(out, name + " " + label, "%.3f", ms(h.percentile(q)), "ms");
  line(out, name + " max", "%.3f", ms(h.max()), "ms");
}

void table_row(std::FILE* out, const char* name, const latency_histogram& h) {
  std::fprintf(out, "  %-24s", name);
  for (const auto& [label, q] : quantiles)
    std::fprintf(out, " %8.3f", ms(h.percentile(q)));
  std::fprintf(out, " %8.3f %10llu\n", ms(h.max()), static_cast<unsigned long long>(h.count()));
}

void memory_lines(std::FILE* out, const char* when, const std::optional<proc_memory>& m) {
  if (!m)
    return;
  line(out, std::string{"server RSS "} + when, "%.1f", m->rss_kb / 1024.0, "MiB");
}

void files_line(std::FILE* out, const run_report& r) {
  if (r.server_files)
    count_line(out, "server open files, all logged in", *r.server_files);
}

void per_user_lines(std::FILE* out, const run_report& r, const std::optional<proc_memory>& after) {
  if (!r.mem_before || !after || r.totals.logged_in == 0)
    return;
  auto users = static_cast<double>(r.totals.logged_in);
  line(out, "server RSS per connected user", "%.2f",
       (after->rss_kb - r.mem_before->rss_kb) / users, "KiB");
  line(out, "server RssAnon per connected user", "%.2f",
       (after->anon_kb - r.mem_before->anon_kb) / users, "KiB");
}

void metrics_lines(std::FILE* out, const run_report& r) {
  if (!r.metrics_error.empty())
    std::fprintf(out, "%-44s %s\n", "server metrics:", r.metrics_error.c_str());
  if (!r.metrics_start || !r.metrics_end || r.metrics_s <= 0)
    return;
  auto rate = [&](const char* name) {
    return (r.metrics_end->get(name) - r.metrics_start->get(name)) / r.metrics_s;
  };
  line(out, "server acked msg/s (metrics)", "%.0f", rate("parley_messages_acked_total"), "");
  line(out, "server delivered msg/s (metrics)", "%.0f", rate("parley_messages_delivered_total"), "");
  line(out, "server receipts/s (metrics)", "%.0f", rate("parley_receipts_total"), "");
  for (const auto& [label, q] : quantiles)
    if (auto s = ack_quantile_between(*r.metrics_start, *r.metrics_end, q))
      line(out, std::string{"server ack latency "} + label + " (metrics, bucket edge)", "%.3f",
           *s * 1e3, "ms");
  line(out, "server actor restarts in window (metrics)", "%.0f",
       r.metrics_end->get("parley_actor_restarts_total")
         - r.metrics_start->get("parley_actor_restarts_total"), "");
  line(out, "server mailbox depth at window end (metrics)", "%.0f",
       r.metrics_end->get("parley_mailbox_depth"), "");
  if (r.metrics_drained)
    line(out, "server mailbox depth after drain (metrics)", "%.0f",
         r.metrics_drained->get("parley_mailbox_depth"), "");
}

void problem_lines(std::FILE* out, const run_report& r) {
  const auto& t = r.totals;
  for (const auto& [code, n] : t.errors)
    count_line(out, "error " + code, n);
  for (const auto& [why, n] : t.disconnects)
    count_line(out, "disconnect " + why, n);
  if (t.errors.empty() && t.disconnects.empty())
    std::fprintf(out, "%-44s none\n", "errors:");
}

} // namespace

void print_traffic_report(std::FILE* out, const run_report& r) {
  const auto& o = r.opts;
  const auto& w = r.window;
  const auto& t = r.totals;
  std::fprintf(out, "== parley-bench run %s ==\n", r.run.c_str());
  if (o.rate > 0)
    std::fprintf(out, "%-44s paced %.0f msg/s, body %zu B\n", "mode:", o.rate, o.body_bytes);
  else
    std::fprintf(out, "%-44s flat out, window %u per user, body %zu B\n", "mode:", o.window,
                 o.body_bytes);
  count_line(out, "users logged in", t.logged_in);
  count_line(out, "users failed to log in", t.login_failed);
  line(out, "login time", "%.2f", r.login_s, "s");
  line(out, "measured", "%.2f", r.window_s, "s (after warmup)");
  line(out, "acked msg/s", "%.0f", w.acked / r.window_s, "");
  line(out, "delivered msg/s", "%.0f", w.received / r.window_s, "");
  line(out, "receipts/s", "%.0f", w.receipts / r.window_s, "");
  line(out, "sent msg/s", "%.0f", w.sent / r.window_s, "");
  latency_lines(out, "ack latency", w.ack);
  latency_lines(out, "end-to-end latency", w.e2e);
  latency_lines(out, "receipt latency", w.receipt);
  latency_lines(out, "vm jitter (1 ms sleep, lateness)", r.jitter);
  if (o.rate > 0)
    latency_lines(out, "pacing lag", w.pacing_lag);
  if (r.server_cpu_s)
    line(out, "server CPU", "%.2f", *r.server_cpu_s / r.window_s, "cores");
  if (r.bench_cpu_s)
    line(out, "bench CPU", "%.2f", *r.bench_cpu_s / r.window_s, "cores");
  metrics_lines(out, r);
  files_line(out, r);
  memory_lines(out, "before connecting", r.mem_before);
  memory_lines(out, "all logged in", r.mem_logged_in);
  memory_lines(out, "after the run", r.mem_after);
  per_user_lines(out, r, r.mem_logged_in);
  count_line(out, "total sent", t.sent);
  count_line(out, "total acked", t.acked);
  count_line(out, "total sends refused", t.send_errors);
  count_line(out, "total delivered", t.received);
  count_line(out, "total receipts", t.receipts);
  count_line(out, "unacked after drain", t.sent > t.acked + t.send_errors
                                           ? t.sent - t.acked - t.send_errors : 0);
  count_line(out, "acked but not delivered after drain",
             t.acked > t.received ? t.acked - t.received : 0);
  count_line(out, "delivered without receipt after drain",
             t.received > t.receipts ? t.received - t.receipts : 0);
  if (t.order_checked) {
    count_line(out, "per-pair delivery order violations", t.order_violations);
    count_line(out, "per-pair ack order violations", t.ack_order_violations);
  } else {
    std::fprintf(out, "%-44s %s\n", "per-pair order checks:", "off (over 2,000 users)");
  }
  for (const auto& sample : t.order_samples)
    std::fprintf(out, "%-44s %s\n", "order violation:", sample.c_str());
  count_line(out, "unexpected frames", t.unknown_frames);
  problem_lines(out, r);
  std::fprintf(out, "latency (ms)                    p50      p99    p99.9   p99.99      max"
                    "    samples\n");
  table_row(out, "ack", w.ack);
  table_row(out, "end-to-end", w.e2e);
  table_row(out, "receipt", w.receipt);
  table_row(out, "vm jitter (1 ms sleep)", r.jitter);
}

void print_idle_report(std::FILE* out, const run_report& r) {
  const auto& t = r.totals;
  std::fprintf(out, "== parley-bench run %s ==\n", r.run.c_str());
  std::fprintf(out, "%-44s %s\n", "mode:",
               r.opts.idle ? "idle (user-space memory only: kernel socket buffers are not in RSS)"
                           : "no traffic: fewer than 2 users logged in");
  count_line(out, "users logged in", t.logged_in);
  count_line(out, "users failed to log in", t.login_failed);
  line(out, "login time", "%.2f", r.login_s, "s");
  if (r.login_s > 0)
    line(out, "logins/s", "%.0f", t.logged_in / r.login_s, "");
  if (r.server_cpu_s && r.window_s > 0)
    line(out, "server CPU while idle", "%.2f", *r.server_cpu_s / r.window_s, "cores");
  if (r.metrics_end)
    line(out, "server sessions (metrics)", "%.0f", r.metrics_end->get("parley_sessions"), "");
  if (!r.metrics_error.empty())
    std::fprintf(out, "%-44s %s\n", "server metrics:", r.metrics_error.c_str());
  files_line(out, r);
  memory_lines(out, "before connecting", r.mem_before);
  memory_lines(out, "all logged in", r.mem_logged_in);
  per_user_lines(out, r, r.mem_logged_in);
  problem_lines(out, r);
}

bool run_had_problems(const run_report& r) {
  const auto& t = r.totals;
  return t.login_failed > 0 || !t.disconnects.empty() || t.order_violations > 0
         || t.ack_order_violations > 0
         || (!r.opts.idle && !r.drained) || t.send_errors > 0;
}

} // namespace parley::bench
