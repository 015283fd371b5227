#include "bench/server_frame.hpp"

#include <boost/json/parse.hpp>

namespace parley::bench {

namespace {

// A cursor over the exact text the node writes (net/json_codec.cpp).
struct scanner {
  std::string_view text;
  size_t pos = 0;

  bool literal(std::string_view lit) {
    if (text.compare(pos, lit.size(), lit) != 0)
      return false;
    pos += lit.size();
    return true;
  }

  // A string value without escapes, up to its closing quote (which is consumed).
  bool plain(std::string_view& out) {
    for (size_t i = pos; i < text.size(); ++i) {
      if (text[i] == '\\')
        return false;
      if (text[i] == '"') {
        out = text.substr(pos, i - pos);
        pos = i + 1;
        return true;
      }
    }
    return false;
  }

  // `,"group":null` or `,"group":"<id>"`; null leaves `out` empty.
  bool group(std::string_view& out) {
    if (!literal(R"(,"group":)"))
      return false;
    if (literal("null"))
      return true;
    return literal("\"") && plain(out);
  }
};

bool fast_path(std::string_view text, server_frame& out) {
  scanner s{text};
  if (s.literal(R"({"op":"ack","id":")"))
    return s.plain(out.id) && (out.kind = frame_kind::ack, true);
  if (s.literal(R"({"op":"msg","id":")"))
    return s.plain(out.id) && s.literal(R"(,"from":")") && s.plain(out.from)
           && s.literal(R"(,"to":")") && s.plain(out.to) && s.group(out.group)
           && (out.kind = frame_kind::msg, true);
  if (s.literal(R"({"op":"receipt","id":")"))
    return s.plain(out.id) && s.literal(R"(,"to":")") && s.plain(out.to)
           && s.group(out.group) && s.literal(R"(,"status":")") && s.plain(out.status)
           && (out.kind = frame_kind::receipt, true);
  return false;
}

std::string_view string_field(const boost::json::object& obj, const char* key) {
  auto* v = obj.if_contains(key);
  if (!v || !v->is_string())
    return {};
  const auto& s = v->get_string();
  return {s.data(), s.size()};
}

void slow_path(std::string_view text, server_frame& out) {
  boost::system::error_code ec;
  out.parsed = boost::json::parse(text, ec);
  if (ec || !out.parsed.is_object()) {
    out.kind = frame_kind::invalid;
    return;
  }
  const auto& obj = out.parsed.get_object();
  auto op = string_field(obj, "op");
  out.id = string_field(obj, "id");
  out.from = string_field(obj, "from");
  out.to = string_field(obj, "to");
  out.group = string_field(obj, "group");
  out.status = string_field(obj, "status");
  out.code = string_field(obj, "code");
  out.nonce = string_field(obj, "nonce");
  out.token = string_field(obj, "token");
  if (op == "ack")
    out.kind = frame_kind::ack;
  else if (op == "msg")
    out.kind = frame_kind::msg;
  else if (op == "receipt")
    out.kind = frame_kind::receipt;
  else if (op == "challenge")
    out.kind = frame_kind::challenge;
  else if (op == "welcome")
    out.kind = frame_kind::welcome;
  else if (op == "error")
    out.kind = frame_kind::error;
  else if (op == "ok")
    out.kind = frame_kind::ok;
  else
    out.kind = frame_kind::other;
}

} // namespace

void read_server_frame(std::string_view text, server_frame& out) {
  out.kind = frame_kind::invalid;
  out.id = out.from = out.to = out.group = out.status = out.code = out.nonce = out.token = {};
  if (!fast_path(text, out))
    slow_path(text, out);
}

} // namespace parley::bench
