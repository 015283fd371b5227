#include "net/json_codec.hpp"

#include <boost/json.hpp>

#include "runtime/base64.hpp"
#include "runtime/config.hpp"

namespace parley::json {

namespace bj = boost::json;

namespace {

rejected_frame reject(std::string id, std::string message, errc code = errc::bad_request) {
  return rejected_frame{std::move(id), code, std::move(message)};
}

// Field access that records the first problem and carries on, so that each decoder
// reads as a list of fields.
class fields {
public:
  explicit fields(const bj::object& obj) : obj_(obj) {}

  std::string string(const char* name, bool required = true) {
    auto* v = obj_.if_contains(name);
    if (!v || v->is_null()) {
      if (required)
        problem(std::string{"missing field '"} + name + "'");
      return {};
    }
    if (!v->is_string()) {
      problem(std::string{"field '"} + name + "' must be a string");
      return {};
    }
    return std::string{v->get_string()};
  }

  /// Whether the field is there and not null.
  bool given(const char* name) const {
    auto* v = obj_.if_contains(name);
    return v && !v->is_null();
  }

  // Whether a value read by string() must be checked: a required one always (unless
  // reading it already failed: missing or mistyped), an optional one unless it is "",
  // which counts as absent, as null does (some clients write every field).
  bool to_check(const std::string& value, bool required) const {
    return required ? !failed_ : !value.empty();
  }

  std::string user(const char* name, bool required = true) {
    auto value = string(name, required);
    if (to_check(value, required) && !is_valid_id(value))
      problem(std::string{"field '"} + name + "' is not a valid user id");
    return value;
  }

  std::string request_id() {
    auto value = string("id");
    if (to_check(value, true) && !is_valid_request_id(value))
      problem("field 'id' must be 1..64 characters of [A-Za-z0-9_-]");
    return value;
  }

  /// A non-empty array of at most `limit` user ids (empty allowed when not required).
  std::vector<std::string> user_list(const char* name, size_t limit, bool required = true) {
    std::vector<std::string> out;
    auto* v = obj_.if_contains(name);
    if (!v || v->is_null()) {
      if (required)
        problem(std::string{"missing field '"} + name + "'");
      return out;
    }
    if (!v->is_array() || (required && v->get_array().empty())) {
      problem(std::string{"field '"} + name + "' must be a non-empty array of user ids");
      return out;
    }
    if (v->get_array().size() > limit) {
      problem("at most " + std::to_string(limit) + " users in '" + name + "'", errc::too_large);
      return out;
    }
    for (const auto& u : v->get_array()) {
      if (!u.is_string() || !is_valid_id(std::string{u.get_string()})) {
        problem(std::string{"field '"} + name + "' must be an array of user ids");
        out.clear();
        break;
      }
      out.emplace_back(u.get_string());
    }
    return out;
  }

  std::string group(const char* name, bool required = true) {
    auto value = string(name, required);
    if (to_check(value, required) && !is_valid_group_id(value))
      problem(std::string{"field '"} + name + "' is not a valid group id");
    return value;
  }

  std::string bytes(const char* name, size_t expected) {
    auto text = string(name);
    if (text.empty()) {
      if (to_check(text, true))
        problem(std::string{"field '"} + name + "' is empty");
      return {};
    }
    auto raw = base64_decode(text);
    if (!raw || raw->size() != expected) {
      problem(std::string{"field '"} + name + "' must be base64 of " + std::to_string(expected)
              + " bytes");
      return {};
    }
    return *raw;
  }

  /// An optional JSON object, as text; "{}" when absent.
  std::string object_text(const char* name, size_t limit) {
    auto* v = obj_.if_contains(name);
    if (!v || v->is_null())
      return "{}";
    if (!v->is_object()) {
      problem(std::string{"field '"} + name + "' must be an object");
      return {};
    }
    auto text = bj::serialize(*v);
    if (text.size() > limit)
      problem(std::string{"field '"} + name + "' is over " + std::to_string(limit) + " bytes",
              errc::too_large);
    return text;
  }

  void problem(std::string message, errc code = errc::bad_request) {
    if (!failed_) {
      failed_ = true;
      message_ = std::move(message);
      code_ = code;
    }
  }

  bool failed() const { return failed_; }
  rejected_frame rejection(std::string id) const { return reject(std::move(id), message_, code_); }

private:
  const bj::object& obj_;
  bool failed_ = false;
  std::string message_;
  errc code_ = errc::bad_request;
};

// Parses into a stack buffer first: most frames are small, and this skips the heap.
template <class F>
auto with_object(std::string_view text, F f) -> decltype(f(std::declval<const bj::object&>())) {
  unsigned char buffer[4096];
  bj::monotonic_resource memory{buffer, sizeof(buffer)};
  bj::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  auto value = bj::parse(bj::string_view{text.data(), text.size()}, ec, &memory, opts);
  if (ec)
    return reject({}, "malformed JSON: " + ec.message());
  if (!value.is_object())
    return reject({}, "a frame is a JSON object");
  return f(value.get_object());
}

std::string peek_id(const bj::object& obj) {
  auto* v = obj.if_contains("id");
  if (v && v->is_string() && is_valid_request_id(v->get_string()))
    return std::string{v->get_string()};
  return {};
}

client_frame decode_send(const bj::object& obj, fields& f) {
  send_request req;
  req.id = f.request_id();
  req.to = f.user("to", false);
  req.group = f.group("group", false);
  if (req.to.empty() == req.group.empty())
    f.problem("a send names exactly one of 'to' and 'group'");
  auto* body = obj.if_contains("body");
  if (!body || !body->is_string()) {
    f.problem("field 'body' must be a string");
  } else if (body->get_string().size() > max_body) {
    f.problem("body is over 64 KiB", errc::too_large);
  } else {
    req.body = std::string{body->get_string()};
  }
  req.meta = f.object_text("meta", max_meta);
  if (f.failed())
    return f.rejection(peek_id(obj));
  return req;
}

client_frame decode_confirm(const bj::object& obj, fields& f, receipt_status status) {
  confirm_request c;
  c.status = status;
  c.from = f.user("from");
  c.id = f.request_id();
  c.group = f.group("group", false);
  if (f.failed())
    return f.rejection(peek_id(obj));
  return c;
}

client_frame decode_group(const bj::object& obj, fields& f, bj::string_view op) {
  if (op == "group_create") {
    group_create_request req;
    req.id = f.request_id();
    req.name = f.string("name");
    if (!f.failed() && (req.name.empty() || req.name.size() > max_group_name))
      f.problem("field 'name' must be 1.." + std::to_string(max_group_name) + " bytes");
    req.members = f.user_list("members", max_group_members, false);
    if (f.failed())
      return f.rejection(peek_id(obj));
    return req;
  }
  group_request req;
  if (op == "group_add")
    req.op = group_op::add;
  else if (op == "group_remove")
    req.op = group_op::remove;
  else if (op == "group_leave")
    req.op = group_op::leave;
  else if (op == "group_info")
    req.op = group_op::info;
  else
    return reject(peek_id(obj), "unknown op '" + std::string{op} + "'");
  req.id = f.request_id();
  req.group = f.group("group");
  if (req.op == group_op::add || req.op == group_op::remove)
    req.users = f.user_list("users", max_group_members);
  if (f.failed())
    return f.rejection(peek_id(obj));
  return req;
}

client_frame decode_hello(const bj::object& obj, fields& f) {
  hello_frame h;
  h.id = peek_id(obj);
  h.user = f.user("user");
  bool with_token = f.given("token");
  if (with_token)
    h.token = f.string("token");
  // A key and signature sent beside a token are checked too.
  if (!with_token || f.given("key") || f.given("sig")) {
    h.key = f.bytes("key", 32);
    h.sig = f.bytes("sig", 64);
  }
  f.object_text("device", max_device);
  if (f.failed())
    return f.rejection({});
  return h;
}

} // namespace

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

client_frame decode_client_frame(std::string_view text) {
  return with_object(text, [](const bj::object& obj) -> client_frame {
    fields f{obj};
    auto* op_value = obj.if_contains("op");
    if (!op_value || !op_value->is_string())
      return reject(peek_id(obj), "missing field 'op'");
    auto op = op_value->get_string();
    if (op == "send")
      return decode_send(obj, f);
    if (op == "delivered")
      return decode_confirm(obj, f, receipt_status::delivered);
    if (op == "read")
      return decode_confirm(obj, f, receipt_status::read);
    if (op == "presence" || op == "key") {
      auto id = f.request_id();
      auto user = f.user("user");
      if (f.failed())
        return f.rejection(peek_id(obj));
      if (op == "key")
        return key_request{std::move(id), std::move(user)};
      return presence_request{std::move(id), std::move(user)};
    }
    if (op == "subscribe") {
      subscribe_request req;
      req.id = f.request_id();
      req.users = f.user_list("users", max_subscribe);
      if (f.failed())
        return f.rejection(peek_id(obj));
      return req;
    }
    if (bj::string_view{op}.starts_with("group_"))
      return decode_group(obj, f, op);
    if (op == "ping") {
      auto id = f.request_id();
      if (f.failed())
        return f.rejection(peek_id(obj));
      return ping_request{std::move(id)};
    }
    if (op == "hello")
      return decode_hello(obj, f);
    return reject(peek_id(obj), "unknown op '" + std::string{op} + "'");
  });
}

std::variant<rejected_frame, rest_send> decode_rest_send(std::string_view text) {
  using result = std::variant<rejected_frame, rest_send>;
  return with_object(text, [](const bj::object& obj) -> result {
    fields f{obj};
    auto decoded = decode_send(obj, f);
    if (auto* r = std::get_if<rejected_frame>(&decoded))
      return *r;
    auto& req = std::get<send_request>(decoded);
    return rest_send{std::move(req.id), std::move(req.to), std::move(req.group),
                     std::move(req.body), std::move(req.meta)};
  });
}

std::variant<rejected_frame, confirm_request> decode_rest_receipt(std::string_view text) {
  using result = std::variant<rejected_frame, confirm_request>;
  return with_object(text, [](const bj::object& obj) -> result {
    fields f{obj};
    auto status = f.string("status");
    if (status != "delivered" && status != "read")
      return reject(peek_id(obj), "field 'status' must be \"delivered\" or \"read\"");
    auto decoded = decode_confirm(obj, f, status == "read" ? receipt_status::read
                                                           : receipt_status::delivered);
    if (auto* r = std::get_if<rejected_frame>(&decoded))
      return *r;
    return std::get<confirm_request>(decoded);
  });
}

std::variant<rejected_frame, rest_token_request> decode_rest_token(std::string_view text) {
  using result = std::variant<rejected_frame, rest_token_request>;
  return with_object(text, [](const bj::object& obj) -> result {
    fields f{obj};
    rest_token_request req;
    req.user = f.user("user");
    req.key = f.bytes("key", 32);
    req.sig = f.bytes("sig", 64);
    req.nonce = f.string("nonce");
    if (f.failed())
      return f.rejection({});
    return req;
  });
}

// -- encoding ------------------------------------------------------------------------

void append_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the current run of bytes that need no escaping
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xF];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

namespace {

class writer {
public:
  explicit writer(std::string& out) : out_(out) {}

  writer& op(const char* name) {
    out_ += "{\"op\":\"";
    out_ += name;
    out_ += '"';
    return *this;
  }
  writer& str(const char* key, std::string_view value) {
    field(key);
    append_string(out_, value);
    return *this;
  }
  writer& str_or_null(const char* key, std::string_view value) {
    field(key);
    if (value.empty())
      out_ += "null";
    else
      append_string(out_, value);
    return *this;
  }
  writer& num(const char* key, int64_t value) {
    field(key);
    out_ += std::to_string(value);
    return *this;
  }
  writer& boolean(const char* key, bool value) {
    field(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  writer& raw(const char* key, std::string_view json) {
    field(key);
    out_ += json.empty() ? std::string_view{"{}"} : json;
    return *this;
  }
  writer& strings(const char* key, const std::vector<std::string>& values) {
    field(key);
    out_ += '[';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0)
        out_ += ',';
      append_string(out_, values[i]);
    }
    out_ += ']';
    return *this;
  }
  void end() { out_ += '}'; }

private:
  void field(const char* key) {
    out_ += ",\"";
    out_ += key;
    out_ += "\":";
  }
  std::string& out_;
};

} // namespace

void encode(std::string& out, const outgoing_frame& frame) {
  writer w{out};
  std::visit(
    [&](const auto& f) {
      using T = std::decay_t<decltype(f)>;
      if constexpr (std::is_same_v<T, welcome_frame>) {
        w.op("welcome").str("user", f.user).str("node", f.node).str("token", f.token);
        w.num("server_time", f.server_time).strings("nodes", f.nodes);
      } else if constexpr (std::is_same_v<T, ack_frame>) {
        w.op("ack").str("id", f.id).num("ts", f.ts);
      } else if constexpr (std::is_same_v<T, item_frame>) {
        const auto& it = f.item;
        if (it.kind == item_kind::message) {
          w.op("msg").str("id", it.id).str("from", it.peer).str("to", f.owner);
          w.str_or_null("group", it.group).str("body", it.body).raw("meta", it.meta);
          w.num("ts", it.ts);
        } else {
          w.op("receipt").str("id", it.id).str("to", it.peer).str_or_null("group", it.group);
          w.str("status", to_string(it.status)).num("ts", it.ts);
        }
      } else if constexpr (std::is_same_v<T, presence_frame>) {
        if (f.id.empty())
          w.op("presence");
        else
          w.op("ok").str("id", f.id);
        w.str("user", f.user).boolean("online", f.online).num("last_seen", f.last_seen);
      } else if constexpr (std::is_same_v<T, key_frame>) {
        w.op("ok").str("id", f.id).str("user", f.user).str("key", base64_encode(f.key));
      } else if constexpr (std::is_same_v<T, ok_frame>) {
        w.op("ok").str("id", f.id);
      } else if constexpr (std::is_same_v<T, group_frame>) {
        w.op("ok").str("id", f.id).str("group", f.group);
        if (f.details)
          w.str("name", f.name).str("owner", f.owner).strings("members", f.members);
      } else if constexpr (std::is_same_v<T, pong_frame>) {
        w.op("pong").str("id", f.id).num("ts", f.ts);
      } else {
        w.op("error");
        if (!f.id.empty())
          w.str("id", f.id);
        w.str("code", to_string(f.code)).str("message", f.message);
      }
    },
    frame);
  w.end();
}

std::string encode(const outgoing_frame& frame) {
  std::string out;
  encode(out, frame);
  return out;
}

} // namespace parley::json
