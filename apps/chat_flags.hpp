#pragma once

// parley-chat's command line.

#include <string>
#include <variant>
#include <vector>

namespace parley::chat {

extern const char* const usage;

struct chat_flags {
  std::vector<std::string> servers;
  std::string user;
  std::string keys_path;
  bool help = false;
};

/// The flags, or the one line explaining what is wrong with them.
std::variant<chat_flags, std::string> parse_flags(int argc, char** argv);

} // namespace parley::chat
