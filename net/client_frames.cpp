#include "net/client_frames.hpp"

#include <boost/json.hpp>

#include "net/json_codec.hpp"
#include "net/ws_frame.hpp"
#include "runtime/base64.hpp"
#include "runtime/config.hpp"

namespace parley::client_wire {

namespace bj = boost::json;

// -- client -> server ------------------------------------------------------------------

namespace {

// Builds one frame as text: the server's own encoder works on server structs, and a
// frame this small reads best as its fields in order.
class frame_text {
public:
  explicit frame_text(const char* op) {
    out_ = "{\"op\":\"";
    out_ += op;
    out_ += '"';
  }
  frame_text& str(const char* key, std::string_view value) {
    field(key);
    json::append_string(out_, value);
    return *this;
  }
  /// `json` must be valid JSON text.
  frame_text& raw(const char* key, std::string_view json) {
    field(key);
    out_ += json;
    return *this;
  }
  frame_text& strings(const char* key, const std::vector<std::string>& values) {
    field(key);
    out_ += '[';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0)
        out_ += ',';
      json::append_string(out_, values[i]);
    }
    out_ += ']';
    return *this;
  }
  std::string done() {
    out_ += '}';
    return std::move(out_);
  }

private:
  void field(const char* key) {
    out_ += ",\"";
    out_ += key;
    out_ += "\":";
  }
  std::string out_;
};

} // namespace

std::string hello_with_key(const std::string& user, const std::string& key_b64,
                           const std::string& sig_b64, const std::string& device) {
  frame_text f{"hello"};
  f.str("user", user).str("key", key_b64).str("sig", sig_b64);
  if (!device.empty())
    f.raw("device", device);
  return f.done();
}

bool is_device_object(const std::string& device) {
  boost::system::error_code ec;
  auto value = bj::parse(bj::string_view{device.data(), device.size()}, ec);
  return !ec && value.is_object() && bj::serialize(value).size() <= json::max_device;
}

std::string hello_with_token(const std::string& user, const std::string& token) {
  return frame_text{"hello"}.str("user", user).str("token", token).done();
}

std::string send(const std::string& id, const target& to, const std::string& body,
                 const std::string& meta) {
  return frame_text{"send"}
    .str("id", id)
    .str(to.group ? "group" : "to", to.name)
    .str("body", body)
    .raw("meta", meta)
    .done();
}

bool is_group_id(const std::string& group) {
  return !group.empty() && group.size() <= 128 && ws::valid_utf8(group);
}

std::variant<std::string, client_error> checked_send(const target& to, const std::string& text,
                                                     const std::string& meta_json) {
  if (to.group && !is_group_id(to.name))
    return client_error{"bad_request", "'" + to.name + "' is not a group id"};
  if (!to.group && !is_valid_id(to.name))
    return client_error{"bad_request", "'" + to.name + "' is not a valid user id"};
  if (!ws::valid_utf8(text))
    return client_error{"bad_request", "body is not UTF-8"};
  if (text.size() > json::max_body)
    return client_error{"too_large", "body is over 64 KiB"};
  boost::system::error_code ec;
  std::string_view meta_in = meta_json.empty() ? std::string_view{"{}"} : meta_json;
  auto meta = bj::parse(bj::string_view{meta_in.data(), meta_in.size()}, ec);
  if (ec || !meta.is_object())
    return client_error{"bad_request", "meta must be a JSON object"};
  // Serialized again: what goes on the wire is always one compact, valid object.
  auto meta_text = bj::serialize(meta);
  if (meta_text.size() > json::max_meta)
    return client_error{"too_large", "meta is over 4 KiB"};
  return meta_text;
}

std::string confirm(delivery_status status, const std::string& from, const std::string& id,
                    const std::string& group) {
  frame_text f{to_string(status)};
  f.str("from", from).str("id", id);
  if (!group.empty())
    f.str("group", group);
  return f.done();
}

std::string presence(const std::string& id, const std::string& user) {
  return frame_text{"presence"}.str("id", id).str("user", user).done();
}

std::string subscribe(const std::string& id, const std::vector<std::string>& users) {
  return frame_text{"subscribe"}.str("id", id).strings("users", users).done();
}

std::string key(const std::string& id, const std::string& user) {
  return frame_text{"key"}.str("id", id).str("user", user).done();
}

std::string ping(const std::string& id) {
  return frame_text{"ping"}.str("id", id).done();
}

std::string group_create(const std::string& id, const std::string& name,
                         const std::vector<std::string>& members) {
  return frame_text{"group_create"}.str("id", id).str("name", name).strings("members", members).done();
}

std::string group_change(const char* op, const std::string& id, const std::string& group,
                         const std::vector<std::string>& users) {
  return frame_text{op}.str("id", id).str("group", group).strings("users", users).done();
}

std::string group_leave(const std::string& id, const std::string& group) {
  return frame_text{"group_leave"}.str("id", id).str("group", group).done();
}

std::string group_info(const std::string& id, const std::string& group) {
  return frame_text{"group_info"}.str("id", id).str("group", group).done();
}

// -- server -> client ------------------------------------------------------------------

namespace {

std::string text_of(const bj::object& obj, const char* name) {
  auto* v = obj.if_contains(name);
  return v && v->is_string() ? std::string{v->get_string()} : std::string{};
}

int64_t number_of(const bj::object& obj, const char* name) {
  auto* v = obj.if_contains(name);
  if (v && v->is_int64())
    return v->get_int64();
  if (v && v->is_uint64())
    return static_cast<int64_t>(v->get_uint64());
  return 0;
}

bool has_string(const bj::object& obj, const char* name) {
  auto* v = obj.if_contains(name);
  return v && v->is_string();
}

server_frame decode_welcome(const bj::object& obj) {
  welcome w;
  w.info.user = text_of(obj, "user");
  w.info.node = text_of(obj, "node");
  w.info.server_time = number_of(obj, "server_time");
  w.token = text_of(obj, "token");
  if (auto* nodes = obj.if_contains("nodes"); nodes && nodes->is_array())
    for (const auto& n : nodes->get_array())
      if (n.is_string())
        w.info.nodes.emplace_back(n.get_string());
  return w;
}

server_frame decode_message(const bj::object& obj) {
  if (!has_string(obj, "id") || !has_string(obj, "from") || !has_string(obj, "body"))
    return unknown{"msg without id, from or body"};
  incoming_message m;
  m.id = text_of(obj, "id");
  m.from = text_of(obj, "from");
  m.to = text_of(obj, "to");
  m.group = text_of(obj, "group");
  m.body = text_of(obj, "body");
  auto* meta = obj.if_contains("meta");
  m.meta = meta && meta->is_object() ? bj::serialize(*meta) : "{}";
  m.ts = number_of(obj, "ts");
  return m;
}

server_frame decode_receipt(const bj::object& obj) {
  receipt_info r;
  auto status = text_of(obj, "status");
  if (status == "delivered")
    r.status = delivery_status::delivered;
  else if (status == "read")
    r.status = delivery_status::read;
  else
    return unknown{"receipt with status '" + status + "'"};
  if (!has_string(obj, "id"))
    return unknown{"receipt without id"};
  r.id = text_of(obj, "id");
  r.to = text_of(obj, "to");
  r.group = text_of(obj, "group");
  r.ts = number_of(obj, "ts");
  return r;
}

presence_info presence_of(const bj::object& obj) {
  presence_info p;
  p.user = text_of(obj, "user");
  auto* online = obj.if_contains("online");
  p.online = online && online->is_bool() && online->get_bool();
  p.last_seen = number_of(obj, "last_seen");
  return p;
}

server_frame decode_ok(const bj::object& obj) {
  ok o;
  o.id = text_of(obj, "id");
  o.user = text_of(obj, "user");
  if (auto* online = obj.if_contains("online"); online && online->is_bool()) {
    o.has_presence = true;
    o.presence = presence_of(obj);
  }
  if (has_string(obj, "key")) {
    auto raw = base64_decode(text_of(obj, "key"));
    if (!raw)
      return unknown{"ok with a key that is not base64"};
    o.key = std::move(*raw);
  }
  if (has_string(obj, "group")) {
    o.has_group = true;
    o.group.group = text_of(obj, "group");
    o.group.name = text_of(obj, "name");
    o.group.owner = text_of(obj, "owner");
    if (auto* members = obj.if_contains("members"); members && members->is_array())
      for (const auto& m : members->get_array())
        if (m.is_string())
          o.group.members.emplace_back(m.get_string());
  }
  return o;
}

} // namespace

server_frame decode(std::string_view text) {
  boost::system::error_code ec;
  auto value = bj::parse(bj::string_view{text.data(), text.size()}, ec);
  if (ec)
    return unknown{"malformed JSON: " + ec.message()};
  if (!value.is_object())
    return unknown{"a frame that is not a JSON object"};
  const auto& obj = value.get_object();
  auto op = text_of(obj, "op");
  if (op == "challenge" && has_string(obj, "nonce"))
    return challenge{text_of(obj, "nonce")};
  if (op == "welcome")
    return decode_welcome(obj);
  if (op == "ack" && has_string(obj, "id"))
    return ack{text_of(obj, "id"), number_of(obj, "ts")};
  if (op == "msg")
    return decode_message(obj);
  if (op == "receipt")
    return decode_receipt(obj);
  if (op == "presence")
    return presence_change{presence_of(obj)};
  if (op == "ok")
    return decode_ok(obj);
  if (op == "pong")
    return pong{text_of(obj, "id"), number_of(obj, "ts")};
  if (op == "error")
    return error{text_of(obj, "id"), text_of(obj, "code"), text_of(obj, "message")};
  return unknown{"op '" + op + "'"};
}

} // namespace parley::client_wire

namespace parley {

const char* to_string(delivery_status s) {
  return s == delivery_status::read ? "read" : "delivered";
}

} // namespace parley
