#include "bench/bench_frames.hpp"

#include <charconv>
#include <cstdlib>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <sodium.h>

#include "runtime/base64.hpp"

namespace parley::bench {

namespace {

template <class T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty())
    return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

void append_number(std::string& out, uint64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  (void)ec;  // 24 digits hold any uint64_t
  out.append(buf, static_cast<size_t>(end - buf));
}

} // namespace

std::string user_name(std::string_view run, uint32_t n) {
  std::string name{"b"};
  name += run;
  name += '-';
  append_number(name, n);
  return name;
}

std::optional<uint32_t> user_number(std::string_view user) {
  auto dash = user.rfind('-');
  uint32_t n = 0;
  if (dash == std::string_view::npos || !parse_number(user.substr(dash + 1), n))
    return std::nullopt;
  return n;
}

std::string run_tag(size_t size) {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string tag;
  for (size_t i = 0; i < size; ++i)
    tag += alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
  return tag;
}

std::string hello_frame(std::string_view user, std::string_view nonce) {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  std::string text{"parley-auth-v1:"};
  text += nonce;
  text += ':';
  text += user;
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                       text.size(), sk);
  sodium_memzero(sk, sizeof(sk));
  // The user, nonce and base64 need no JSON escaping.
  std::string frame{R"({"op":"hello","user":")"};
  frame += user;
  frame += R"(","key":")";
  frame += base64_encode({reinterpret_cast<const char*>(pk), sizeof(pk)});
  frame += R"(","sig":")";
  frame += base64_encode({reinterpret_cast<const char*>(sig), sizeof(sig)});
  frame += R"("})";
  return frame;
}

std::string token_hello_frame(std::string_view user, std::string_view token) {
  // The token is what the node wrote in a JSON string; the bench keeps it unescaped
  // (server_frame's views), so it is written back escaped.
  std::string frame{R"({"op":"hello","user":")"};
  frame += user;
  frame += R"(","token":)";
  frame += boost::json::serialize(boost::json::string_view{token.data(), token.size()});
  frame += '}';
  return frame;
}

namespace {

// `{"op":"send","id":"<seq>_<to>_<ns>","<field>":"<target>","body":"<body>"}`
void append_send_to(std::string& out, uint64_t seq, uint32_t to, int64_t sent_ns,
                    const char* field, std::string_view target, std::string_view body) {
  out += R"({"op":"send","id":")";
  append_number(out, seq);
  out += '_';
  append_number(out, to);
  out += '_';
  append_number(out, static_cast<uint64_t>(sent_ns));
  out += R"(",")";
  out += field;
  out += R"(":")";
  out += target;
  out += R"(","body":")";
  out += body;
  out += R"("})";
}

} // namespace

void append_send(std::string& out, uint64_t seq, uint32_t to, std::string_view to_name,
                 int64_t sent_ns, std::string_view body) {
  append_send_to(out, seq, to, sent_ns, "to", to_name, body);
}

void append_group_send(std::string& out, uint64_t seq, uint32_t group, std::string_view gid,
                       int64_t sent_ns, std::string_view body) {
  append_send_to(out, seq, group, sent_ns, "group", gid, body);
}

std::string group_create_frame(std::string_view id, std::string_view name,
                               const std::vector<std::string>& members) {
  // Ids, names and user ids of the bench need no JSON escaping.
  std::string frame{R"({"op":"group_create","id":")"};
  frame += id;
  frame += R"(","name":")";
  frame += name;
  frame += R"(","members":[)";
  for (size_t i = 0; i < members.size(); ++i) {
    frame += i == 0 ? "\"" : ",\"";
    frame += members[i];
    frame += '"';
  }
  frame += "]}";
  return frame;
}

void append_delivered(std::string& out, std::string_view from, std::string_view id,
                      std::string_view group) {
  out += R"({"op":"delivered","from":")";
  out += from;
  out += R"(","id":")";
  out += id;
  if (!group.empty()) {
    out += R"(","group":")";
    out += group;
  }
  out += R"("})";
}

std::optional<message_id> parse_message_id(std::string_view id) {
  auto first = id.find('_');
  auto second = first == std::string_view::npos ? first : id.find('_', first + 1);
  message_id m;
  uint64_t sent = 0;
  if (second == std::string_view::npos || !parse_number(id.substr(0, first), m.seq)
      || !parse_number(id.substr(first + 1, second - first - 1), m.to)
      || !parse_number(id.substr(second + 1), sent))
    return std::nullopt;
  m.sent_ns = static_cast<int64_t>(sent);
  return m;
}

} // namespace parley::bench
