#pragma once

// The flag parsing both load tools share (parley-bench, parley-group-bench): numbers in
// a range, and the flags that name the nodes under test, in their singular (one node)
// and plural (a cluster) spellings.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace parley::bench {

bool parse_double(const std::string& text, double lo, double hi, double& out);
bool parse_uint(const std::string& text, uint64_t lo, uint64_t hi, uint64_t& out);
bool parse_pid(const std::string& text, int& out);

/// The nodes a run measures: client ports (user i connects to servers[i % n]), admin
/// ports for /metrics, and the processes for RSS and CPU.
struct node_targets {
  std::vector<endpoint> servers;
  std::vector<endpoint> admins;
  std::vector<int> server_pids;
};

/// Applies --server(s), --admin(s) or --server-pid(s). `matched` tells whether `name` was
/// one of them; an empty return means the value was good (or the flag not ours).
std::string apply_target_flag(node_targets& t, const std::string& name,
                              const std::string& value, bool& matched);

/// What no single target flag can check: one spelling of each list, and a server.
std::string check_targets(const node_targets& t, const std::set<std::string>& given);

/// How traffic is shaped, in both tools: a paced rate or flat out, the window measured
/// after a warmup, the body size and how many logins are in flight.
struct traffic_flags {
  double rate = 0;                 // total messages per second; 0: flat out
  double duration_s = 10;
  double warmup_s = 2;
  size_t body_bytes = 32;
  uint32_t login_concurrency = 200;
};

/// Applies --rate, --duration, --warmup, --body-bytes or --login-concurrency, as
/// apply_target_flag does.
std::string apply_traffic_flag(traffic_flags& t, const std::string& name,
                               const std::string& value, bool& matched);

/// Applies one flag: (name, value, whether "=value" was given) -> an error, or empty.
using flag_applier =
  std::function<std::string(const std::string&, const std::string&, bool)>;

/// Walks argv: `--help` or `-h` sets `help` and stops; every `--name[=value]` goes to
/// `apply` and its name into `given`. The first error is returned (empty: none).
std::string walk_flags(int argc, char** argv, const flag_applier& apply,
                       std::set<std::string>& given, bool& help);

/// Flags parsed into a tool's options, or the one line for stderr, or a request for help.
template <class Options>
struct parsed_flags {
  std::optional<Options> opts;
  std::string error;  // when opts is empty
  bool help = false;
};

/// Parses argv into an Options (a node_targets and traffic_flags with the tool's own):
/// the target and traffic flags here, every other one by `apply(o, name, value,
/// has_value)`, then `check(o, given)` for what no single flag can tell. Both return an
/// error line, or an empty string.
template <class Options, class Apply, class Check>
parsed_flags<Options> parse_flags(int argc, char** argv, Apply apply, Check check) {
  parsed_flags<Options> r;
  Options o;
  std::set<std::string> given;
  auto one = [&o, &apply](const std::string& name, const std::string& value, bool has_value) {
    bool matched = false;
    if (has_value) {
      if (auto err = apply_target_flag(o, name, value, matched); matched)
        return err;
      if (auto err = apply_traffic_flag(o, name, value, matched); matched)
        return err;
    }
    return apply(o, name, value, has_value);
  };
  r.error = walk_flags(argc, argv, one, given, r.help);
  if (r.help || !r.error.empty())
    return r;
  if (auto err = check_targets(o, given); !err.empty())
    r.error = err;
  else if (auto err = check(o, given); !err.empty())
    r.error = err;
  else
    r.opts = o;
  return r;
}

/// The --help lines of the target and traffic flags; `rate_unit` says what --rate counts.
std::string target_usage();
std::string traffic_usage(const char* rate_unit);

} // namespace parley::bench
