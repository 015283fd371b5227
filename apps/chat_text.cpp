#include "apps/chat_text.hpp"

#include <cctype>
#include <ctime>
#include <sstream>

#include "runtime/clock.hpp"

namespace parley::chat {

namespace {

std::tm local_time(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  return tm;
}

} // namespace

std::string format_time(int64_t ms, const char* format) {
  auto tm = local_time(ms);
  char buf[64];
  return std::strftime(buf, sizeof(buf), format, &tm) > 0 ? buf : "";
}

std::string last_seen_text(int64_t ms) {
  if (ms <= 0)
    return "never";
  auto then = local_time(ms);
  auto now = local_time(parley::now_ms());
  auto yesterday = local_time(parley::now_ms() - 24 * 3600 * 1000);
  auto same_day = [](const std::tm& a, const std::tm& b) {
    return a.tm_year == b.tm_year && a.tm_yday == b.tm_yday;
  };
  if (same_day(then, now))
    return format_time(ms, "%H:%M:%S");
  if (same_day(then, yesterday))
    return format_time(ms, "yesterday %H:%M");
  return format_time(ms, "%Y-%m-%d");
}

std::string mime_of(const std::string& path) {
  auto dot = path.rfind('.');
  auto ext = dot == std::string::npos ? std::string{} : path.substr(dot + 1);
  for (auto& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "png")
    return "image/png";
  if (ext == "jpg" || ext == "jpeg")
    return "image/jpeg";
  if (ext == "gif")
    return "image/gif";
  if (ext == "webp")
    return "image/webp";
  return "application/octet-stream";
}

std::vector<std::string> split_users(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in{text};
  for (std::string item; std::getline(in, item, ',');) {
    while (!item.empty() && item.front() == ' ')
      item.erase(item.begin());
    while (!item.empty() && item.back() == ' ')
      item.pop_back();
    if (!item.empty())
      out.push_back(item);
  }
  return out;
}

std::string without_hash(const std::string& group) {
  return !group.empty() && group.front() == '#' ? group.substr(1) : group;
}

} // namespace parley::chat
