#pragma once

// The push notifier's view of the push gateway (PROTOCOL.md section 4, offline push).
// net/ implements it as an HTTP POST to the --push-webhook URL; unit tests implement it
// with a vector. The notice carries who is waiting and how much, never a body or meta.

#include <cstdint>
#include <functional>
#include <string>

namespace parley {

/// One "a message waits for you" notice for an offline user.
struct push_notice {
  std::string user;   // the mailbox owner
  std::string from;   // the sender of the newest waiting message
  std::string group;  // its group; empty for one-to-one
  int64_t waiting = 0;  // messages waiting in the owner's mailbox
  int64_t ts = 0;       // ms since the epoch
};

/// How one POST ended.
struct push_result {
  bool ok = false;     // the gateway answered 2xx
  std::string detail;  // for logs: "status=200", "status=500", "connect: Connection refused"
};

class push_transport {
public:
  using done_handler = std::function<void(push_result)>;

  virtual ~push_transport() = default;
  /// Starts one POST of `notice`. Never blocks; calls `done` exactly once, later and
  /// from any thread (never from inside post()), also when the attempt timed out.
  virtual void post(const push_notice& notice, done_handler done) = 0;
};

} // namespace parley
