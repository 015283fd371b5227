// chat_session, the client's side: what the library reports, shown as lines on the
// terminal, and how the run ends.

#include "apps/chat_session.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <variant>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "apps/chat_text.hpp"
#include "net/client_crypto.hpp"

namespace parley::chat {

namespace {

constexpr auto drain_timeout = std::chrono::seconds{10};

// A terminal in canonical mode (Linux's N_TTY) keeps at most 4096 bytes of a line, the
// newline included, and drops what is typed past them. Piped input has no such limit, so
// a line of this length there is only probably cut; the warning says "may".
constexpr size_t terminal_line_limit = 4095;

} // namespace

void mask_interrupts(int how) {
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  ::pthread_sigmask(how, &interrupt, nullptr);
}

chat_session::chat_session(parley::client_options options, std::string downloads_dir)
  : client_(std::move(options)), downloads_(std::move(downloads_dir)) {
  wire();
}

int chat_session::run() {
  if (auto err = client_.start()) {
    std::fprintf(stderr, "parley-chat: %s\n", err->message.c_str());
    return 2;
  }
  take_interrupts_here();
  for (std::string line; std::getline(std::cin, line);) {
    if (line.size() == terminal_line_limit)
      print("! that line has 4095 bytes, the most a terminal passes on: its end may have "
            "been cut off (what arrived is handled as it is)");
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (!handle(line))
      break;
  }
  return drain();
}

// Ctrl-C ends the input as Ctrl-D does, so what was typed is still acknowledged before
// we go; a second Ctrl-C quits at once. The client's threads were started with SIGINT
// blocked (main), so it comes to this thread: closing stdin ends a read under way (it
// is not restarted) as well as the next one, if a line was being handled.
void chat_session::take_interrupts_here() {
  struct sigaction on_interrupt{};
  on_interrupt.sa_handler = [](int) {
    ::close(STDIN_FILENO);
    std::signal(SIGINT, SIG_DFL);
  };
  sigemptyset(&on_interrupt.sa_mask);
  ::sigaction(SIGINT, &on_interrupt, nullptr);
  mask_interrupts(SIG_UNBLOCK);
}

// -- the client's events --------------------------------------------------------------------

void chat_session::wire() {
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
  client_.on_ack([this](const std::string& id, int64_t) {
    print("✓ sent " + id + settle(id, true));
  });
  client_.on_receipt([this](const parley::receipt_info& r) {
    auto where = shown(r.group.empty() ? r.to : r.to + " in #" + r.group);
    print("✓✓ " + std::string{to_string(r.status)} + " " + shown(r.id) + " (" + where + ")"
          + about(r.id));
  });
  client_.on_key_changed([this](const parley::key_change& k) { on_key_changed(k); });
  client_.on_message([this](const parley::incoming_message& m) { on_message(m); });
  client_.on_presence([this](const parley::presence_info& p) {
    print("* " + shown(p.user) + (p.online ? " is online" : " went offline"));
  });
  client_.on_error([this](const std::string& id, const std::string& code,
                          const std::string& message) {
    auto what = settle(id, false);  // if it was a send, it ends here
    print("! " + shown(code) + ": " + shown(message)
          + (id.empty() ? "" : " (" + shown(id) + what + ")"));
  });
}

void chat_session::on_message(const parley::incoming_message& m) {
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
  // Read now if its conversation is the one on screen, else once it is chosen (/to).
  auto conversation = m.group.empty() ? m.from : "#" + m.group;
  std::lock_guard<std::mutex> guard{state_mutex_};
  if (conversation == peer_)
    client_.mark_read(m.from, m.id, m.group);
  else
    unread_[conversation].push_back(unread_message{m.from, m.id, m.group});
}

void chat_session::receive_file(const std::string& who, const parley::media_ref& ref,
                                const std::string& line) {
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

void chat_session::on_key_changed(const parley::key_change& k) {
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

std::string chat_session::about(const std::string& id) {
  std::lock_guard<std::mutex> guard{state_mutex_};
  auto* s = sent_.find(id);
  return s ? " " + s->about : "";
}

std::string chat_session::settle(const std::string& id, bool acknowledged) {
  std::lock_guard<std::mutex> guard{state_mutex_};
  auto* s = sent_.find(id);
  auto what = s ? " " + s->about : "";
  if (acknowledged)
    sent_.acked(id);
  else
    sent_.refused(id);
  return what;
}

// -- the end --------------------------------------------------------------------------------

// The server ended this session for good: nothing typed from now on could be sent, so
// go at once (the main thread may be waiting for a line) and say what was not sent.
// From a thread of its own: the callback that calls this runs inside the client.
void chat_session::end_halted() {
  std::thread{[this] {
    if (auto left = client_.unacked(); left > 0)
      say_unacknowledged(left);
    // Not fflush(nullptr): that waits for stdin's lock, held by the blocked read.
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(1);
  }}.detach();
}

// After the input ends: everything sent must reach the server before we go.
int chat_session::drain() {
  auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  while (client_.unacked() > 0 && !halted_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  auto left = client_.unacked();
  client_.stop();
  if (left > 0) {
    say_unacknowledged(left);
    return 1;
  }
  return 0;
}

// On stderr, since it is what a script reading our output must not miss: how many, then
// each one's recipient and start, so that the user can send them again.
void chat_session::say_unacknowledged(size_t left) {
  std::vector<sent_messages::sent> unacked;
  {
    std::lock_guard<std::mutex> guard{state_mutex_};
    unacked = sent_.unacknowledged();
  }
  auto text = "parley-chat: " + std::to_string(left) + " message(s) not acknowledged by the server"
              + (unacked.empty() ? "\n" : ":\n");
  for (const auto& s : unacked)
    text += "  to " + s.to + ": " + s.about + "\n";
  std::fputs(text.c_str(), stderr);
}

// Lines from the io thread and from stdin commands never interleave, and each is
// flushed at once so that a pipe or file reader sees it.
void chat_session::print(const std::string& line) {
  std::lock_guard<std::mutex> guard{print_mutex_};
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// An error the library or the server reported.
void chat_session::print_error(const parley::client_error& err) {
  print("! " + shown(err.code) + ": " + shown(err.message));
}

} // namespace parley::chat
