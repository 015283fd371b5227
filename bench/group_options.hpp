#pragma once

// The flags of parley-group-bench, parsed once into a plain struct (STYLE.md section 8).

#include <cstdint>
#include <optional>
#include <string>

#include "bench/flag_parsing.hpp"

namespace parley::bench {

// The nodes under test and the traffic's shape (flag_parsing.hpp); --rate counts group
// messages per second over all groups.
struct group_options : node_targets, traffic_flags {
  uint32_t group_size = 10;  // members, the creator included
  uint32_t groups = 10;
  // Flat out: unacked group messages per group. Each member has at most one unacked
  // send, so a sender's messages are acked in the order they were sent.
  uint32_t window = 4;

  uint32_t users() const { return group_size * groups; }
};

parsed_flags<group_options> parse_group_options(int argc, char** argv);

std::string group_usage();

} // namespace parley::bench
