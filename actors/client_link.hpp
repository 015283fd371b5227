#pragma once

// The session's view of its client connection. net/ implements it over a WebSocket; unit
// tests implement it with a vector. Both calls are safe from any thread and never block:
// frames are queued and leave in the order they were sent.

#include <cstdint>
#include <vector>

#include "actors/frames.hpp"

namespace parley {

enum class close_reason {
  normal,       // 1000
  replaced,     // 1000 after {"op":"error","code":"replaced"}
  auth_failed,  // 1008 after {"op":"error","code":"auth_failed"}
  shutdown,     // 1001: the node is stopping
  internal,     // 1011: the session crashed
};

class client_link {
public:
  virtual ~client_link() = default;
  /// Sends a frame. True if it was written to the socket before returning; otherwise it
  /// is queued, and once a queued receipt (an item_frame of kind receipt) has been
  /// written the link tells the session with (written_atom, seqs).
  virtual bool send(outgoing_frame frame) = 0;
  /// Flushes what was sent before, then closes. Later sends are dropped.
  virtual void close(close_reason why) = 0;
  /// Holds the frames sent from now on back until uncork(). A link that cannot hold
  /// frames writes them as they come.
  virtual void cork() {}
  /// Writes the held frames, in one write where the socket takes them all. Returns the
  /// seqs of the receipts among them that are written by the time it returns; the others
  /// are reported with written_atom as for send().
  virtual std::vector<int64_t> uncork() { return {}; }
};

} // namespace parley
