// parley-chat: a terminal messenger on top of parley::client.
//
//   parley-chat --server ws://127.0.0.1:7070/v1/ws [--server ...] --user alice [--keys PATH]
//
// Lines from stdin are commands (/to, /group, /image, /trust, /presence, /subscribe,
// /help, /quit) or messages to the selected peer or group. Everything is end-to-end
// encrypted by the client library; peers' keys are pinned in <keys>.pins and received
// files saved under <keys dir>/downloads/<user>/. It also works with piped stdin: at the
// end of input it waits for the server to acknowledge everything it sent (at most 10 s)
// before it exits.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/chat_downloads.hpp"
#include "apps/chat_flags.hpp"
#include "apps/chat_text.hpp"
#include "net/client.hpp"
#include "net/client_crypto.hpp"
#include "net/client_key_file.hpp"
#include "net/client_media.hpp"
#include "runtime/config.hpp"
#include "runtime/logging.hpp"

namespace {

using namespace parley::chat;

constexpr auto drain_timeout = std::chrono::seconds{10};

constexpr const char* help_text =
  "/to USER         talk to USER (marks their waiting messages read)\n"
  "/to #GROUP       talk to a group\n"
  "/group create NAME a,b    create a group with members a and b (and you)\n"
  "/group add|remove GROUP a,b   change its members (owner only)\n"
  "/group leave GROUP        leave it; /group info GROUP lists its members\n"
  "/image PATH      send a file, encrypted, to the current peer or group\n"
  "/trust USER      accept USER's new identity key after a key-change warning\n"
  "/presence USER   show whether USER is online, or when last seen\n"
  "/subscribe USER  report when USER comes online or goes offline\n"
  "/help            this list\n"
  "/quit            leave (after the server has everything you sent)\n"
  "anything else    a message to the current peer";

// -- the chat ---------------------------------------------------------------------------------

// SIG_BLOCK or SIG_UNBLOCK SIGINT for the calling thread (and threads it starts later).
void mask_interrupts(int how) {
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  ::pthread_sigmask(how, &interrupt, nullptr);
}

class chat {
public:
  chat(parley::client_options options, std::string downloads_dir)
    : client_(std::move(options)), downloads_(std::move(downloads_dir)) {
    wire();
  }

  // Reads commands until the end of input or /quit; returns the exit code.
  int run() {
    if (auto err = client_.start()) {
      std::fprintf(stderr, "parley-chat: %s\n", err->message.c_str());
      return 2;
    }
    take_interrupts_here();
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (!handle(line))
        break;
    }
    return drain();
  }

private:
  // Ctrl-C ends the input as Ctrl-D does, so what was typed is still acknowledged before
  // we go; a second Ctrl-C quits at once. The client's threads were started with SIGINT
  // blocked (main), so it comes to this thread: closing stdin ends a read under way (it
  // is not restarted) as well as the next one, if a line was being handled.
  static void take_interrupts_here() {
    struct sigaction on_interrupt{};
    on_interrupt.sa_handler = [](int) {
      ::close(STDIN_FILENO);
      std::signal(SIGINT, SIG_DFL);
    };
    sigemptyset(&on_interrupt.sa_mask);
    ::sigaction(SIGINT, &on_interrupt, nullptr);
    mask_interrupts(SIG_UNBLOCK);
  }

  void wire() {
    client_.on_connected([this](const parley::welcome_info& w) {
      {
        std::lock_guard<std::mutex> guard{state_mutex_};
        told_failures_.clear();
      }
      print("* connected to " + shown(w.node) + " as " + shown(w.user));
    });
    client_.on_disconnected([this](const std::string& reason) {
      if (reason == "replaced" || reason == "auth_failed") {
        halted_ = true;
        print(reason == "replaced" ? "* signed in elsewhere; this session ends"
                                   : "* the server refused our key; this session ends");
        end_halted();
      } else {
        print("* disconnected (" + shown(reason) + "), reconnecting");
      }
    });
    // Said once per node and reason until a connection works: the client retries often.
    client_.on_connect_failed([this](const std::string& url, const std::string& reason) {
      {
        std::lock_guard<std::mutex> guard{state_mutex_};
        if (!told_failures_.insert(url + '\n' + reason).second)
          return;
      }
      print("* cannot reach " + shown(url) + " (" + shown(reason) + "); trying again");
    });
    client_.on_ack([this](const std::string& id, int64_t) { print("✓ sent " + id); });
    client_.on_receipt([this](const parley::receipt_info& r) {
      auto where = shown(r.group.empty() ? r.to : r.to + " in #" + r.group);
      print("✓✓ " + std::string{to_string(r.status)} + " " + shown(r.id) + " (" + where + ")");
    });
    client_.on_key_changed([this](const parley::key_change& k) { on_key_changed(k); });
    client_.on_message([this](const parley::incoming_message& m) { on_message(m); });
    client_.on_presence([this](const parley::presence_info& p) {
      print("* " + shown(p.user) + (p.online ? " is online" : " went offline"));
    });
    client_.on_error([this](const std::string& id, const std::string& code,
                            const std::string& message) {
      print("! " + shown(code) + ": " + shown(message)
            + (id.empty() ? "" : " (" + shown(id) + ")"));
    });
  }

  void on_message(const parley::incoming_message& m) {
    // Everything a peer or the server chose is shown(): no escape sequences, no line
    // breaks that would fake one of our own lines.
    auto who = shown((m.group.empty() ? "" : "#" + m.group + " ") + m.from);
    auto line = "[" + format_time(m.ts, "%H:%M") + "] " + who + ": ";
    if (!m.e2e_error.empty())
      print("! " + line + "a message that cannot be shown (" + shown(m.e2e_error) + ")");
    else if (m.media)
      receive_file(who, *m.media, line);
    else
      print(line + shown(m.body));
    // Delivered even when it cannot be shown: the server would push it forever.
    client_.mark_delivered(m.from, m.id, m.group);
    std::lock_guard<std::mutex> guard{state_mutex_};
    if (m.group.empty() && m.from == peer_)
      client_.mark_read(m.from, m.id);
    else if (m.group.empty())
      unread_[m.from].push_back(m.id);
  }

  void receive_file(const std::string& who, const parley::media_ref& ref, const std::string& line) {
    print(line + "sent " + shown(ref.name) + " (" + shown(ref.mime) + ", "
          + std::to_string(ref.size) + " bytes), downloading");
    client_.fetch_media(ref, [this, who, name = ref.name](const parley::reply<std::string>& r) {
      if (auto* err = std::get_if<parley::client_error>(&r)) {
        print("! " + shown(name) + " from " + who + " could not be fetched: " + shown(err->code)
              + ": " + shown(err->message));
        return;
      }
      downloads_.save(name, std::get<std::string>(r),
                      [this, who](const std::string& path, const std::string& error) {
                        print(path.empty() ? "! " + shown(error)
                                           : "* saved a file from " + who + " to " + shown(path));
                      });
    });
  }

  void on_key_changed(const parley::key_change& k) {
    {
      std::lock_guard<std::mutex> guard{state_mutex_};
      changed_keys_[k.user] = k.new_key;
    }
    print("! WARNING: " + shown(k.user) + "'s identity key changed. It may be a new device, or "
          "someone in the middle.\n!   pinned: " + parley::e2e::fingerprint(k.old_key)
          + "\n!   now:    " + parley::e2e::fingerprint(k.new_key) + "\n!   Nothing is sent to "
          + shown(k.user) + " and their new messages are held until you check the fingerprint with "
          "them and type /trust " + k.user);
  }

  // One input line; false to stop reading.
  bool handle(const std::string& line) {
    if (line.empty())
      return true;
    if (line.front() != '/') {
      std::lock_guard<std::mutex> guard{state_mutex_};
      if (peer_.empty())
        print("! choose a peer first: /to USER or /to #GROUP");
      else if (peer_.front() == '#')
        client_.send_group(peer_.substr(1), line);
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
    } else if (command == "/to" && !arg.empty() && arg.front() == '#') {
      select_group(arg.substr(1));
    } else if (command == "/group") {
      group_command(arg);
    } else if (command == "/image") {
      send_file(arg);
    } else if (command == "/trust") {
      trust(arg);
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

  void select_group(const std::string& group) {
    if (!parley::client_wire::is_group_id(group)) {
      print("! /to #GROUP needs a group id");
      return;
    }
    {
      std::lock_guard<std::mutex> guard{state_mutex_};
      peer_ = "#" + group;
    }
    print("* talking to #" + group);
  }

  // /group create NAME a,b | /group add|remove GROUP a,b | /group leave|info GROUP
  void group_command(const std::string& arg) {
    std::istringstream in{arg};
    std::string verb, name, users;
    in >> verb >> name;
    std::getline(in, users);
    auto members = split_users(users);
    auto group = without_hash(name);
    auto report = [this, verb, group](const std::optional<parley::client_error>& err) {
      if (err)
        print_error(*err);
      else
        print("* " + verb + " #" + group + ": done");
    };
    if (verb == "create" && !name.empty()) {
      client_.group_create(name, members, [this, name](const parley::reply<parley::group_info>& r) {
        if (auto* err = std::get_if<parley::client_error>(&r)) {
          print_error(*err);
          return;
        }
        auto gid = shown(std::get<parley::group_info>(r).group);
        print("* created " + name + " as #" + gid + "; /to #" + gid + " to write to it");
      });
    } else if ((verb == "add" || verb == "remove") && !group.empty() && !members.empty()) {
      if (verb == "add")
        client_.group_add(group, members, report);
      else
        client_.group_remove(group, members, report);
    } else if (verb == "leave" && !group.empty()) {
      client_.group_leave(group, report);
    } else if (verb == "info" && !group.empty()) {
      client_.group_info(group, [this](const parley::reply<parley::group_info>& r) {
        if (auto* err = std::get_if<parley::client_error>(&r)) {
          print_error(*err);
          return;
        }
        const auto& g = std::get<parley::group_info>(r);
        std::string members;
        for (const auto& m : g.members)
          members += (members.empty() ? "" : ", ") + shown(m);
        print("* #" + shown(g.group) + " \"" + shown(g.name) + "\" owner " + shown(g.owner) + ": "
              + members);
      });
    } else {
      print("! usage: /group create NAME a,b | /group add|remove GROUP a,b | "
            "/group leave|info GROUP");
    }
  }

  // The bytes of the file at `path` (a leading ~/ is the home directory), or why not.
  static std::optional<std::string> read_for_sending(std::string path, std::string& why) {
    if (path.rfind("~/", 0) == 0)
      if (const char* home = std::getenv("HOME"))
        path = home + path.substr(1);
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec) {
      why = ec.message();
      return std::nullopt;
    }
    if (!std::filesystem::is_regular_file(status)) {
      why = std::filesystem::is_directory(status) ? "it is a directory" : "not a regular file";
      return std::nullopt;
    }
    std::ifstream in{path, std::ios::binary};
    if (!in) {
      why = "cannot open it for reading";
      return std::nullopt;
    }
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    if (in.bad()) {
      why = "a read error";
      return std::nullopt;
    }
    return bytes;
  }

  void send_file(const std::string& path) {
    std::string peer;
    {
      std::lock_guard<std::mutex> guard{state_mutex_};
      peer = peer_;
    }
    if (peer.empty()) {
      print("! choose a peer first: /to USER or /to #GROUP");
      return;
    }
    if (path.empty()) {
      print("! /image needs a file: /image PATH");
      return;
    }
    std::string why;
    auto read = read_for_sending(path, why);
    if (!read) {
      print("! cannot send " + path + ": " + why);
      return;
    }
    auto bytes = std::move(*read);
    auto name = parley::e2e::safe_file_name(path);
    if (peer.front() == '#')
      client_.send_group_file(peer.substr(1), std::move(bytes), mime_of(path), name);
    else
      client_.send_file(peer, std::move(bytes), mime_of(path), name);
  }

  void trust(const std::string& user) {
    std::string key;
    {
      std::lock_guard<std::mutex> guard{state_mutex_};
      auto i = changed_keys_.find(user);
      if (i != changed_keys_.end())
        key = i->second;
    }
    if (key.empty()) {
      print("! no key change of " + user + " to trust");
      return;
    }
    client_.trust_key(user, key, [this, user, key](const std::optional<parley::client_error>& e) {
      if (e) {
        print_error(*e);
        return;
      }
      {
        std::lock_guard<std::mutex> guard{state_mutex_};
        changed_keys_.erase(user);
      }
      print("* trusting " + user + "'s new key " + parley::e2e::fingerprint(key));
    });
  }

  void show_presence(const std::string& user) {
    client_.presence(user, [this](const parley::reply<parley::presence_info>& r) {
      if (auto* err = std::get_if<parley::client_error>(&r)) {
        print_error(*err);
        return;
      }
      const auto& p = std::get<parley::presence_info>(r);
      print("* " + shown(p.user)
            + (p.online ? " is online" : " was last seen " + last_seen_text(p.last_seen)));
    });
  }

  void watch(const std::string& user) {
    client_.subscribe({user}, [this, user](const std::optional<parley::client_error>& err) {
      if (err)
        print_error(*err);
      else
        print("* watching " + user + " come and go");
    });
  }

  // The server ended this session for good: nothing typed from now on could be sent, so
  // go at once (the main thread may be waiting for a line) and say what was not sent.
  // From a thread of its own: the callback that calls this runs inside the client.
  void end_halted() {
    std::thread{[this] {
      if (auto left = client_.unacked(); left > 0)
        std::fprintf(stderr, "parley-chat: %zu message(s) not acknowledged by the server\n",
                     left);
      // Not fflush(nullptr): that waits for stdin's lock, held by the blocked read.
      std::fflush(stdout);
      std::fflush(stderr);
      std::_Exit(1);
    }}.detach();
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

  // An error the library or the server reported.
  void print_error(const parley::client_error& err) {
    print("! " + shown(err.code) + ": " + shown(err.message));
  }

  parley::client client_;
  std::mutex state_mutex_;
  std::string peer_;  // a user, or "#group"; guarded by state_mutex_
  std::map<std::string, std::vector<std::string>> unread_;  // peer -> ids; same
  std::map<std::string, std::string> changed_keys_;         // user -> new key; same
  std::mutex print_mutex_;
  std::atomic<bool> halted_{false};
  std::set<std::string> told_failures_;  // connection failures said since the last success
  // Last: it goes first, writing what is queued while print() still works.
  parley::chat::downloads downloads_;
};

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // Until the main thread takes it (chat::run): no thread of the client's gets it.
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
  auto keys = parley::identity_keys::load_or_create(flags.keys_path, error);
  if (!keys) {
    std::fprintf(stderr, "parley-chat: %s\n", error.c_str());
    return 1;
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
  chat session{std::move(options), dir + "/downloads/" + flags.user};
  int code = session.run();
  if (auto err = pins->last_error(); !err.empty())
    std::fprintf(stderr, "parley-chat: cannot keep pinned keys: %s\n", err.c_str());
  return code;
}
