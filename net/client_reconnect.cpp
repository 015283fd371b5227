#include "net/client_reconnect.hpp"

#include <algorithm>

namespace parley {

namespace {

void append_unique(std::vector<std::string>& out, const std::string& url) {
  if (!url.empty() && std::find(out.begin(), out.end(), url) == out.end())
    out.push_back(url);
}

} // namespace

reconnect_plan::reconnect_plan(backoff_settings settings, std::vector<std::string> configured)
  : settings_(settings), configured_(std::move(configured)), rng_(std::random_device{}()) {
  rebuild();
}

void reconnect_plan::set_configured(std::vector<std::string> urls) {
  configured_ = std::move(urls);
  rebuild();
}

void reconnect_plan::connected(const std::string& url, std::vector<std::string> nodes) {
  last_ = url;
  learned_ = std::move(nodes);
  failures_ = 0;
}

void reconnect_plan::lost(const std::string& url) {
  last_ = url;
  rebuild();
}

std::string reconnect_plan::next_url() {
  if (cursor_ >= rotation_.size())
    rebuild();
  if (rotation_.empty())
    return {};
  last_ = rotation_[cursor_++];
  return last_;
}

std::chrono::milliseconds reconnect_plan::next_delay() {
  // Doubling stops well before overflow: 2^16 times any sane initial wait is past max.
  auto cap = settings_.initial * (int64_t{1} << std::min(failures_, 16u));
  cap = std::min(cap, settings_.max);
  ++failures_;
  if (cap.count() <= 0)
    return std::chrono::milliseconds{0};
  std::uniform_int_distribution<int64_t> pick{0, cap.count()};
  return std::chrono::milliseconds{pick(rng_)};
}

// The order of attempts: the other nodes of the last welcome, the configured URLs,
// and the node we just lost last, since it is the one most likely still down.
void reconnect_plan::rebuild() {
  rotation_.clear();
  cursor_ = 0;
  for (const auto& url : learned_)
    if (url != last_)
      append_unique(rotation_, url);
  for (const auto& url : configured_)
    if (url != last_)
      append_unique(rotation_, url);
  append_unique(rotation_, last_);
}

} // namespace parley
