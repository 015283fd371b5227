#pragma once

// A user's Ed25519 identity as PROTOCOL.md section 2 knows it: the public key is
// registered at the first login and the secret key signs every login challenge after.

#include <optional>
#include <string>

namespace parley {

struct identity_keys {
  std::string public_key;  // 32 raw bytes
  std::string secret_key;  // 64 raw bytes (libsodium layout: seed followed by public key)

  /// A fresh random key pair.
  static identity_keys generate();

  /// Reads the 64-byte secret key stored at `path`, or creates the file (mode 0600)
  /// with a fresh one, and then sets `*created` (if given) to true. Nothing, with `error` set, if
  /// the file cannot be used; a key file that others may read is refused, as ssh
  /// refuses its keys.
  static std::optional<identity_keys> load_or_create(const std::string& path,
                                                     std::string& error,
                                                     bool* created = nullptr);

  /// The key pair of a 64-byte secret key; nothing for any other size.
  static std::optional<identity_keys> from_secret(const std::string& secret_key);

  /// base64 of the Ed25519 signature of the UTF-8 bytes "parley-auth-v1:<nonce>:<user>".
  std::string sign_login(const std::string& nonce, const std::string& user) const;

  std::string public_b64() const;
};

} // namespace parley
