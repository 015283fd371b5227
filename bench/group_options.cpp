#include "bench/group_options.hpp"

#include <set>

#include "bench/bench_options.hpp"

namespace parley::bench {

namespace {

// A group holds at most 1,024 members (docs/protocol.md, "Groups").
constexpr uint64_t max_group_size = 1024;

std::string apply(group_options& o, const std::string& name, const std::string& value,
                  bool has_value) {
  if (!has_value)
    return "--" + name + " needs a value (--" + name + "=...)";
  auto bad = [&](const std::string& what) { return "--" + name + ": expected " + what; };
  uint64_t u = 0;
  if (name == "group-size") {
    if (!parse_uint(value, 2, max_group_size, u))
      return bad("2.." + std::to_string(max_group_size) + " members");
    o.group_size = static_cast<uint32_t>(u);
  } else if (name == "groups") {
    if (!parse_uint(value, 1, max_users, u))
      return bad("1.." + std::to_string(max_users));
    o.groups = static_cast<uint32_t>(u);
  } else if (name == "window") {
    if (!parse_uint(value, 1, max_group_size, u))
      return bad("1.." + std::to_string(max_group_size));
    o.window = static_cast<uint32_t>(u);
  } else {
    return "unknown flag --" + name + " (see --help)";
  }
  return {};
}

std::string check_combination(const group_options& o, const std::set<std::string>&) {
  if (uint64_t{o.group_size} * o.groups > max_users)
    return "--group-size times --groups is " + std::to_string(uint64_t{o.group_size} * o.groups)
           + " users, more than " + std::to_string(max_users)
           + " (one socket each; the open-file cap is 20,000)";
  if (o.window > o.group_size)
    return "--window: at most --group-size (one unacked message per sender)";
  return {};
}

} // namespace

parsed_flags<group_options> parse_group_options(int argc, char** argv) {
  return parse_flags<group_options>(argc, argv, apply, check_combination);
}

std::string group_usage() {
  return "usage: parley-group-bench --server=HOST:PORT | --servers=HOST:PORT,... [flags]\n"
         + target_usage() + traffic_usage("group messages") +
         "  --group-size=N          members per group, the creator included (default 10,\n"
         "                          at most 1024)\n"
         "  --groups=G              groups, G * N users in all, at most 19000 (default 10)\n"
         "  --window=W              flat out: unacked group messages per group, at most one\n"
         "                          per member (default 4)\n"
         "exit status: 0 fine, 1 a member missed, repeated or reordered a message, or an\n"
         "error or lost connection, 2 bad flags\n";
}

} // namespace parley::bench
