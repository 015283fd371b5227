#pragma once

// The flags of parley-bench, parsed once into a plain struct (STYLE.md section 8).

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/config.hpp"

namespace parley::bench {

/// One process holds one socket per user; the machine caps a process at 20,000 open
/// files (DESIGN.md), and the node under test needs the same number.
constexpr uint32_t max_users = 19000;

struct options {
  endpoint server;                 // client port of the node
  std::optional<endpoint> admin;   // admin port, for /metrics
  int server_pid = 0;              // 0: no RSS figures
  uint32_t users = 100;
  double rate = 0;                 // total messages per second; 0: flat out
  double duration_s = 10;
  double warmup_s = 2;
  uint32_t window = 8;             // flat out: unacked sends per user
  bool idle = false;
  size_t body_bytes = 32;
  unsigned threads = 1;            // io threads, each with its own share of the users
  uint32_t login_concurrency = 200;
  double settle_s = 2;             // idle: wait before reading the RSS
};

struct parse_result {
  std::optional<options> opts;
  std::string error;  // one line for stderr when opts is empty
  bool help = false;
};

parse_result parse_options(int argc, char** argv);

const char* usage();

} // namespace parley::bench
