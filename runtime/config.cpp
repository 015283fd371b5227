#include "runtime/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace parley {

namespace {

// A decimal number from 0 to 65,535 (a port, a count, seconds).
bool parse_small_number(const std::string& text, uint16_t& out) {
  if (text.empty() || text.size() > 5)
    return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535)
    return false;
  out = static_cast<uint16_t>(value);
  return true;
}

bool split_flag(const std::string& arg, std::string& name, std::string& value,
                bool& has_value) {
  if (arg.rfind("--", 0) != 0 || arg.size() < 3)
    return false;
  auto eq = arg.find('=');
  has_value = eq != std::string::npos;
  name = arg.substr(2, has_value ? eq - 2 : std::string::npos);
  value = has_value ? arg.substr(eq + 1) : std::string{};
  return true;
}

std::optional<std::vector<endpoint>> parse_endpoint_list(const std::string& text) {
  std::vector<endpoint> out;
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                              : comma - start);
    auto ep = parse_endpoint(item);
    if (!ep || ep->port == 0)
      return std::nullopt;
    out.push_back(*ep);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

} // namespace

std::string endpoint::to_string() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<endpoint> parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty())
    return std::nullopt;
  for (char c : host)
    if (c == ' ' || c == '/' || c == '[' || c == ']')
      return std::nullopt;
  endpoint ep;
  ep.host = host;
  if (!parse_small_number(text.substr(colon + 1), ep.port))
    return std::nullopt;
  return ep;
}

std::string http_url::to_string() const {
  bool default_port = port == (tls ? 443 : 80);
  auto shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (tls ? "https://" : "http://") + shown
         + (default_port ? "" : ":" + std::to_string(port)) + target;
}

std::optional<http_url> parse_http_url(const std::string& text) {
  http_url url;
  std::string rest;
  if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else if (text.rfind("https://", 0) == 0) {
    url.tls = true;
    url.port = 443;
    rest = text.substr(8);
  } else {
    return std::nullopt;
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  url.target = slash == std::string::npos ? "/" : rest.substr(slash);
  for (char c : url.target)
    if (c == '#' || c == ' ' || static_cast<unsigned char>(c) < 0x21)
      return std::nullopt;
  if (authority.empty() || authority.find('@') != std::string::npos)
    return std::nullopt;
  auto port_colon = authority.rfind(':');
  auto bracket = authority.rfind(']');
  if (port_colon != std::string::npos
      && (bracket == std::string::npos || port_colon > bracket)) {
    if (!parse_small_number(authority.substr(port_colon + 1), url.port) || url.port == 0)
      return std::nullopt;
    authority = authority.substr(0, port_colon);
  }
  bool bracketed = authority.size() > 2 && authority.front() == '[' && authority.back() == ']';
  if (bracketed)
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty() || (!bracketed && authority.find(':') != std::string::npos))
    return std::nullopt;
  for (char c : authority)
    if (c == ' ' || c == '/' || c == '[' || c == ']' || c == '?')
      return std::nullopt;
  url.host = authority;
  return url;
}

bool is_valid_id(const std::string& id) {
  if (id.empty() || id.size() > 32)
    return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
              || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

bool is_valid_group_id(const std::string& gid) {
  if (gid.size() < 3 || gid.size() > 34 || gid.compare(0, 2, "g-") != 0)
    return false;
  return std::all_of(gid.begin() + 2, gid.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

const char* node_usage() {
  return "usage: parley-node --id=ID --data=DIR [--client=HOST:PORT] [--admin=HOST:PORT]\n"
         "                   [--cluster=HOST:PORT] [--join=HOST:PORT,...] [--replicas=N]\n"
         "                   [--sync=normal|full] [--secret-file=FILE] [--tls-dir=DIR]\n"
         "                   [--push-webhook=URL] [--enable-fault-injection]\n"
         "                   [--client-idle-timeout=SECONDS]\n";
}

flag_result parse_node_flags(const std::vector<std::string>& args) {
  flag_result result;
  node_settings s;
  bool have_id = false;
  bool have_data = false;
  auto fail = [&](std::string line) {
    result.error = std::move(line);
    return result;
  };
  for (const auto& arg : args) {
    std::string name;
    std::string value;
    bool has_value = false;
    if (arg == "--help" || arg == "-h") {
      result.help = true;
      return result;
    }
    if (!split_flag(arg, name, value, has_value))
      return fail("unexpected argument '" + arg + "' (flags look like --name=value)");
    auto need_value = [&]() { return has_value && !value.empty(); };
    if (name == "enable-fault-injection") {
      if (has_value)
        return fail("--enable-fault-injection takes no value");
      s.fault_injection = true;
      continue;
    }
    if (!need_value())
      return fail("flag --" + name + " needs a value (--" + name + "=...)");
    if (name == "id") {
      if (!is_valid_id(value))
        return fail("--id must match ^[a-z0-9_.-]{1,32}$, got '" + value + "'");
      s.id = value;
      have_id = true;
    } else if (name == "data") {
      s.data_dir = value;
      have_data = true;
    } else if (name == "client" || name == "admin" || name == "cluster") {
      auto ep = parse_endpoint(value);
      if (!ep)
        return fail("--" + name + " must be HOST:PORT, got '" + value + "'");
      if (name == "client")
        s.client = *ep;
      else if (name == "admin")
        s.admin = *ep;
      else
        s.cluster.listen = *ep;
    } else if (name == "join") {
      auto list = parse_endpoint_list(value);
      if (!list)
        return fail("--join must be HOST:PORT[,HOST:PORT...] with nonzero ports, got '"
                    + value + "'");
      s.cluster.seeds = std::move(*list);
    } else if (name == "replicas") {
      uint16_t n = 0;
      if (!parse_small_number(value, n) || n < 1 || n > 9)
        return fail("--replicas must be a number from 1 to 9, got '" + value + "'");
      s.cluster.replicas = n;
    } else if (name == "sync") {
      if (value == "normal")
        s.store.sync = sync_mode::normal;
      else if (value == "full")
        s.store.sync = sync_mode::full;
      else
        return fail("--sync must be normal or full, got '" + value + "'");
    } else if (name == "secret-file") {
      std::ifstream in{value, std::ios::binary};
      if (!in)
        return fail("--secret-file: cannot read '" + value + "'");
      std::string bytes{std::istreambuf_iterator<char>{in}, {}};
      if (bytes.size() < 32)
        return fail("--secret-file: '" + value + "' holds " + std::to_string(bytes.size())
                    + " bytes, at least 32 are needed");
      s.secret_file = value;
    } else if (name == "tls-dir") {
      for (const char* file : {"ca.pem", "node.pem", "node.key"}) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(std::filesystem::path{value} / file, ec))
          return fail("--tls-dir: '" + value + "' has no " + file);
      }
      s.cluster.tls_dir = value;
    } else if (name == "push-webhook") {
      auto url = parse_http_url(value);
      if (!url)
        return fail("--push-webhook must be an http:// or https:// URL with a host, got '"
                    + value + "'");
      s.push_webhook = std::move(*url);
    } else if (name == "client-idle-timeout") {
      uint16_t seconds = 0;
      if (!parse_small_number(value, seconds) || seconds < 1 || seconds > 3600)
        return fail("--client-idle-timeout must be a number of seconds from 1 to 3600, got '"
                    + value + "'");
      s.client_idle_timeout = std::chrono::seconds{seconds};
    } else {
      return fail("unknown flag --" + name);
    }
  }
  if (!have_id)
    return fail("--id is required");
  if (!have_data)
    return fail("--data is required");
  s.cluster.node_id = s.id;
  s.store.database = s.data_dir / "parley.db";
  result.settings = std::move(s);
  return result;
}

std::string prepare_data_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return "--data: cannot create '" + dir.string() + "': " + ec.message();
  if (!std::filesystem::is_directory(dir, ec))
    return "--data: '" + dir.string() + "' is not a directory";
  auto probe = dir / ".write-probe";
  {
    std::ofstream out{probe};
    if (!out)
      return "--data: '" + dir.string() + "' is not writable: " + std::strerror(errno);
  }
  std::filesystem::remove(probe, ec);
  return {};
}

} // namespace parley
