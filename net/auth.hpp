#pragma once

// Authentication of PROTOCOL.md section 2: challenge nonces, Ed25519 signatures, and
// bearer tokens signed with the cluster secret (HMAC-SHA-256), so every node of the
// cluster accepts every other node's tokens.
//
// A token reads  v1.<user>.<expiry ms>.<base64url HMAC of "v1.<user>.<expiry ms>">.
// A REST nonce carries its own expiry and MAC (8 bytes expiry, 8 random, 16 MAC), so
// any node can check it without shared state; replays are refused by a set of used
// nonces kept until they expire.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace parley {

class authority {
public:
  static constexpr int64_t token_lifetime_ms = 24LL * 3600 * 1000;
  static constexpr int64_t rest_nonce_lifetime_ms = 60'000;

  explicit authority(std::string secret);

  /// 32 random bytes, base64: the WebSocket challenge.
  static std::string make_nonce();

  /// Checks the Ed25519 signature of "parley-auth-v1:<nonce>:<user>".
  static bool verify_signature(const std::string& user, const std::string& nonce,
                               const std::string& key, const std::string& sig);

  std::string issue_token(const std::string& user, int64_t now_ms) const;
  /// The user a valid, unexpired token names.
  std::optional<std::string> verify_token(const std::string& token, int64_t now_ms) const;

  std::string make_rest_nonce(int64_t now_ms) const;
  /// True once per valid, unexpired nonce of ours.
  bool consume_rest_nonce(const std::string& nonce, int64_t now_ms);

  /// Reads the secret file, or creates a random secret in `data_dir` (0600).
  static std::optional<std::string> load_or_create_secret(
    const std::optional<std::string>& secret_file, const std::string& data_dir,
    std::string& error);

private:
  std::string mac(const std::string& text) const;

  std::string secret_;
  std::mutex used_mutex_;
  std::unordered_map<std::string, int64_t> used_nonces_;  // nonce -> expiry
};

} // namespace parley
