#include "apps/chat_flags.hpp"

#include <cstdlib>

#include "apps/chat_text.hpp"
#include "net/client_url.hpp"

namespace parley::chat {

const char* const usage =
  "usage: parley-chat --server ws://HOST:PORT/v1/ws [--server URL ...] --user NAME [--keys PATH]\n"
  "  --keys defaults to $HOME/.parley/NAME.key (created on first run, mode 0600); peers'\n"
  "  pinned keys are kept beside it in NAME.pins, received files in downloads/NAME/.\n"
  "  A run that creates the key file says so, with its fingerprint: the first 16 bytes of\n"
  "  the SHA-256 of the public key, in hex (what a peer's key-change warning shows).\n"
  "  At the end of input (Ctrl-D, /quit, or a first Ctrl-C), waits up to 10 s for all sent\n"
  "  messages to be acknowledged; exits 0 if they were, 1 if not, after listing on stderr\n"
  "  each one that was not (its recipient and first 24 characters). Exits 1 at once, with\n"
  "  the same list, when the server ends the session (its key refused, or the user signed\n"
  "  in elsewhere).\n";


std::variant<chat_flags, std::string> parse_flags(int argc, char** argv) {
  chat_flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    std::string value;
    auto eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    if (name != "--server" && name != "--user" && name != "--keys")
      return "unknown argument '" + arg + "'";
    if (eq != std::string::npos)
      value = arg.substr(eq + 1);
    else if (i + 1 < argc)
      value = argv[++i];
    else
      return name + " needs a value";
    if (name == "--server") {
      if (!parley::parse_ws_url(value))
        return "--server: '" + value + "' is not a ws://HOST:PORT/PATH URL";
      flags.servers.push_back(value);
    } else if (name == "--user") {
      if (auto problem = user_id_problem(value); !problem.empty())
        return "--user: " + problem;
      flags.user = value;
    } else {
      flags.keys_path = value;
    }
  }
  if (flags.help)
    return flags;
  if (flags.servers.empty())
    return "--server is required";
  if (flags.user.empty())
    return "--user is required";
  if (flags.keys_path.empty() && !std::getenv("HOME"))
    return "--keys is required when HOME is not set";
  return flags;
}

} // namespace parley::chat
