// parley-chat: a terminal messenger on top of parley::client.
//
//   parley-chat --server ws://127.0.0.1:7070/v1/ws [--server ...] --user alice [--keys PATH]
//
// Lines from stdin are commands (/to, /presence, /subscribe, /help, /quit) or messages to
// the selected peer. It also works with piped stdin: at the end of input it waits for
// the server to acknowledge everything it sent (at most 10 s) before it exits.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <sys/stat.h>

#include "net/client.hpp"
#include "net/client_url.hpp"
#include "runtime/clock.hpp"
#include "runtime/config.hpp"
#include "runtime/logging.hpp"

namespace {

constexpr auto drain_timeout = std::chrono::seconds{10};

constexpr const char* usage =
  "usage: parley-chat --server ws://HOST:PORT/v1/ws [--server URL ...] --user NAME [--keys PATH]\n"
  "  --keys defaults to $HOME/.parley/NAME.key (created on first run, mode 0600).\n"
  "  At the end of input, waits up to 10 s for all sent messages to be acknowledged;\n"
  "  exits 0 if they were, 1 if not.\n";

constexpr const char* help_text =
  "/to USER         talk to USER (marks their waiting messages read)\n"
  "/presence USER   show whether USER is online, or when last seen\n"
  "/subscribe USER  report when USER comes online or goes offline\n"
  "/help            this list\n"
  "/quit            leave (after the server has everything you sent)\n"
  "anything else    a message to the current peer";

// -- command line ---------------------------------------------------------------------------

struct chat_flags {
  std::vector<std::string> servers;
  std::string user;
  std::string keys_path;
  bool help = false;
};

// The flags, or the one line explaining what is wrong with them.
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
      if (!parley::is_valid_id(value))
        return "--user: '" + value + "' is not a user id (1-32 of a-z 0-9 _ . -)";
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

// -- times as a messenger shows them ----------------------------------------------------------

std::tm local_time(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  return tm;
}

std::string format_time(int64_t ms, const char* format) {
  auto tm = local_time(ms);
  char buf[64];
  return std::strftime(buf, sizeof(buf), format, &tm) > 0 ? buf : "";
}

// "14:03:22" today, "yesterday 14:03", or the date for anything older.
std::string last_seen_text(int64_t ms) {
  if (ms <= 0)
    return "never";
  auto then = local_time(ms);
  auto now = local_time(parley::now_ms());
  auto yesterday = local_time(parley::now_ms() - 24 * 3600 * 1000);
  auto same_day = [](const std::tm& a, const std::tm& b) {
    return a.tm_year == b.tm_year && a.tm_yday == b.tm_yday;
  };
  if (same_day(then, now))
    return format_time(ms, "%H:%M:%S");
  if (same_day(then, yesterday))
    return format_time(ms, "yesterday %H:%M");
  return format_time(ms, "%Y-%m-%d");
}

// -- the chat ---------------------------------------------------------------------------------

class chat {
public:
  explicit chat(parley::client_options options) : client_(std::move(options)) { wire(); }

  // Reads commands until the end of input or /quit; returns the exit code.
  int run() {
    if (auto err = client_.start()) {
      std::fprintf(stderr, "parley-chat: %s\n", err->message.c_str());
      return 2;
    }
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (!handle(line))
        break;
    }
    return drain();
  }

private:
  void wire() {
    client_.on_connected([this](const parley::welcome_info& w) {
      print("* connected to " + w.node + " as " + w.user);
    });
    client_.on_disconnected([this](const std::string& reason) {
      if (reason == "replaced" || reason == "auth_failed") {
        halted_ = true;
        print(reason == "replaced" ? "* signed in elsewhere; this session ends"
                                   : "* the server refused our key; this session ends");
      } else {
        print("* disconnected (" + reason + "), reconnecting");
      }
    });
    client_.on_ack([this](const std::string& id, int64_t) { print("✓ sent " + id); });
    client_.on_receipt([this](const parley::receipt_info& r) {
      print("✓✓ " + std::string{to_string(r.status)} + " " + r.id + " (" + r.to + ")");
    });
    client_.on_message([this](const parley::incoming_message& m) { on_message(m); });
    client_.on_presence([this](const parley::presence_info& p) {
      print("* " + p.user + (p.online ? " is online" : " went offline"));
    });
    client_.on_error([this](const std::string& id, const std::string& code,
                            const std::string& message) {
      print("! " + code + ": " + message + (id.empty() ? "" : " (" + id + ")"));
    });
  }

  void on_message(const parley::incoming_message& m) {
    print("[" + format_time(m.ts, "%H:%M") + "] " + m.from + ": " + m.body);
    client_.mark_delivered(m.from, m.id, m.group);
    std::lock_guard<std::mutex> guard{state_mutex_};
    if (m.group.empty() && m.from == peer_)
      client_.mark_read(m.from, m.id);
    else if (m.group.empty())
      unread_[m.from].push_back(m.id);
  }

  // One input line; false to stop reading.
  bool handle(const std::string& line) {
    if (line.empty())
      return true;
    if (line.front() != '/') {
      std::lock_guard<std::mutex> guard{state_mutex_};
      if (peer_.empty())
        print("! choose a peer first: /to USER");
      else
        client_.send(peer_, line);
      return true;
    }
    auto space = line.find(' ');
    auto command = line.substr(0, space);
    auto arg = space == std::string::npos ? std::string{} : line.substr(space + 1);
    while (!arg.empty() && arg.back() == ' ')
      arg.pop_back();
    if (command == "/quit")
      return false;
    if (command == "/help") {
      print(help_text);
    } else if (command == "/to" || command == "/presence" || command == "/subscribe") {
      if (!parley::is_valid_id(arg))
        print("! " + command + " needs a user id");
      else if (command == "/to")
        select_peer(arg);
      else if (command == "/presence")
        show_presence(arg);
      else
        watch(arg);
    } else {
      print("! unknown command " + command + "; /help lists them");
    }
    return true;
  }

  void select_peer(const std::string& user) {
    std::vector<std::string> waiting;
    {
      std::lock_guard<std::mutex> guard{state_mutex_};
      peer_ = user;
      waiting.swap(unread_[user]);
      unread_.erase(user);
    }
    for (const auto& id : waiting)
      client_.mark_read(user, id);
    print("* talking to " + user
          + (waiting.empty() ? "" : " (" + std::to_string(waiting.size()) + " marked read)"));
  }

  void show_presence(const std::string& user) {
    client_.presence(user, [this](const parley::reply<parley::presence_info>& r) {
      if (auto* err = std::get_if<parley::client_error>(&r)) {
        print("! " + err->code + ": " + err->message);
        return;
      }
      const auto& p = std::get<parley::presence_info>(r);
      print("* " + p.user
            + (p.online ? " is online" : " was last seen " + last_seen_text(p.last_seen)));
    });
  }

  void watch(const std::string& user) {
    client_.subscribe({user}, [this, user](const std::optional<parley::client_error>& err) {
      if (err)
        print("! " + err->code + ": " + err->message);
      else
        print("* watching " + user + " come and go");
    });
  }

  // After the input ends: everything sent must reach the server before we go.
  int drain() {
    auto deadline = std::chrono::steady_clock::now() + drain_timeout;
    while (client_.unacked() > 0 && !halted_ && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    auto left = client_.unacked();
    client_.stop();
    if (left > 0) {
      std::fprintf(stderr, "parley-chat: %zu message(s) not acknowledged by the server\n", left);
      return 1;
    }
    return 0;
  }

  // Lines from the io thread and from stdin commands never interleave, and each is
  // flushed at once so that a pipe or file reader sees it.
  void print(const std::string& line) {
    std::lock_guard<std::mutex> guard{print_mutex_};
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

  parley::client client_;
  std::mutex state_mutex_;
  std::string peer_;                                        // guarded by state_mutex_
  std::map<std::string, std::vector<std::string>> unread_;  // peer -> ids; same
  std::mutex print_mutex_;
  std::atomic<bool> halted_{false};
};

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
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
    parley::logs::net()->set_level(spdlog::level::warn);
  if (flags.keys_path.empty()) {
    auto dir = std::string{std::getenv("HOME")} + "/.parley";
    ::mkdir(dir.c_str(), 0700);  // an existing directory is fine; a failure shows at the key
    flags.keys_path = dir + "/" + flags.user + ".key";
  }
  std::string error;
  auto keys = parley::identity_keys::load_or_create(flags.keys_path, error);
  if (!keys) {
    std::fprintf(stderr, "parley-chat: %s\n", error.c_str());
    return 1;
  }
  parley::client_options options;
  options.user = flags.user;
  options.keys = std::move(*keys);
  options.servers = flags.servers;
  options.device = R"({"app":"parley-chat"})";
  chat session{std::move(options)};
  return session.run();
}
