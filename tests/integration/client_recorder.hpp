#pragma once

// What a parley::client reported through its callbacks, recorded for tests to wait on
// and compare.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "net/client.hpp"

namespace parley::testing {

// -- what one client reported ---------------------------------------------------------------

// Everything a client's callbacks report, one line each in arrival order: "connected",
// "disconnected <why>", "ack <id>", "delivered <id>", "read <id>", "msg <id>",
// "presence <user> online|offline", "error <code> <id>", "key_changed <user>".
class recorder {
public:
  void attach(client& c) {
    c.on_connected([this](const welcome_info&) { add("connected"); });
    c.on_disconnected([this](const std::string& why) { add("disconnected " + why); });
    c.on_ack([this](const std::string& id, int64_t) { add("ack " + id); });
    c.on_receipt([this](const receipt_info& r) {
      add(std::string{to_string(r.status)} + " " + r.id);
    });
    c.on_message([this](const incoming_message& m) { add("msg " + m.id, &m); });
    c.on_presence([this](const presence_info& p) {
      add("presence " + p.user + (p.online ? " online" : " offline"));
    });
    c.on_error([this](const std::string& id, const std::string& code, const std::string&) {
      add("error " + code + " " + id);
    });
    c.on_key_changed([this](const key_change& k) {
      {
        std::lock_guard<std::mutex> guard{mutex_};
        key_changes_.push_back(k);
      }
      add("key_changed " + k.user);
    });
  }

  /// Waits until `n` lines start with `prefix`; false on timeout.
  bool wait_for(const std::string& prefix, size_t n = 1, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock<std::mutex> lock{mutex_};
    return changed_.wait_for(lock, timeout, [&] { return matching(prefix).size() >= n; });
  }

  /// Waits until a line starts with `first` or with `second`; false on timeout.
  bool wait_for_either(const std::string& first, const std::string& second,
                       std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock<std::mutex> lock{mutex_};
    return changed_.wait_for(lock, timeout, [&] {
      return !matching(first).empty() || !matching(second).empty();
    });
  }

  /// The lines starting with `prefix`, in order.
  std::vector<std::string> lines(const std::string& prefix = "") {
    std::lock_guard<std::mutex> guard{mutex_};
    return matching(prefix);
  }

  std::vector<incoming_message> messages() {
    std::lock_guard<std::mutex> guard{mutex_};
    return messages_;
  }

  std::vector<key_change> key_changes() {
    std::lock_guard<std::mutex> guard{mutex_};
    return key_changes_;
  }

private:
  std::vector<std::string> matching(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& l : lines_)
      if (l.compare(0, prefix.size(), prefix) == 0)
        out.push_back(l);
    return out;
  }

  void add(std::string line, const incoming_message* m = nullptr) {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      lines_.push_back(std::move(line));
      if (m)
        messages_.push_back(*m);
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::vector<incoming_message> messages_;
  std::vector<key_change> key_changes_;
};

/// "msg <id>" for each id: what a recorder shows for messages received in that order.
inline std::vector<std::string> msg_lines(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids)
    out.push_back("msg " + id);
  return out;
}

} // namespace parley::testing
