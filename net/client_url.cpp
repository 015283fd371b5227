#include "net/client_url.hpp"

#include <cctype>

namespace parley {

namespace {

std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5)
    return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(value);
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

} // namespace

std::string ws_url::host_header() const {
  auto name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == 80 ? name : name + ":" + std::to_string(port);
}

std::optional<ws_url> parse_ws_url(std::string_view text) {
  constexpr std::string_view scheme = "ws://";
  if (text.substr(0, scheme.size()) != scheme)
    return std::nullopt;
  text.remove_prefix(scheme.size());
  auto slash = text.find_first_of("/?");
  auto authority = text.substr(0, slash);
  ws_url url;
  url.target = slash == std::string_view::npos ? "/v1/ws" : std::string{text.substr(slash)};
  if (url.target.front() == '?')
    url.target.insert(0, "/");
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return std::nullopt;
    port = rest.empty() ? rest : rest.substr(1);
    for (char c : host)
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
        return std::nullopt;
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon + 1);
    if (colon != std::string_view::npos && port.empty())
      return std::nullopt;
    for (char c : host)
      if (!valid_host_char(c))
        return std::nullopt;
  }
  if (host.empty())
    return std::nullopt;
  url.host = std::string{host};
  if (!port.empty()) {
    auto number = parse_port(port);
    if (!number)
      return std::nullopt;
    url.port = *number;
  }
  for (char c : url.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return std::nullopt;
  return url;
}

} // namespace parley
