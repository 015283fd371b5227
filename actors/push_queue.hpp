#pragma once

// What the push notifier decides, without any actor around it: which offline user's
// notice goes out next, which ones the per-user rate limit holds back, when a failed
// POST is tried again, and when a user is forgotten. Time is passed in.
//
// Each user it knows is in one phase:
//
//   (new) --offer--> queued --next--> posting --ok / gave up--> quiet --window over--> (forgotten)
//                      ^                 |
//                      |             failed, attempts left
//                      |                 v
//                      +--retry_due-- backoff
//
// An offer for a user who is queued or in backoff replaces the notice waiting there (the
// next POST carries the newest count); an offer while posting is kept for a retry; an
// offer while quiet is rate limited. A user stays quiet for `window` after their last
// POST ended, so that a gateway sees at most one notice per user per window.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "actors/push_transport.hpp"

namespace parley {

struct push_settings {
  std::chrono::milliseconds window{10'000};  // one notice per user per window
  size_t queue_capacity = 1024;    // users queued, posting or in backoff
  size_t max_users = 65'536;       // users remembered, quiet ones included
  size_t max_in_flight = 4;        // POSTs under way at once
  unsigned max_attempts = 5;       // per notice, the first one included
  // Doubled after each failure. A retry never comes sooner than `window` after the
  // failed POST ended: a gateway hears of a user at most once per window, retries
  // included (PROTOCOL.md section 4).
  std::chrono::milliseconds first_backoff{10'000};
  std::chrono::milliseconds max_backoff{80'000};
};

class push_queue {
public:
  using time_point = std::chrono::steady_clock::time_point;

  enum class offer_result {
    queued,        // a POST will follow
    merged,        // replaced the notice already waiting for this user
    rate_limited,  // the user was notified less than a window ago, or a POST is under way
    dropped,       // no room: queue_capacity or max_users reached
  };

  struct outcome {
    enum what_t { sent, retry, failed } what = sent;
    std::chrono::milliseconds delay{0};  // retry: when to call retry_due
    unsigned attempts = 0;               // attempts made so far
  };

  explicit push_queue(push_settings settings) : settings_(settings) {}

  offer_result offer(push_notice notice, time_point now);
  /// The next notice to POST while fewer than max_in_flight are under way.
  std::optional<push_notice> next();
  /// The POST for `user` ended at `now`; nothing when no POST for `user` was under way.
  std::optional<outcome> finished(const std::string& user, bool ok, time_point now);
  /// The backoff of `user` is over: queue the notice again.
  void retry_due(const std::string& user);
  /// Forgets quiet users whose window is over; returns how many.
  size_t forget_quiet(time_point now);

  size_t users() const { return users_.size(); }
  size_t pending() const { return pending_; }  // queued, posting or in backoff
  size_t in_flight() const { return in_flight_; }

private:
  enum class phase { queued, posting, backoff, quiet };

  struct entry {
    phase at = phase::quiet;
    push_notice notice;     // the newest notice for the user
    unsigned attempts = 0;  // of the notice under way
    time_point quiet_until;
  };

  void make_quiet(entry& e, time_point now);

  push_settings settings_;
  std::unordered_map<std::string, entry> users_;
  std::deque<std::string> ready_;  // users in phase queued, in order
  size_t pending_ = 0;
  size_t in_flight_ = 0;
};

} // namespace parley
