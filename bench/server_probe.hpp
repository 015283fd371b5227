#pragma once

// What the bench reads about the node from outside: its memory from /proc and its own
// counters from the admin port's /metrics, so the bench's figures can be checked against
// the server's.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace parley::bench {

/// Resident memory of a process in KiB, from /proc/PID/status. RSS holds user space only:
/// socket buffers are kernel memory and never appear in it.
struct proc_memory {
  int64_t rss_kb = 0;   // VmRSS
  int64_t anon_kb = 0;  // RssAnon: the heap, without mapped files such as libraries
};

std::optional<proc_memory> read_proc_memory(int pid);

/// How many files (sockets included) a process holds open, from /proc/PID/fd.
std::optional<size_t> count_open_files(int pid);

/// CPU seconds (user + system) a process has used so far, from /proc/PID/stat.
std::optional<double> read_proc_cpu_seconds(int pid);

/// One scrape of /metrics.
struct metrics_sample {
  std::map<std::string, double> values;  // "name" or "name{labels}" -> value
  std::vector<std::pair<double, uint64_t>> ack_buckets;  // le -> cumulative count

  double get(const std::string& name) const;
};

/// GET /metrics on the admin port, waiting at most two seconds. Nothing, with `error`
/// set, if the node does not answer.
std::optional<metrics_sample> fetch_metrics(const endpoint& admin, std::string& error);

/// The server-side ack latency quantile `q` over the interval between two scrapes, as the
/// upper edge of the histogram bucket holding it (seconds); nothing without samples.
std::optional<double> ack_quantile_between(const metrics_sample& before,
                                           const metrics_sample& after, double q);

} // namespace parley::bench
