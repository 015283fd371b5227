#include "bench/node_set_probe.hpp"

namespace parley::bench {

namespace {

void add_sample(metrics_sample& into, const metrics_sample& from, bool first) {
  for (const auto& [key, value] : from.values)
    into.values[key] += value;
  if (first) {
    into.ack_buckets = from.ack_buckets;
    return;
  }
  // Every node has the same bucket edges; a node that differs leaves no buckets at all
  // rather than a histogram that mixes edges.
  bool same = into.ack_buckets.size() == from.ack_buckets.size();
  for (size_t i = 0; same && i < from.ack_buckets.size(); ++i)
    same = into.ack_buckets[i].first == from.ack_buckets[i].first;
  if (!same) {
    into.ack_buckets.clear();
    return;
  }
  for (size_t i = 0; i < from.ack_buckets.size(); ++i)
    into.ack_buckets[i].second += from.ack_buckets[i].second;
}

} // namespace

std::optional<memory_sum> sum_memory(const std::vector<int>& pids) {
  memory_sum sum;
  sum.of = pids.size();
  for (int pid : pids) {
    if (auto m = read_proc_memory(pid)) {
      sum.total.rss_kb += m->rss_kb;
      sum.total.anon_kb += m->anon_kb;
      ++sum.nodes;
    }
  }
  return sum.nodes ? std::optional<memory_sum>{sum} : std::nullopt;
}

std::vector<std::optional<double>> cpu_seconds(const std::vector<int>& pids) {
  std::vector<std::optional<double>> out;
  for (int pid : pids)
    out.push_back(read_proc_cpu_seconds(pid));
  return out;
}

std::optional<cpu_sum> cpu_between(const std::vector<std::optional<double>>& before,
                                   const std::vector<std::optional<double>>& after) {
  cpu_sum sum;
  sum.of = before.size();
  for (size_t i = 0; i < before.size() && i < after.size(); ++i) {
    if (before[i] && after[i]) {
      sum.seconds += *after[i] - *before[i];
      ++sum.nodes;
    }
  }
  return sum.nodes ? std::optional<cpu_sum>{sum} : std::nullopt;
}

std::optional<size_t> sum_open_files(const std::vector<int>& pids) {
  size_t total = 0;
  for (int pid : pids) {
    auto n = count_open_files(pid);
    if (!n)
      return std::nullopt;
    total += *n;
  }
  return pids.empty() ? std::nullopt : std::optional<size_t>{total};
}

metrics_scrape scrape_all(const std::vector<endpoint>& admins) {
  metrics_scrape s;
  for (const auto& admin : admins) {
    std::string error;
    s.nodes.push_back(fetch_metrics(admin, error));
    if (!s.nodes.back())
      s.errors.push_back(error);
  }
  return s;
}

metrics_sums sum_common(const std::vector<const metrics_scrape*>& scrapes) {
  metrics_sums out;
  if (scrapes.empty())
    return out;
  out.of = scrapes.front()->nodes.size();
  out.sums.resize(scrapes.size());
  for (size_t node = 0; node < out.of; ++node) {
    bool everywhere = true;
    for (const auto* s : scrapes)
      everywhere = everywhere && node < s->nodes.size() && s->nodes[node];
    if (!everywhere)
      continue;
    for (size_t i = 0; i < scrapes.size(); ++i)
      add_sample(out.sums[i], *scrapes[i]->nodes[node], out.nodes == 0);
    ++out.nodes;
  }
  return out;
}

} // namespace parley::bench
