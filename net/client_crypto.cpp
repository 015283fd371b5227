#include "net/client_crypto.hpp"

#include <cstdlib>

#include <sodium.h>

#include "net/json_codec.hpp"
#include "runtime/base64.hpp"

namespace parley::e2e {

namespace {

constexpr size_t nonce_size = crypto_box_NONCEBYTES;  // 24, the same for secretbox
constexpr size_t seed_size = 16;
constexpr size_t slot_size = seed_size + crypto_box_MACBYTES;
constexpr size_t count_size = 2;
constexpr size_t group_header = crypto_sign_BYTES + nonce_size + count_size;
constexpr std::string_view group_key_context = "parley-e2eg2 message key";
constexpr std::string_view group_sig_context = "parley-e2eg2";
// The longest binding of a one-to-one body: two user ids (32) and a message id (64),
// each after its length byte.
constexpr size_t max_direct_binding = 3 + 32 + 32 + 64;
constexpr size_t max_field = 255;
constexpr size_t max_pair_keys = 8192;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

void init_sodium() {
  if (sodium_init() < 0)
    std::abort();  // no entropy source: nothing can be sealed at all
}

client_error error(const char* code, std::string message) {
  return client_error{code, std::move(message)};
}

// The most raw bytes whose base64 after `prefix` stays within the body limit.
size_t max_raw(std::string_view prefix) {
  return (json::max_body - prefix.size()) / 4 * 3;
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

// The message key of a group body: a keyed hash of its seed, so that a 16-byte seed
// (what each member's slot carries) yields a full 32-byte secretbox key.
std::string group_message_key(std::string_view seed) {
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  crypto_generichash(bytes(key), key.size(), bytes(group_key_context), group_key_context.size(),
                     bytes(seed), seed.size());
  return key;
}

bool fits(const binding& b) {
  return b.from.size() <= max_field && b.to.size() <= max_field && b.id.size() <= max_field;
}

// from, to, id: each one length byte and its bytes (fits() checked).
std::string encode_binding(const binding& b) {
  std::string out;
  for (const auto* field : {&b.from, &b.to, &b.id}) {
    out += static_cast<char>(field->size());
    out += *field;
  }
  return out;
}

// Takes one length-prefixed field off the front of `in`; false if it is cut short.
bool take_field(std::string_view& in, std::string& out) {
  if (in.empty() || in.size() - 1 < static_cast<unsigned char>(in[0]))
    return false;
  size_t n = static_cast<unsigned char>(in[0]);
  out.assign(in.substr(1, n));
  in.remove_prefix(1 + n);
  return true;
}

std::string group_signed_text(const binding& message, std::string_view signed_part) {
  std::string text{group_sig_context};
  text += encode_binding(message);
  text += signed_part;
  return text;
}

// The payload of a body with `prefix`, decoded; empty when it is not one.
std::string payload_of(std::string_view body, std::string_view prefix) {
  if (body.substr(0, prefix.size()) != prefix)
    return {};
  auto raw = base64_decode(body.substr(prefix.size()));
  return raw ? std::move(*raw) : std::string{};
}

} // namespace

// -- keys -----------------------------------------------------------------------------------

own_keys::own_keys(const identity_keys& identity)
  : ed_public_(identity.public_key), ed_secret_(identity.secret_key) {
  init_sodium();
  x_public_ = e2e::x25519_public(ed_public_);
  x_secret_.resize(crypto_scalarmult_curve25519_BYTES);
  if (ed_secret_.size() == crypto_sign_SECRETKEYBYTES)
    crypto_sign_ed25519_sk_to_curve25519(bytes(x_secret_), bytes(ed_secret_));
}

own_keys::~own_keys() {
  sodium_memzero(ed_secret_.data(), ed_secret_.size());
  sodium_memzero(x_secret_.data(), x_secret_.size());
  forget_pair_keys();
}

const std::string& own_keys::pair_key(const std::string& peer_ed25519) {
  if (auto i = pair_keys_.find(peer_ed25519); i != pair_keys_.end())
    return i->second;
  if (pair_keys_.size() >= max_pair_keys)
    forget_pair_keys();  // rare: cheaper than tracking which is oldest
  std::string key;
  auto peer = e2e::x25519_public(peer_ed25519);
  if (!peer.empty()) {
    key.resize(crypto_box_BEFORENMBYTES);
    if (crypto_box_beforenm(bytes(key), bytes(peer), bytes(x_secret_)) != 0)
      key.clear();  // a low-order point
  }
  return pair_keys_.emplace(peer_ed25519, std::move(key)).first->second;
}

void own_keys::forget_pair_keys() {
  for (auto& [peer, key] : pair_keys_)
    sodium_memzero(key.data(), key.size());
  pair_keys_.clear();
}

std::string x25519_public(const std::string& ed25519_public) {
  init_sodium();
  if (ed25519_public.size() != crypto_sign_PUBLICKEYBYTES)
    return {};
  std::string out(crypto_scalarmult_curve25519_BYTES, '\0');
  if (crypto_sign_ed25519_pk_to_curve25519(bytes(out), bytes(ed25519_public)) != 0)
    return {};
  return out;
}

size_t max_direct_plaintext() {
  return max_raw(direct_prefix) - nonce_size - crypto_box_MACBYTES - max_direct_binding;
}

size_t max_group_plaintext(size_t members) {
  size_t fixed = group_header + members * slot_size + crypto_secretbox_MACBYTES;
  size_t room = max_raw(group_prefix);
  return fixed < room ? room - fixed : 0;
}

// -- one-to-one -----------------------------------------------------------------------------

reply<std::string> seal_direct(std::string_view plaintext, const binding& message,
                               const std::string& peer_ed25519, own_keys& me) {
  if (plaintext.size() > max_direct_plaintext())
    return error("too_large", "the encrypted body would be over 64 KiB");
  if (!fits(message))
    return error("bad_request", "a user or message id over 255 bytes");
  const auto& pair = me.pair_key(peer_ed25519);
  if (pair.empty())
    return error("bad_key", "the recipient's key is not a usable Ed25519 public key");
  auto inner = encode_binding(message);
  inner += plaintext;
  auto raw = random_bytes(nonce_size);
  raw.resize(nonce_size + crypto_box_MACBYTES + inner.size());
  crypto_box_easy_afternm(bytes(raw) + nonce_size, bytes(inner), inner.size(), bytes(raw),
                          bytes(pair));
  sodium_memzero(inner.data(), inner.size());
  return std::string{direct_prefix} + base64_encode(raw);
}

reply<std::string> open_direct(std::string_view body, const binding& message,
                               const std::string& peer_ed25519, own_keys& me) {
  auto raw = payload_of(body, direct_prefix);
  if (raw.size() < nonce_size + crypto_box_MACBYTES)
    return error("undecryptable", "not an e2e2 body");
  const auto& pair = me.pair_key(peer_ed25519);
  if (pair.empty())
    return error("undecryptable", "the sender's key is not a usable Ed25519 public key");
  std::string inner(raw.size() - nonce_size - crypto_box_MACBYTES, '\0');
  if (crypto_box_open_easy_afternm(bytes(inner), bytes(raw) + nonce_size,
                                   raw.size() - nonce_size, bytes(raw), bytes(pair))
      != 0)
    return error("undecryptable", "the body does not open with the sender's key");
  // It opens for either end of the pair: only the sealed names say which way it went.
  std::string_view rest{inner};
  binding sealed;
  if (!take_field(rest, sealed.from) || !take_field(rest, sealed.to)
      || !take_field(rest, sealed.id))
    return error("undecryptable", "the body has no sender, recipient and id inside");
  if (sealed.from != message.from || sealed.to != message.to || sealed.id != message.id)
    return error("misdirected", "the body was sealed for another sender, recipient or id");
  std::string plain{rest};
  sodium_memzero(inner.data(), inner.size());
  return plain;
}

// -- groups ---------------------------------------------------------------------------------

reply<std::string> seal_group(std::string_view plaintext, const binding& message,
                              const std::vector<std::string>& members, own_keys& me) {
  if (members.empty() || members.size() > max_group_members)
    return error("bad_request", "a group body is for 1 to " + std::to_string(max_group_members)
                                  + " members");
  if (!fits(message))
    return error("bad_request", "a user, group or message id over 255 bytes");
  if (plaintext.size() > max_group_plaintext(members.size()))
    return error("too_large", "the encrypted body for " + std::to_string(members.size())
                                + " members would be over 64 KiB");
  // Copies: the cache may be emptied while it fills.
  std::vector<std::string> pairs;
  pairs.reserve(members.size());
  auto wipe = [&pairs] {
    for (auto& p : pairs)
      sodium_memzero(p.data(), p.size());
  };
  for (const auto& m : members) {
    pairs.push_back(me.pair_key(m));
    if (pairs.back().empty()) {
      wipe();
      return error("bad_key", "a member's key is not a usable Ed25519 public key");
    }
  }
  auto seed = random_bytes(seed_size);
  auto key = group_message_key(seed);

  auto nonce = random_bytes(nonce_size);
  std::string raw(crypto_sign_BYTES, '\0');  // the signature, filled in last
  raw += nonce;
  raw += static_cast<char>(members.size() >> 8);
  raw += static_cast<char>(members.size() & 0xff);
  std::string slot(slot_size, '\0');
  for (const auto& pair : pairs) {
    // One nonce for every slot: each slot's key is a different sender-member pair, and
    // the content's key is fresh.
    crypto_box_easy_afternm(bytes(slot), bytes(seed), seed.size(), bytes(nonce), bytes(pair));
    raw += slot;
  }
  wipe();
  std::string sealed(crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  crypto_secretbox_easy(bytes(sealed), bytes(plaintext), plaintext.size(), bytes(nonce),
                        bytes(key));
  raw += sealed;
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(key.data(), key.size());

  auto text = group_signed_text(message, std::string_view{raw}.substr(crypto_sign_BYTES));
  crypto_sign_detached(bytes(raw), nullptr, bytes(text), text.size(),
                       bytes(me.ed25519_secret()));
  return std::string{group_prefix} + base64_encode(raw);
}

reply<std::string> open_group(std::string_view body, const binding& message,
                              const std::string& sender_ed25519, own_keys& me) {
  auto raw = payload_of(body, group_prefix);
  if (raw.size() < group_header + crypto_secretbox_MACBYTES || !fits(message))
    return error("undecryptable", "not an e2eg2 body");
  auto view = std::string_view{raw};
  size_t count = (static_cast<unsigned char>(raw[crypto_sign_BYTES + nonce_size]) << 8)
                 | static_cast<unsigned char>(raw[crypto_sign_BYTES + nonce_size + 1]);
  size_t content_at = group_header + count * slot_size;
  if (raw.size() < content_at + crypto_secretbox_MACBYTES)
    return error("undecryptable", "a group body shorter than its member slots");
  const auto& shared = me.pair_key(sender_ed25519);
  if (shared.empty())
    return error("undecryptable", "the sender's key is not a usable Ed25519 public key");
  auto text = group_signed_text(message, view.substr(crypto_sign_BYTES));
  if (crypto_sign_verify_detached(bytes(raw), bytes(text), text.size(), bytes(sender_ed25519))
      != 0)
    return error("undecryptable", "the group body is not signed by the sender");

  // Our slot is the one that authenticates under our pair key with the sender.
  const auto* nonce = bytes(raw) + crypto_sign_BYTES;
  std::string seed(seed_size, '\0');
  bool found = false;
  for (size_t i = 0; i < count && !found; ++i)
    found = crypto_box_open_easy_afternm(bytes(seed), bytes(raw) + group_header + i * slot_size,
                                         slot_size, nonce, bytes(shared))
            == 0;
  if (!found)
    return error("undecryptable", "the group body has no slot for us");
  auto key = group_message_key(seed);
  sodium_memzero(seed.data(), seed.size());
  std::string plain(raw.size() - content_at - crypto_secretbox_MACBYTES, '\0');
  int rc = crypto_secretbox_open_easy(bytes(plain), bytes(raw) + content_at,
                                      raw.size() - content_at, nonce, bytes(key));
  sodium_memzero(key.data(), key.size());
  if (rc != 0)
    return error("undecryptable", "the group content does not open");
  return plain;
}

// -- for people -----------------------------------------------------------------------------

std::string fingerprint(const std::string& ed25519_public) {
  init_sodium();
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, bytes(ed25519_public), ed25519_public.size());
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i > 0 && i % 2 == 0)
      out += ' ';
    out += digits[hash[i] >> 4];
    out += digits[hash[i] & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  init_sodium();
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, bytes(data), data.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
  return hex;
}

} // namespace parley::e2e
