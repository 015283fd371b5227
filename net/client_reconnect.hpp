#pragma once

// Where and when a client connects next. After losing a node it tries the other nodes
// the last `welcome` listed, then the configured URLs, then the lost node again; the
// waits between attempts grow exponentially with full jitter (a random wait between 0
// and the cap), so that the clients of a crashed node do not all return at once.

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace parley {

struct backoff_settings {
  std::chrono::milliseconds initial{200};  // cap of the first wait
  std::chrono::milliseconds max{5000};     // the cap stops doubling here
};

class reconnect_plan {
public:
  reconnect_plan(backoff_settings settings, std::vector<std::string> configured);

  /// Replaces the configured URLs; the next attempt starts from the new list.
  void set_configured(std::vector<std::string> urls);

  /// A session was established at `url`; `nodes` comes from its welcome.
  void connected(const std::string& url, std::vector<std::string> nodes);

  /// The session at `url` ended: the next attempts start with the other nodes.
  void lost(const std::string& url);

  /// The URL to try next.
  std::string next_url();

  /// The wait before the next attempt; each call doubles the cap until `max`.
  std::chrono::milliseconds next_delay();

private:
  void rebuild();

  backoff_settings settings_;
  std::vector<std::string> configured_;
  std::vector<std::string> learned_;  // nodes of the last welcome
  std::string last_;                  // the URL of the last session or attempt
  std::vector<std::string> rotation_;
  size_t cursor_ = 0;
  unsigned failures_ = 0;
  std::mt19937_64 rng_;
};

} // namespace parley
