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

std::string nodes_suffix(size_t in_sum, size_t asked) {
  if (asked <= 1 && in_sum <= 1)
    return {};
  if (in_sum == asked)
    return " (sum of " + std::to_string(asked) + " nodes)";
  return " (sum of " + std::to_string(in_sum) + " of " + std::to_string(asked) + " nodes)";
}

} // namespace parley::bench
