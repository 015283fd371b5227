#pragma once

// Key pinning, trust on first use: the first identity key the server gives for a peer
// is remembered; a different key later is a change the application must approve
// (client::trust_key) before anything is sealed to it or opened with it. A server that
// lost its data, or lies, cannot slip a key in silently.

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace parley {

/// Where pinned keys live between runs. load() runs once, in client::start() on the
/// caller's thread; save() runs on the client's io thread and must not block.
class key_store {
public:
  virtual ~key_store() = default;
  /// Every pinned key: user -> raw 32-byte Ed25519 key.
  virtual std::map<std::string, std::string> load() = 0;
  /// `user`'s key is now `key` (first use, or trusted by the application).
  virtual void save(const std::string& user, const std::string& key) = 0;
};

/// The default: pins last as long as the store object (share one between clients, as
/// tests do, to keep pins across client restarts).
class memory_key_store : public key_store {
public:
  std::map<std::string, std::string> load() override;
  void save(const std::string& user, const std::string& key) override;

private:
  std::mutex mutex_;
  std::map<std::string, std::string> keys_;
};

class keyring {
public:
  enum class verdict {
    first_use,  // nothing was pinned: pinned now
    same,       // the pinned key
    changed,    // not the pinned key: held until trusted
  };

  void load(std::map<std::string, std::string> pinned) { pinned_ = std::move(pinned); }

  /// The server says `user` has `key` (in this login).
  verdict learn(const std::string& user, const std::string& key);

  /// The key `user`'s messages are sealed to and opened with: pinned, and confirmed by
  /// the server since the last login. Null otherwise.
  const std::string* usable(const std::string& user) const;
  /// The pinned key, confirmed or not; null if none.
  const std::string* pinned(const std::string& user) const;
  /// The key the server gives that is not the pinned one; null if none.
  const std::string* changed(const std::string& user) const;

  /// Pins `key` for `user` if it is the changed key reported for them; false otherwise
  /// (nothing changed, or the key moved on again since it was shown).
  bool trust(const std::string& user, const std::string& key);

  /// A new login: every key must be confirmed again before it is used.
  void forget_confirmations() { confirmed_.clear(); }

  /// Our own key needs no server to confirm it.
  void pin_own(const std::string& user, const std::string& key);

private:
  std::map<std::string, std::string> pinned_;
  std::map<std::string, std::string> changed_;
  std::set<std::string> confirmed_;
  std::string self_;
};

} // namespace parley
