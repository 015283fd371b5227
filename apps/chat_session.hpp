#pragma once

// One parley-chat run: the client library's events shown on the terminal (chat_session.cpp)
// and the lines typed on stdin turned into messages and requests (chat_commands.cpp).
// Lines are printed from the client's io thread and from the main thread, never
// interleaved.

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "apps/chat_downloads.hpp"
#include "apps/chat_sent.hpp"
#include "net/client.hpp"

namespace parley::chat {

/// SIG_BLOCK or SIG_UNBLOCK SIGINT for the calling thread (and threads it starts later).
void mask_interrupts(int how);

class chat_session {
public:
  chat_session(parley::client_options options, std::string downloads_dir);

  /// Reads commands until the end of input or /quit; returns the exit code.
  int run();

private:
  // -- the client's events (chat_session.cpp) ----------------------------------------------
  static void take_interrupts_here();
  void wire();
  void on_message(const parley::incoming_message& m);
  void receive_file(const std::string& who, const parley::media_ref& ref,
                    const std::string& line);
  void on_key_changed(const parley::key_change& k);
  /// What our message `id` was, to print beside its id: " \"hello…\"", or "" if unknown.
  std::string about(const std::string& id);
  /// Like about(), for a send that got its ack (`acknowledged`) or was refused.
  std::string settle(const std::string& id, bool acknowledged);
  void end_halted();
  int drain();
  void say_unacknowledged(size_t left);
  void print(const std::string& line);
  void print_error(const parley::client_error& err);

  // -- typed lines (chat_commands.cpp) -----------------------------------------------------
  /// One input line; false to stop reading.
  bool handle(const std::string& line);
  /// Checks `target` (a user, or #group) with the server, then selects it.
  void choose(const std::string& target);
  /// Makes `conversation` the current one and marks what waited in it read; `about` goes
  /// in brackets after its name in the line saying so.
  void select(const std::string& conversation, const std::string& about = {});
  void group_command(const std::string& arg);
  void send_file(const std::string& path);
  void trust(const std::string& user);
  void show_presence(const std::string& user);
  void watch(const std::string& user);

  // A message shown while another conversation was on screen: read once it is chosen.
  struct unread_message {
    std::string from;
    std::string id;
    std::string group;  // empty for one-to-one
  };

  parley::client client_;
  std::mutex state_mutex_;
  std::string peer_;  // a user, or "#group"; guarded by state_mutex_
  std::map<std::string, std::vector<unread_message>> unread_;  // peer -> messages; same
  std::map<std::string, std::string> changed_keys_;         // user -> new key; same
  sent_messages sent_;                                      // same
  std::mutex print_mutex_;
  std::atomic<bool> halted_{false};
  std::set<std::string> told_failures_;  // connection failures said since the last success
  // Last: it goes first, writing what is queued while print() still works.
  downloads downloads_;
};

} // namespace parley::chat
