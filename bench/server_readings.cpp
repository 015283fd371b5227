#include "bench/server_readings.hpp"

#include <unistd.h>

#include "bench/report_lines.hpp"

namespace parley::bench {

namespace {

using clock_type = std::chrono::steady_clock;

// A scrape of several nodes takes a while: its moment is taken as the middle.
clock_type::time_point scrape_into(metrics_scrape& s, const std::vector<endpoint>& admins) {
  auto before = clock_type::now();
  s = scrape_all(admins);
  return before + (clock_type::now() - before) / 2;
}

void cpu_lines(std::FILE* out, const server_readings& s) {
  if (s.server_cpu)
    line(out, "server CPU" + nodes_suffix(s.server_cpu->nodes, s.server_cpu->of), "%.2f",
         s.server_cpu->seconds / s.window_s, "cores");
  if (s.bench_cpu_s)
    line(out, "bench CPU", "%.2f", *s.bench_cpu_s / s.window_s, "cores");
}

void metrics_lines(std::FILE* out, const server_readings& s) {
  metrics_error_lines(out, s);
  auto window = sum_common({&s.metrics_start, &s.metrics_end});
  if (window.nodes > 0 && s.metrics_s > 0) {
    const auto& start = window.sums[0];
    const auto& end = window.sums[1];
    auto tag = metrics_tag(window);
    auto rate = [&](const char* name) { return (end.get(name) - start.get(name)) / s.metrics_s; };
    line(out, "server acked msg/s" + tag, "%.0f", rate("parley_messages_acked_total"), "");
    line(out, "server delivered msg/s" + tag, "%.0f", rate("parley_messages_delivered_total"), "");
    line(out, "server receipts/s" + tag, "%.0f", rate("parley_receipts_total"), "");
    for (const auto& [label, q] : quantiles)
      if (auto edge = ack_quantile_between(start, end, q))
        line(out, std::string{"server ack latency "} + label
                    + metrics_tag(window, ", bucket edge"), "%.3f", *edge * 1e3, "ms");
    line(out, "server actor restarts in window" + tag, "%.0f",
         end.get("parley_actor_restarts_total") - start.get("parley_actor_restarts_total"), "");
  }
  auto at_end = sum_common({&s.metrics_end});
  if (at_end.nodes > 0)
    line(out, "server mailbox depth at window end" + metrics_tag(at_end), "%.0f",
         at_end.sums[0].get("parley_mailbox_depth"), "");
  auto drained = sum_common({&s.metrics_drained});
  if (drained.nodes > 0)
    line(out, "server mailbox depth after drain" + metrics_tag(drained), "%.0f",
         drained.sums[0].get("parley_mailbox_depth"), "");
}

} // namespace

window_reader::window_reader(const node_targets& nodes, server_readings& into)
  : nodes_(nodes), into_(into) {
}

void window_reader::open() {
  server_cpu0_ = cpu_seconds(nodes_.server_pids);
  bench_cpu0_ = read_proc_cpu_seconds(::getpid());
  scraped0_ = scrape_into(into_.metrics_start, nodes_.admins);
}

void window_reader::close() {
  auto server_cpu1 = cpu_seconds(nodes_.server_pids);
  auto bench_cpu1 = read_proc_cpu_seconds(::getpid());
  auto scraped1 = scrape_into(into_.metrics_end, nodes_.admins);
  into_.metrics_s = std::chrono::duration<double>(scraped1 - scraped0_).count();
  into_.server_cpu = cpu_between(server_cpu0_, server_cpu1);
  if (bench_cpu0_ && bench_cpu1)
    into_.bench_cpu_s = *bench_cpu1 - *bench_cpu0_;
}

void window_reader::after_drain() {
  into_.metrics_drained = scrape_all(nodes_.admins);
  into_.mem_after = nodes_memory(nodes_);
}

std::optional<memory_sum> nodes_memory(const node_targets& nodes) {
  return nodes.server_pids.empty() ? std::nullopt : sum_memory(nodes.server_pids);
}

// -- report lines -----------------------------------------------------------------------

std::string metrics_tag(const metrics_sums& s, const char* extra) {
  auto nodes = nodes_suffix(s.nodes, s.of);  // " (sum of ...)"
  return " (metrics" + std::string{extra} + (nodes.empty() ? ")" : ", " + nodes.substr(2));
}

void memory_line(std::FILE* out, const char* when, const std::optional<memory_sum>& m) {
  if (!m)
    return;
  line(out, std::string{"server RSS "} + when + nodes_suffix(m->nodes, m->of), "%.1f",
       m->total.rss_kb / 1024.0, "MiB");
}

void files_line(std::FILE* out, const server_readings& s, size_t pids) {
  if (s.server_files)
    count_line(out, "server open files, all logged in" + nodes_suffix(pids, pids),
               *s.server_files);
}

// Per user, only when the same nodes were read before and after: a sum over fewer nodes
// at one end would make a difference of nothing.
void per_user_lines(std::FILE* out, const server_readings& s, uint64_t users) {
  const auto& after = s.mem_logged_in;
  if (!s.mem_before || !after || users == 0 || s.mem_before->nodes != after->nodes)
    return;
  auto n = static_cast<double>(users);
  auto suffix = nodes_suffix(after->nodes, after->of);
  line(out, "server RSS per connected user" + suffix, "%.2f",
       (after->total.rss_kb - s.mem_before->total.rss_kb) / n, "KiB");
  line(out, "server RssAnon per connected user" + suffix, "%.2f",
       (after->total.anon_kb - s.mem_before->total.anon_kb) / n, "KiB");
}

void metrics_error_lines(std::FILE* out, const server_readings& s) {
  for (const auto* scrape : {&s.metrics_start, &s.metrics_end, &s.metrics_drained})
    for (const auto& error : scrape->errors)
      text_line(out, "server metrics", error);
}

void print_server_lines(std::FILE* out, const server_readings& s, uint64_t users, size_t pids) {
  cpu_lines(out, s);
  metrics_lines(out, s);
  files_line(out, s, pids);
  memory_line(out, "before connecting", s.mem_before);
  memory_line(out, "all logged in", s.mem_logged_in);
  memory_line(out, "after the run", s.mem_after);
  per_user_lines(out, s, users);
}

} // namespace parley::bench
