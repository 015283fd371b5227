#include "net/client_content.hpp"

#include <boost/json.hpp>
#include <sodium.h>

#include "net/client_media.hpp"
#include "runtime/base64.hpp"

namespace parley::e2e {

namespace bj = boost::json;

namespace {

client_error unsupported(std::string why) {
  return client_error{"unsupported", std::move(why)};
}

std::string text_of(const bj::object& obj, const char* name) {
  auto* v = obj.if_contains(name);
  return v && v->is_string() ? std::string{v->get_string()} : std::string{};
}

std::optional<std::string> bytes_of(const bj::object& obj, const char* name, size_t size) {
  auto raw = base64_decode(text_of(obj, name));
  if (!raw || raw->size() != size)
    return std::nullopt;
  return raw;
}

reply<media_ref> decode_media(const bj::value* value) {
  if (!value || !value->is_object())
    return unsupported("media without its description");
  const auto& obj = value->get_object();
  media_ref m;
  m.url = text_of(obj, "url");
  m.mime = text_of(obj, "mime");
  // The sender chooses the name: whoever saves the file must not be led out of its folder.
  m.name = safe_file_name(text_of(obj, "name"));
  m.sha256 = text_of(obj, "sha256");
  auto key = bytes_of(obj, "key", crypto_secretbox_KEYBYTES);
  auto nonce = bytes_of(obj, "nonce", crypto_secretbox_NONCEBYTES);
  auto* size = obj.if_contains("size");
  if (!is_media_url(m.url) || m.sha256.size() != 64 || !key || !nonce || !size
      || !(size->is_int64() || size->is_uint64()) || (size->is_int64() && size->get_int64() < 0))
    return unsupported("media with a missing or malformed field");
  m.key = std::move(*key);
  m.nonce = std::move(*nonce);
  m.size = size->is_uint64() ? size->get_uint64() : static_cast<uint64_t>(size->get_int64());
  return m;
}

} // namespace

std::string encode_text(std::string_view text) {
  bj::object obj;
  obj["type"] = "text";
  obj["text"] = bj::string_view{text.data(), text.size()};
  return bj::serialize(obj);
}

std::string encode_media(const media_ref& media) {
  bj::object m;
  m["url"] = media.url;
  m["key"] = base64_encode(media.key);
  m["nonce"] = base64_encode(media.nonce);
  m["size"] = media.size;
  m["mime"] = media.mime;
  m["name"] = media.name;
  m["sha256"] = media.sha256;
  bj::object obj;
  obj["type"] = "media";
  obj["media"] = std::move(m);
  return bj::serialize(obj);
}

reply<content> decode_content(std::string_view plaintext) {
  boost::system::error_code ec;
  auto value = bj::parse(bj::string_view{plaintext.data(), plaintext.size()}, ec);
  if (ec || !value.is_object())
    return unsupported("the decrypted body is not a JSON object");
  const auto& obj = value.get_object();
  auto type = text_of(obj, "type");
  content c;
  if (type == "text") {
    auto* text = obj.if_contains("text");
    if (!text || !text->is_string())
      return unsupported("text without its text");
    c.text = std::string{text->get_string()};
    return c;
  }
  if (type == "media") {
    auto media = decode_media(obj.if_contains("media"));
    if (auto* err = std::get_if<client_error>(&media))
      return *err;
    c.media = std::move(std::get<media_ref>(media));
    return c;
  }
  return unsupported("a body of type '" + type + "'");
}

} // namespace parley::e2e
