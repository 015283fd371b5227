#include "bench/group_report.hpp"

#include "bench/report_lines.hpp"

namespace parley::bench {

namespace {

const window_labels labels{"group msgs", "member deliveries/s", "member delivery"};

void setup_lines(std::FILE* out, const group_report& r) {
  const auto& o = r.opts;
  const auto& t = r.totals;
  std::fprintf(out, "%-44s %u groups of %u members (%u users), body %zu B\n", "groups:", o.groups,
               o.group_size, o.users(), o.body_bytes);
  if (o.rate > 0)
    std::fprintf(out, "%-44s paced %.0f group msgs/s\n", "mode:", o.rate);
  else
    std::fprintf(out, "%-44s flat out, window %u group msgs per group\n", "mode:", o.window);
  if (o.servers.size() > 1)
    std::fprintf(out, "%-44s %zu nodes, users spread round-robin\n", "servers:",
                 o.servers.size());
  count_line(out, "users logged in", t.logged_in);
  count_line(out, "users failed to log in", t.login_failed);
  line(out, "login time", "%.2f", r.login_s, "s");
  count_line(out, "groups created", r.progress.created);
  count_line(out, "groups failed", r.progress.create_failed);
  line(out, "group creation time", "%.2f", r.setup_s, "s");
  memory_line(out, "groups created", r.mem_groups);
  // Memory the groups took, per member of a group.
  if (r.mem_groups && r.mem_logged_in && r.mem_groups->nodes == r.mem_logged_in->nodes
      && r.progress.created > 0)
    line(out, "server RSS per group member" + nodes_suffix(r.mem_groups->nodes, r.mem_groups->of),
         "%.2f",
         static_cast<double>(r.mem_groups->total.rss_kb - r.mem_logged_in->total.rss_kb)
           / (static_cast<double>(r.progress.created) * o.group_size),
         "KiB");
}

void window_lines(std::FILE* out, const group_report& r) {
  const auto& w = r.window;
  window_lines(out, w, r.window_s, r.jitter, labels);
  if (r.opts.rate > 0) {
    latency_lines(out, "pacing lag", w.pacing_lag);
    count_line(out, "slots skipped (every member waiting)", r.progress.skipped_slots);
  }
}

void delivery_lines(std::FILE* out, const group_report& r) {
  const auto& t = r.totals;
  const auto& d = r.deliveries;
  send_total_lines(out, t, " group msgs");
  count_line(out, "member deliveries expected (acked x others)", d.expected);
  count_line(out, "member deliveries of acked msgs", d.delivered);
  count_line(out, "acked, missing at a member after drain", d.lost);
  count_line(out, "delivered twice to a member", d.duplicates);
  count_line(out, "per-sender order violations", d.reordered);
  count_line(out, "delivered, never acked", d.delivered_unacked);
  count_line(out, "delivered outside the sender's group", d.misdelivered);
  count_line(out, "delivered, never sent by this run", d.unknown);
  count_line(out, "sends resent after unavailable", t.resent);
  count_line(out, "total receipts", t.receipts);
  count_line(out, "member deliveries without receipt", d.without_receipt);
  for (const auto& sample : d.samples)
    text_line(out, "sample", sample);
  count_line(out, "unexpected frames", t.unknown_frames);
}

} // namespace

void print_group_report(std::FILE* out, const group_report& r) {
  std::fprintf(out, "== parley-group-bench run %s ==\n", r.run.c_str());
  setup_lines(out, r);
  if (r.traffic) {
    window_lines(out, r);
    print_server_lines(out, r, r.totals.logged_in, r.opts.server_pids.size());
    delivery_lines(out, r);
  }
  problem_lines(out, r.totals);
  if (!r.traffic)
    return;
  latency_table(out, r.window, r.jitter, labels);
}

bool group_run_had_problems(const group_report& r) {
  const auto& t = r.totals;
  const auto& d = r.deliveries;
  return !r.traffic || t.login_failed > 0 || r.progress.create_failed > 0
         || !t.disconnects.empty() || !t.errors.empty() || t.send_errors > 0 || !r.drained
         || !d.clean() || d.without_receipt > 0;
}

} // namespace parley::bench
