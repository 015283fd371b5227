#include "apps/chat_text.hpp"

#include <cctype>
#include <cstdint>
#include <ctime>
#include <sstream>

#include "runtime/clock.hpp"
#include "runtime/config.hpp"

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

std::string user_id_problem(const std::string& user) {
  static constexpr const char* rule = " (1 to 32 of a-z 0-9 _ . -)";
  if (parley::is_valid_id(user))
    return {};
  if (user.empty())
    return std::string{"no user id given"} + rule;
  return "'" + shown(user) + "' is not a user id" + rule;
}

std::string target_problem(const std::string& target) {
  if (target.empty())
    return "whom? /to USER or /to #GROUP";
  if (target.front() != '#')
    return user_id_problem(target);
  // What the server accepts in requests (docs/protocol.md): g- and 1 to 32 of a-z 0-9.
  if (parley::is_valid_group_id(target.substr(1)))
    return {};
  return "'" + shown(target) + "' is not a group id (#g- and 1 to 32 of a-z 0-9, as "
         "/group create prints it; a group's name does not do)";
}

std::string without_hash(const std::string& group) {
  return !group.empty() && group.front() == '#' ? group.substr(1) : group;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\v\f") == std::string_view::npos;
}

std::string shown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '\t' || c == '\n' || c == '\r')
        out += ' ';
      else if (c >= 0x20 && c != 0x7f)
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    // One UTF-8 sequence: its length from the lead byte, then continuation bytes.
    size_t n = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    bool valid = n > 0 && i + n <= text.size();
    uint32_t cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; valid && k < n; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      valid = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not text either.
    valid = valid && !(n == 3 && cp < 0x800) && !(n == 4 && (cp < 0x10000 || cp > 0x10ffff))
            && !(cp >= 0xd800 && cp <= 0xdfff);
    if (!valid) {
      ++i;  // a stray byte: dropped, and the next one looked at afresh
      continue;
    }
    if (cp >= 0x80 && cp <= 0x9f) {  // C1 controls (CSI is U+009B)
      i += n;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string excerpt(std::string_view text, size_t max_chars) {
  auto all = shown(text);
  size_t chars = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    bool starts_a_char = (static_cast<unsigned char>(all[i]) & 0xc0) != 0x80;  // valid UTF-8
    if (starts_a_char && chars++ == max_chars)
      return all.substr(0, i) + "…";
  }
  return all;
}

} // namespace parley::chat
