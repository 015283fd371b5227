#include "bench/report.hpp"

#include "bench/report_lines.hpp"

namespace parley::bench {

namespace {

const window_labels labels{"msg", "delivered msg/s", "end-to-end"};

void delivery_lines(std::FILE* out, const run_report& r) {
  const auto& t = r.totals;
  const auto& d = r.deliveries;
  send_total_lines(out, t, "");
  count_line(out, "total delivered", t.received);
  count_line(out, "total receipts", t.receipts);
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
  window_lines(out, w, r.window_s, r.jitter, labels);
  if (o.rate > 0)
    latency_lines(out, "pacing lag", w.pacing_lag);
  print_server_lines(out, r, t.logged_in, o.server_pids.size());
  delivery_lines(out, r);
  problem_lines(out, r.totals);
  if (o.failover())
    print_failover_report(out, r);
  latency_table(out, w, r.jitter, labels);
  slice_table(out, w, o.slice_s);
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
  files_line(out, r, r.opts.server_pids.size());
  memory_line(out, "before connecting", r.mem_before);
  memory_line(out, "all logged in", r.mem_logged_in);
  per_user_lines(out, r, t.logged_in);
  problem_lines(out, r.totals);
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
