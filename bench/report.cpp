#include "bench/report.hpp"

#include "bench/report_lines.hpp"

namespace parley::bench {

namespace {

void table_row(std::FILE* out, const char* name, const latency_histogram& h) {
  std::fprintf(out, "  %-24s", name);
  for (const auto& [label, q] : quantiles)
    std::fprintf(out, " %8.3f", ms(h.percentile(q)));
  std::fprintf(out, " %8.3f %10llu\n", ms(h.max()), static_cast<unsigned long long>(h.count()));
}

void memory_lines(std::FILE* out, const char* when, const std::optional<memory_sum>& m) {
  if (!m)
    return;
  line(out, std::string{"server RSS "} + when + nodes_suffix(m->nodes, m->of), "%.1f",
       m->total.rss_kb / 1024.0, "MiB");
}

void files_line(std::FILE* out, const run_report& r) {
  if (r.server_files)
    count_line(out, "server open files, all logged in"
                      + nodes_suffix(r.opts.server_pids.size(), r.opts.server_pids.size()),
               *r.server_files);
}

// Per user, only when the same nodes were read before and after: a sum over fewer nodes
// at one end would make a difference of nothing.
void per_user_lines(std::FILE* out, const run_report& r, const std::optional<memory_sum>& after) {
  if (!r.mem_before || !after || r.totals.logged_in == 0 || r.mem_before->nodes != after->nodes)
    return;
  auto users = static_cast<double>(r.totals.logged_in);
  auto suffix = nodes_suffix(after->nodes, after->of);
  line(out, "server RSS per connected user" + suffix, "%.2f",
       (after->total.rss_kb - r.mem_before->total.rss_kb) / users, "KiB");
  line(out, "server RssAnon per connected user" + suffix, "%.2f",
       (after->total.anon_kb - r.mem_before->total.anon_kb) / users, "KiB");
}

void metrics_error_lines(std::FILE* out, const run_report& r) {
  for (const auto* s : {&r.metrics_start, &r.metrics_end, &r.metrics_drained})
    for (const auto& error : s->errors)
      text_line(out, "server metrics", error);
}

// " (metrics)", or " (metrics, sum of 3 nodes)" over a cluster; `extra` goes after
// "metrics".
std::string metrics_tag(const metrics_sums& s, const char* extra = "") {
  auto nodes = nodes_suffix(s.nodes, s.of);  // " (sum of ...)"
  return " (metrics" + std::string{extra} + (nodes.empty() ? ")" : ", " + nodes.substr(2));
}

void metrics_lines(std::FILE* out, const run_report& r) {
  metrics_error_lines(out, r);
  auto window = sum_common({&r.metrics_start, &r.metrics_end});
  if (window.nodes > 0 && r.metrics_s > 0) {
    const auto& start = window.sums[0];
    const auto& end = window.sums[1];
    auto tag = metrics_tag(window);
    auto rate = [&](const char* name) { return (end.get(name) - start.get(name)) / r.metrics_s; };
    line(out, "server acked msg/s" + tag, "%.0f", rate("parley_messages_acked_total"), "");
    line(out, "server delivered msg/s" + tag, "%.0f", rate("parley_messages_delivered_total"), "");
    line(out, "server receipts/s" + tag, "%.0f", rate("parley_receipts_total"), "");
    for (const auto& [label, q] : quantiles)
      if (auto s = ack_quantile_between(start, end, q))
        line(out, std::string{"server ack latency "} + label
                    + metrics_tag(window, ", bucket edge"), "%.3f", *s * 1e3, "ms");
    line(out, "server actor restarts in window" + tag, "%.0f",
         end.get("parley_actor_restarts_total") - start.get("parley_actor_restarts_total"), "");
  }
  auto at_end = sum_common({&r.metrics_end});
  if (at_end.nodes > 0)
    line(out, "server mailbox depth at window end" + metrics_tag(at_end), "%.0f",
         at_end.sums[0].get("parley_mailbox_depth"), "");
  auto drained = sum_common({&r.metrics_drained});
  if (drained.nodes > 0)
    line(out, "server mailbox depth after drain" + metrics_tag(drained), "%.0f",
         drained.sums[0].get("parley_mailbox_depth"), "");
}

void cpu_lines(std::FILE* out, const run_report& r) {
  if (r.server_cpu)
    line(out, "server CPU" + nodes_suffix(r.server_cpu->nodes, r.server_cpu->of), "%.2f",
         r.server_cpu->seconds / r.window_s, "cores");
  if (r.bench_cpu_s)
    line(out, "bench CPU", "%.2f", *r.bench_cpu_s / r.window_s, "cores");
}

void delivery_lines(std::FILE* out, const run_report& r) {
  const auto& t = r.totals;
  const auto& d = r.deliveries;
  count_line(out, "total sent", t.sent);
  count_line(out, "total acked", t.acked);
  count_line(out, "total sends refused", t.send_errors);
  count_line(out, "total delivered", t.received);
  count_line(out, "total receipts", t.receipts);
  count_line(out, "unacked after drain",
             t.sent > t.acked + t.send_errors ? t.sent - t.acked - t.send_errors : 0);
  count_line(out, "acked but not delivered after drain", d.lost);
  count_line(out, "delivered without receipt after drain", d.without_receipt);
  if (r.opts.failover() || t.resent > 0) {
    count_line(out, "sends resent with their id", t.resent);
    count_line(out, "delivered, ack never seen", d.delivered_unacked);
    count_line(out, "msgs pushed again (dropped by sender, id)", t.duplicate_msgs);
    count_line(out, "receipts pushed again (dropped)", t.duplicate_receipts);
    count_line(out, "acks repeated", t.duplicate_acks);
  }
  if (d.delivered_refused > 0)
    count_line(out, "delivered although refused", d.delivered_refused);
  if (d.misdelivered > 0)
    count_line(out, "delivered to the wrong user", d.misdelivered);
  if (d.unknown > 0)
    count_line(out, "delivered, never sent by this run", d.unknown);
  count_line(out, "per-pair delivery order violations", d.order_violations);
  count_line(out, std::string{"per-pair ack order violations"}
                    + (r.opts.failover() ? " (allowed after a kill)" : ""),
             d.ack_order_violations);
  for (const auto& sample : d.samples)
    text_line(out, "sample", sample);
  count_line(out, "unexpected frames", t.unknown_frames);
}

void problem_lines(std::FILE* out, const run_report& r) {
  const auto& t = r.totals;
  for (const auto& [code, n] : t.errors)
    count_line(out, "error " + code, n);
  for (const auto& [why, n] : t.disconnects)
    count_line(out, "disconnect " + why, n);
  if (t.errors.empty() && t.disconnects.empty())
    text_line(out, "errors", "none");
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
  if (o.servers.size() > 1)
    std::fprintf(out, "%-44s %zu nodes, users spread round-robin\n", "servers:",
                 o.servers.size());
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
  cpu_lines(out, r);
  metrics_lines(out, r);
  files_line(out, r);
  memory_lines(out, "before connecting", r.mem_before);
  memory_lines(out, "all logged in", r.mem_logged_in);
  memory_lines(out, "after the run", r.mem_after);
  per_user_lines(out, r, r.mem_logged_in);
  delivery_lines(out, r);
  problem_lines(out, r);
  if (o.failover())
    print_failover_report(out, r);
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
  text_line(out, "mode", r.opts.idle
                           ? "idle (user-space memory only: kernel socket buffers are not in RSS)"
                           : "no traffic: fewer than 2 users logged in");
  count_line(out, "users logged in", t.logged_in);
  count_line(out, "users failed to log in", t.login_failed);
  line(out, "login time", "%.2f", r.login_s, "s");
  if (r.login_s > 0)
    line(out, "logins/s", "%.0f", t.logged_in / r.login_s, "");
  if (r.server_cpu && r.window_s > 0)
    line(out, "server CPU while idle" + nodes_suffix(r.server_cpu->nodes, r.server_cpu->of),
         "%.2f", r.server_cpu->seconds / r.window_s, "cores");
  auto at_end = sum_common({&r.metrics_end});
  if (at_end.nodes > 0)
    line(out, "server sessions" + metrics_tag(at_end), "%.0f",
         at_end.sums[0].get("parley_sessions"), "");
  metrics_error_lines(out, r);
  files_line(out, r);
  memory_lines(out, "before connecting", r.mem_before);
  memory_lines(out, "all logged in", r.mem_logged_in);
  per_user_lines(out, r, r.mem_logged_in);
  problem_lines(out, r);
}

bool run_had_problems(const run_report& r) {
  const auto& t = r.totals;
  const auto& d = r.deliveries;
  const auto& f = r.failover;
  bool failover = r.opts.failover();
  bool unavailable = t.errors.count("unavailable") > 0;  // retried; expected after a kill
  bool delivery = d.lost > 0 || d.order_violations > 0 || d.misdelivered > 0 || d.unknown > 0
                  || d.delivered_refused > 0 || (!failover && d.ack_order_violations > 0);
  bool failover_failed = failover
                         && (!r.kill_s || f.gave_up > 0 || f.reconnected < f.cut
                             || f.cut_served.count() < f.cut);
  return t.login_failed > 0 || !t.disconnects.empty() || delivery || failover_failed
         || (!r.opts.idle && !r.drained) || t.send_errors > 0 || (!failover && unavailable);
}

} // namespace parley::bench
