#pragma once

// End-to-end bodies (docs/protocol.md, "End-to-end encryption"). The server only ever
// carries what these functions make; nothing here does I/O.
//
//   one-to-one  "e2e2:"  base64( nonce[24] | crypto_box(from | to | id | plaintext) )
//   group       "e2eg2:" base64( sig[64] | nonce[24] | n[2] | n * slot[32] |
//                                crypto_secretbox(plaintext) )
//               sig over "parley-e2eg2" | from | group | id | the rest of the body
//
// (from, to, id are each one length byte and the bytes.) Both ends of a pair share one
// crypto_box key, so a one-to-one body must say inside who sealed it for whom: else the
// server could hand alice's message to bob back to alice as one from bob. The id binds
// a body to its message, so that it cannot be delivered again under another id.
//
// Identity keys are Ed25519 (PROTOCOL.md section 2) converted to X25519 for crypto_box.
// A group body seals the content once under a fresh message key and boxes the 16-byte
// seed of that key for each member; the sender signs it, so that no member can forge
// content in the sender's name with a seed it legitimately opened.

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/client_events.hpp"
#include "net/client_identity.hpp"

namespace parley::e2e {

constexpr std::string_view direct_prefix = "e2e2:";
constexpr std::string_view group_prefix = "e2eg2:";

/// The message a body belongs to, sealed (one-to-one) or signed (group) with it: the
/// sender's user id, the recipient's user id or the group id, and the message id. Each
/// at most 255 bytes.
struct binding {
  std::string from;
  std::string to;  // a user, or the group
  std::string id;
};

/// The most members a group body can address (the count is two bytes on the wire).
constexpr size_t max_group_members = 4096;

/// Our own identity in both forms, and the crypto_box pair key with each peer key met,
/// computed once (an X25519 multiplication each: what makes a 1,024-member group body
/// cost milliseconds, not a tenth of a second). Secrets are wiped on destruction. One
/// thread at a time (the client's strand).
class own_keys {
public:
  explicit own_keys(const identity_keys& identity);
  ~own_keys();
  own_keys(const own_keys&) = delete;
  own_keys& operator=(const own_keys&) = delete;

  const std::string& ed25519_public() const { return ed_public_; }
  const std::string& ed25519_secret() const { return ed_secret_; }
  const std::string& x25519_public() const { return x_public_; }
  const std::string& x25519_secret() const { return x_secret_; }

  /// crypto_box_beforenm with the peer whose Ed25519 key this is; empty for a key that is
  /// not a usable point.
  const std::string& pair_key(const std::string& peer_ed25519);

private:
  void forget_pair_keys();

  std::string ed_public_;
  std::string ed_secret_;
  std::string x_public_;
  std::string x_secret_;
  std::unordered_map<std::string, std::string> pair_keys_;  // peer Ed25519 key -> pair key
};

/// The X25519 form of an Ed25519 public key; empty for a key that is not a usable point.
std::string x25519_public(const std::string& ed25519_public);

/// The largest plaintext a one-to-one body can carry within the 64 KiB body limit, for
/// the longest user ids and message id.
size_t max_direct_plaintext();
/// The largest plaintext a group body for `members` members can carry; 0 if none fits.
size_t max_group_plaintext(size_t members);

/// Errors: `too_large` (the body would pass 64 KiB), `bad_key` (a key that is not an
/// Ed25519 public key), `bad_request` (a field of `message` over 255 bytes).
reply<std::string> seal_direct(std::string_view plaintext, const binding& message,
                               const std::string& peer_ed25519, own_keys& me);
/// `message` is what the frame says: its sender, us, its id. Errors: `undecryptable` (not
/// an e2e2 body, or it fails to authenticate with this key), `misdirected` (it opens, but
/// was sealed for another sender, recipient or message id: a reflection or a replay).
reply<std::string> open_direct(std::string_view body, const binding& message,
                               const std::string& peer_ed25519, own_keys& me);

/// `members` are the Ed25519 keys of everyone who may read it (the sender included, so
/// that its own copy opens too). `message` (from, group, id) is bound into the signature:
/// a body cannot be replayed into another group or under another id. Errors: `too_large`,
/// `bad_key`, `bad_request` (no member, more than max_group_members, a field of
/// `message` over 255 bytes).
reply<std::string> seal_group(std::string_view plaintext, const binding& message,
                              const std::vector<std::string>& members, own_keys& me);
/// Error `undecryptable`: malformed, a bad signature (which includes another sender,
/// group or id than `message`), or no slot that opens for us.
reply<std::string> open_group(std::string_view body, const binding& message,
                              const std::string& sender_ed25519, own_keys& me);

/// How people compare keys: hex of the first 16 bytes of SHA-256(key), in groups of four.
std::string fingerprint(const std::string& ed25519_public);

/// Lowercase hex of SHA-256(bytes).
std::string sha256_hex(std::string_view bytes);

} // namespace parley::e2e
