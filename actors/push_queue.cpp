#include "actors/push_queue.hpp"

#include <algorithm>

namespace parley {

push_queue::offer_result push_queue::offer(push_notice notice, time_point now) {
  auto i = users_.find(notice.user);
  if (i == users_.end()) {
    if (users_.size() >= settings_.max_users)
      forget_quiet(now);
    if (users_.size() >= settings_.max_users || pending_ >= settings_.queue_capacity)
      return offer_result::dropped;
    auto user = notice.user;
    i = users_.emplace(user, entry{}).first;
  } else {
    auto& e = i->second;
    switch (e.at) {
      case phase::queued:
      case phase::backoff:
        e.notice = std::move(notice);
        return offer_result::merged;
      case phase::posting:
        e.notice = std::move(notice);  // a retry, if one comes, carries the newest count
        return offer_result::rate_limited;
      case phase::quiet:
        if (now < e.quiet_until)
          return offer_result::rate_limited;
        if (pending_ >= settings_.queue_capacity)
          return offer_result::dropped;
        break;
    }
  }
  auto& e = i->second;
  e.at = phase::queued;
  e.notice = std::move(notice);
  e.attempts = 0;
  ready_.push_back(i->first);
  ++pending_;
  return offer_result::queued;
}

std::optional<push_notice> push_queue::next() {
  if (in_flight_ >= settings_.max_in_flight || ready_.empty())
    return std::nullopt;
  auto& e = users_.at(ready_.front());
  ready_.pop_front();
  e.at = phase::posting;
  ++e.attempts;
  ++in_flight_;
  return e.notice;
}

std::optional<push_queue::outcome> push_queue::finished(const std::string& user, bool ok,
                                                        time_point now) {
  auto i = users_.find(user);
  if (i == users_.end() || i->second.at != phase::posting)
    return std::nullopt;
  auto& e = i->second;
  --in_flight_;
  if (ok) {
    make_quiet(e, now);
    return outcome{outcome::sent, {}, e.attempts};
  }
  if (e.attempts < settings_.max_attempts) {
    e.at = phase::backoff;
    auto delay = settings_.first_backoff;
    for (unsigned n = 1; n < e.attempts && delay < settings_.max_backoff; ++n)
      delay *= 2;
    delay = std::max(std::min(delay, settings_.max_backoff), settings_.window);
    return outcome{outcome::retry, delay, e.attempts};
  }
  make_quiet(e, now);
  return outcome{outcome::failed, {}, e.attempts};
}

void push_queue::retry_due(const std::string& user) {
  auto i = users_.find(user);
  if (i == users_.end() || i->second.at != phase::backoff)
    return;
  i->second.at = phase::queued;
  ready_.push_back(i->first);
}

size_t push_queue::forget_quiet(time_point now) {
  size_t forgotten = 0;
  for (auto i = users_.begin(); i != users_.end();) {
    if (i->second.at == phase::quiet && i->second.quiet_until <= now) {
      i = users_.erase(i);
      ++forgotten;
    } else {
      ++i;
    }
  }
  return forgotten;
}

void push_queue::make_quiet(entry& e, time_point now) {
  e.at = phase::quiet;
  e.quiet_until = now + settings_.window;
  e.notice = push_notice{};  // a quiet user costs its name and a few bytes
  --pending_;
}

} // namespace parley
