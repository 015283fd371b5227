#include "bench/report_lines.hpp"

namespace parley::bench {

void line(std::FILE* out, const std::string& label, const char* fmt, double value,
          const char* unit) {
  std::fprintf(out, "%-44s ", (label + ":").c_str());
  std::fprintf(out, fmt, value);
  std::fprintf(out, *unit ? " %s\n" : "%s\n", unit);
}

void count_line(std::FILE* out, const std::string& label, uint64_t n) {
  std::fprintf(out, "%-44s %llu\n", (label + ":").c_str(), static_cast<unsigned long long>(n));
}

void text_line(std::FILE* out, const std::string& label, const std::string& text) {
  std::fprintf(out, "%-44s %s\n", (label + ":").c_str(), text.c_str());
}

void latency_lines(std::FILE* out, const std::string& name, const latency_histogram& h) {
  for (const auto& [label, q] : quantiles)
    line(out, name + " " + label, "%.3f", ms(h.percentile(q)), "ms");
  line(out, name + " max", "%.3f", ms(h.max()), "ms");
}

void send_total_lines(std::FILE* out, const run_totals& t, const char* what) {
  count_line(out, std::string{"total"} + what + " sent", t.sent);
  count_line(out, "total acked", t.acked);
  count_line(out, "total sends refused", t.send_errors);
  count_line(out, "unacked after drain",
             t.sent > t.acked + t.send_errors ? t.sent - t.acked - t.send_errors : 0);
}

void problem_lines(std::FILE* out, const run_totals& t) {
  for (const auto& [code, n] : t.errors)
    count_line(out, "error " + code, n);
  for (const auto& [why, n] : t.disconnects)
    count_line(out, "disconnect " + why, n);
  if (t.errors.empty() && t.disconnects.empty())
    text_line(out, "errors", "none");
}

namespace {

void table_row(std::FILE* out, const char* name, const latency_histogram& h) {
  std::fprintf(out, "  %-24s", name);
  for (const auto& [label, q] : quantiles)
    std::fprintf(out, " %8.3f", ms(h.percentile(q)));
  std::fprintf(out, " %8.3f %10llu\n", ms(h.max()), static_cast<unsigned long long>(h.count()));
}

} // namespace

void window_lines(std::FILE* out, const window_stats& w, double window_s,
                  const latency_histogram& jitter, const window_labels& labels) {
  auto per_s = [&](uint64_t n) { return static_cast<double>(n) / window_s; };
  const char* fmt = per_s(w.acked) < 100 ? "%.1f" : "%.0f";
  line(out, "measured", "%.2f", window_s, "s (after warmup)");
  line(out, std::string{"acked "} + labels.messages + "/s", fmt, per_s(w.acked), "");
  line(out, labels.delivered, "%.0f", per_s(w.received), "");
  line(out, "receipts/s", "%.0f", per_s(w.receipts), "");
  line(out, std::string{"sent "} + labels.messages + "/s", fmt, per_s(w.sent), "");
  latency_lines(out, "ack latency", w.ack);
  latency_lines(out, std::string{labels.e2e} + " latency", w.e2e);
  latency_lines(out, "receipt latency", w.receipt);
  latency_lines(out, "vm jitter (1 ms sleep, lateness)", jitter);
}

void latency_table(std::FILE* out, const window_stats& w, const latency_histogram& jitter,
                   const window_labels& labels) {
  std::fprintf(out, "latency (ms)                    p50      p99    p99.9   p99.99      max"
                    "    samples\n");
  table_row(out, "ack", w.ack);
  table_row(out, labels.e2e, w.e2e);
  table_row(out, "receipt", w.receipt);
  table_row(out, "vm jitter (1 ms sleep)", jitter);
}

void slice_table(std::FILE* out, const window_stats& w, double slice_s) {
  if (w.ack_by_slice.empty())
    return;
  std::fprintf(out, "ack latency by slice (ms)       p50      p99    p99.9   p99.99      max"
                    "    samples\n");
  for (size_t i = 0; i < w.ack_by_slice.size(); ++i) {
    char label[48];
    std::snprintf(label, sizeof(label), "%g-%g s", slice_s * static_cast<double>(i),
                  slice_s * static_cast<double>(i + 1));
    table_row(out, label, w.ack_by_slice[i]);
  }
}

std::string nodes_suffix(size_t in_sum, size_t asked) {
  if (asked <= 1 && in_sum <= 1)
    return {};
  if (in_sum == asked)
    return " (sum of " + std::to_string(asked) + " nodes)";
  return " (sum of " + std::to_string(in_sum) + " of " + std::to_string(asked) + " nodes)";
}

} // namespace parley::bench
