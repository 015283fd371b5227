// chat_session, the typing side: each line from stdin is a command or a message to the
// current peer or group.

#include "apps/chat_session.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <variant>

#include "apps/chat_text.hpp"
#include "net/client_crypto.hpp"
#include "net/client_media.hpp"

namespace parley::chat {

namespace {

// How long /to waits for the server to say whether its target exists.
constexpr auto target_check_timeout = std::chrono::seconds{2};

constexpr const char* help_text =
  "/to USER         talk to USER (marks their waiting messages read)\n"
  "/to #GROUP       talk to a group, by the id /group create prints (#g-...; marks its\n"
  "                 waiting messages read)\n"
  "/group create NAME a,b    create a group with members a and b (and you)\n"
  "/group add|remove GROUP a,b   change its members (owner only)\n"
  "/group leave GROUP        leave it; /group info GROUP lists its members\n"
  "/image PATH      send a file, encrypted, to the current peer or group\n"
  "/trust USER      accept USER's new identity key after a key-change warning\n"
  "/presence USER   show whether USER is online, or when last seen\n"
  "/subscribe USER  report when USER comes online or goes offline\n"
  "/help            this list\n"
  "/quit            leave (after the server has everything you sent)\n"
  "anything else    a message to the current peer (blank lines are not sent; a line of\n"
  "                 4095 bytes, a terminal's limit, gets a warning that it may be cut)";

// The bytes of the file at `path` (a leading ~/ is the home directory), or why not.
std::optional<std::string> read_for_sending(std::string path, std::string& why) {
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

} // namespace

bool chat_session::handle(const std::string& line) {
  if (is_blank(line))
    return true;
  if (line.front() != '/') {
    // Held until the send is remembered: its ack or refusal may come at once.
    std::lock_guard<std::mutex> guard{state_mutex_};
    if (peer_.empty()) {
      print("! choose a peer first: /to USER or /to #GROUP");
      return true;
    }
    auto id = peer_.front() == '#' ? client_.send_group(peer_.substr(1), line)
                                   : client_.send(peer_, line);
    sent_.add(id, {peer_, "\"" + excerpt(line) + "\""});
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
  } else if (command == "/to") {
    if (auto problem = target_problem(arg); !problem.empty())
      print("! /to: " + problem);
    else
      choose(arg);
  } else if (command == "/group") {
    group_command(arg);
  } else if (command == "/image") {
    send_file(arg);
  } else if (command == "/trust") {
    trust(arg);
  } else if (command == "/presence" || command == "/subscribe") {
    if (auto problem = user_id_problem(arg); !problem.empty())
      print("! " + command + ": " + problem);
    else if (command == "/presence")
      show_presence(arg);
    else
      watch(arg);
  } else {
    print("! unknown command " + command + "; /help lists them");
  }
  return true;
}

// -- conversations --------------------------------------------------------------------------

// /to asks the server before the conversation changes: a user who does not exist, or a
// group one is not in, would have every message refused later. The input waits for the
// answer (a line typed right after /to goes to the new conversation); when the server
// cannot answer now (no connection, a node failing over), it changes unchecked.
void chat_session::choose(const std::string& target) {
  struct answer {
    std::optional<parley::client_error> error;
    std::string about;
  };
  if (!client_.online()) {
    select(target, "not checked: offline");
    return;
  }
  auto promise = std::make_shared<std::promise<answer>>();
  auto result = promise->get_future();
  if (target.front() == '#') {
    client_.group_info(without_hash(target), [promise](const parley::reply<parley::group_info>& r) {
      if (auto* err = std::get_if<parley::client_error>(&r)) {
        promise->set_value({*err, {}});
        return;
      }
      const auto& g = std::get<parley::group_info>(r);
      promise->set_value({std::nullopt, "\"" + shown(g.name) + "\", "
                                          + std::to_string(g.members.size()) + " members"});
    });
  } else {
    client_.key(target, [promise](const parley::reply<parley::key_info>& r) {
      auto* err = std::get_if<parley::client_error>(&r);
      promise->set_value({err ? std::optional{*err} : std::nullopt, {}});
    });
  }
  if (result.wait_for(target_check_timeout) != std::future_status::ready) {
    select(target, "not checked: no answer");
    return;
  }
  auto a = result.get();
  if (!a.error)
    select(target, a.about);
  else if (a.error->code == "unknown_user")
    print("! /to: there is no user " + shown(target));
  else if (a.error->code == "unknown_group")
    print("! /to: there is no group " + shown(target));
  else if (a.error->code == "not_member")
    print("! /to: you are not a member of " + shown(target));
  else
    select(target, "not checked: " + shown(a.error->code));
}

void chat_session::select(const std::string& conversation, const std::string& about) {
  std::vector<unread_message> waiting;
  {
    std::lock_guard<std::mutex> guard{state_mutex_};
    peer_ = conversation;
    waiting.swap(unread_[conversation]);
    unread_.erase(conversation);
  }
  for (const auto& m : waiting)
    client_.mark_read(m.from, m.id, m.group);
  auto notes = about;
  if (!waiting.empty())
    notes += (notes.empty() ? "" : "; ") + std::to_string(waiting.size()) + " marked read";
  print("* talking to " + conversation + (notes.empty() ? "" : " (" + notes + ")"));
}

// /group create NAME a,b | /group add|remove GROUP a,b | /group leave|info GROUP
void chat_session::group_command(const std::string& arg) {
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

void chat_session::send_file(const std::string& path) {
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
  // Sealed on this thread without the state lock, so that messages and acks arriving
  // meanwhile are shown at once; an ack that overtakes the add below is kept for it
  // (sent_messages).
  auto id = peer.front() == '#'
              ? client_.send_group_file(peer.substr(1), std::move(bytes), mime_of(path), name)
              : client_.send_file(peer, std::move(bytes), mime_of(path), name);
  std::lock_guard<std::mutex> guard{state_mutex_};
  sent_.add(id, {peer, "file " + name});
}

// -- keys and presence ----------------------------------------------------------------------

void chat_session::trust(const std::string& user) {
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

void chat_session::show_presence(const std::string& user) {
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

void chat_session::watch(const std::string& user) {
  client_.subscribe({user}, [this, user](const std::optional<parley::client_error>& err) {
    if (err)
      print_error(*err);
    else
      print("* watching " + user + " come and go");
  });
}

} // namespace parley::chat
