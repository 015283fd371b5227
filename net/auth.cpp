#include "net/auth.hpp"

#include <cstring>
#include <fstream>
#include <filesystem>

#include <sodium.h>
#include <sys/stat.h>

#include "runtime/base64.hpp"

namespace parley {

namespace {

bool constant_time_equal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void put_u64(char* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t get_u64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

} // namespace

authority::authority(std::string secret) : secret_(std::move(secret)) {
  if (sodium_init() < 0)
    throw std::runtime_error("libsodium failed to initialize");
}

std::string authority::make_nonce() {
  std::string bytes(32, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return base64_encode(bytes);
}

bool authority::verify_signature(const std::string& user, const std::string& nonce,
                                 const std::string& key, const std::string& sig) {
  if (key.size() != crypto_sign_PUBLICKEYBYTES || sig.size() != crypto_sign_BYTES)
    return false;
  auto text = "parley-auth-v1:" + nonce + ":" + user;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     text.size(),
                                     reinterpret_cast<const unsigned char*>(key.data()))
         == 0;
}

std::string authority::mac(const std::string& text) const {
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(text.data()),
                                text.size());
  crypto_auth_hmacsha256_final(&st, out);
  return std::string{reinterpret_cast<char*>(out), sizeof(out)};
}

std::string authority::issue_token(const std::string& user, int64_t now_ms) const {
  auto body = "v1." + user + "." + std::to_string(now_ms + token_lifetime_ms);
  return body + "." + base64url_encode(mac(body));
}

std::optional<std::string> authority::verify_token(const std::string& token,
                                                   int64_t now_ms) const {
  auto last_dot = token.rfind('.');
  if (token.rfind("v1.", 0) != 0 || last_dot == std::string::npos || token.size() > 256)
    return std::nullopt;
  auto body = token.substr(0, last_dot);
  auto given = base64url_decode(token.substr(last_dot + 1));
  if (!given || !constant_time_equal(*given, mac(body)))
    return std::nullopt;
  auto expiry_dot = body.rfind('.');
  if (expiry_dot <= 3)
    return std::nullopt;
  auto user = body.substr(3, expiry_dot - 3);
  int64_t expiry = 0;
  try {
    expiry = std::stoll(body.substr(expiry_dot + 1));
  } catch (...) {
    return std::nullopt;
  }
  if (expiry <= now_ms)
    return std::nullopt;
  return user;
}

std::string authority::make_rest_nonce(int64_t now_ms) const {
  std::string bytes(32, '\0');
  put_u64(bytes.data(), static_cast<uint64_t>(now_ms + rest_nonce_lifetime_ms));
  randombytes_buf(bytes.data() + 8, 8);
  auto tag = mac("nonce:" + bytes.substr(0, 16));
  std::memcpy(bytes.data() + 16, tag.data(), 16);
  return base64_encode(bytes);
}

bool authority::consume_rest_nonce(const std::string& nonce, int64_t now_ms) {
  auto bytes = base64_decode(nonce);
  if (!bytes || bytes->size() != 32)
    return false;
  auto tag = mac("nonce:" + bytes->substr(0, 16));
  if (!constant_time_equal(bytes->substr(16), tag.substr(0, 16)))
    return false;
  auto expiry = static_cast<int64_t>(get_u64(bytes->data()));
  if (expiry <= now_ms)
    return false;
  std::lock_guard<std::mutex> guard{used_mutex_};
  for (auto i = used_nonces_.begin(); i != used_nonces_.end();)
    i = i->second <= now_ms ? used_nonces_.erase(i) : std::next(i);
  return used_nonces_.emplace(nonce, expiry).second;
}

std::optional<std::string> authority::load_or_create_secret(
  const std::optional<std::string>& secret_file, const std::string& data_dir,
  std::string& error) {
  auto read = [&](const std::string& path) -> std::optional<std::string> {
    std::ifstream in{path, std::ios::binary};
    if (!in) {
      error = "cannot read secret file '" + path + "'";
      return std::nullopt;
    }
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    if (bytes.size() < 32) {
      error = "secret file '" + path + "' holds fewer than 32 bytes";
      return std::nullopt;
    }
    return bytes;
  };
  if (secret_file)
    return read(*secret_file);
  auto path = (std::filesystem::path{data_dir} / "secret").string();
  if (std::filesystem::exists(path))
    return read(path);
  if (sodium_init() < 0) {
    error = "libsodium failed to initialize";
    return std::nullopt;
  }
  std::string bytes(32, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  {
    std::ofstream out{path, std::ios::binary};
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      error = "cannot write secret file '" + path + "'";
      return std::nullopt;
    }
  }
  ::chmod(path.c_str(), 0600);
  return bytes;
}

} // namespace parley
