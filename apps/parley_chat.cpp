// parley-chat: a terminal messenger on top of parley::client.
//
//   parley-chat --server ws://127.0.0.1:7070/v1/ws [--server ...] --user alice [--keys PATH]
//
// Lines from stdin are commands (/to, /group, /image, /trust, /presence, /subscribe,
// /help, /quit) or messages to the selected peer or group. Everything is end-to-end
// encrypted by the client library; peers' keys are pinned in <keys>.pins and received
// files saved under <keys dir>/downloads/<user>/. It also works with piped stdin: at the
// end of input it waits for the server to acknowledge everything it sent (at most 10 s)
// before it exits, and lists on stderr what was not (exit code 1).

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>

#include <signal.h>
#include <sys/stat.h>

#include "apps/chat_flags.hpp"
#include "apps/chat_session.hpp"
#include "net/client_crypto.hpp"
#include "net/client_key_file.hpp"
#include "runtime/logging.hpp"

using namespace parley::chat;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // Until the main thread takes it (chat_session::run): no thread of the client's gets it.
  mask_interrupts(SIG_BLOCK);
  auto parsed = parse_flags(argc, argv);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "parley-chat: %s\n", error->c_str());
    return 2;
  }
  auto& flags = std::get<chat_flags>(parsed);
  if (flags.help) {
    std::fputs(usage, stdout);
    return 0;
  }
  // The library's lifecycle lines would interleave with the conversation.
  if (!std::getenv("PARLEY_LOG"))
    parley::logs::net()->set_level(spdlog::level::err);
  if (flags.keys_path.empty()) {
    auto dir = std::string{std::getenv("HOME")} + "/.parley";
    ::mkdir(dir.c_str(), 0700);  // an existing directory is fine; a failure shows at the key
    flags.keys_path = dir + "/" + flags.user + ".key";
  }
  std::string error;
  bool created = false;
  auto keys = parley::identity_keys::load_or_create(flags.keys_path, error, &created);
  if (!keys) {
    std::fprintf(stderr, "parley-chat: %s\n", error.c_str());
    return 1;
  }
  // The key pair is the user's identity from now on: say where it is, and its
  // fingerprint, the one peers see in a key-change warning.
  if (created) {
    std::printf("* new key pair saved to %s (fingerprint %s)\n", flags.keys_path.c_str(),
                parley::e2e::fingerprint(keys->public_key).c_str());
    std::fflush(stdout);
  }
  // Pins and downloads live beside the key pair.
  auto base = flags.keys_path;
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".key") == 0)
    base.resize(base.size() - 4);
  auto slash = flags.keys_path.rfind('/');
  auto dir = slash == std::string::npos ? std::string{"."} : flags.keys_path.substr(0, slash);
  auto pins = std::make_shared<parley::key_file_store>(base + ".pins");
  parley::client_options options;
  options.user = flags.user;
  options.keys = std::move(*keys);
  options.servers = flags.servers;
  options.device = R"({"app":"parley-chat"})";
  options.pinned_keys = pins;
  chat_session session{std::move(options), dir + "/downloads/" + flags.user};
  int code = session.run();
  if (auto err = pins->last_error(); !err.empty())
    std::fprintf(stderr, "parley-chat: cannot keep pinned keys: %s\n", err.c_str());
  return code;
}
