#include "net/client_identity.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base64.hpp"

namespace parley {

namespace {

unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string system_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Reads a whole small file; a key file is 64 bytes, so anything past 4 KiB is wrong.
bool read_small_file(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return false;
    if (n == 0)
      return true;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > sizeof(buf))
      return true;
  }
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::optional<identity_keys> load(const std::string& path, int fd, std::string& error) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    error = system_error("cannot stat", path);
    return std::nullopt;
  }
  if ((st.st_mode & 077) != 0) {
    error = "key file " + path + " is readable by others; chmod 600 it";
    return std::nullopt;
  }
  std::string secret;
  if (!read_small_file(fd, secret)) {
    error = system_error("cannot read", path);
    return std::nullopt;
  }
  auto keys = identity_keys::from_secret(secret);
  sodium_memzero(secret.data(), secret.size());
  if (!keys)
    error = "key file " + path + " does not hold a 64-byte Ed25519 secret key";
  return keys;
}

std::optional<identity_keys> create(const std::string& path, int fd, std::string& error) {
  auto keys = identity_keys::generate();
  if (!write_all(fd, keys.secret_key) || ::fsync(fd) != 0) {
    error = system_error("cannot write", path);
    ::unlink(path.c_str());
    return std::nullopt;
  }
  return keys;
}

} // namespace

identity_keys identity_keys::generate() {
  // sodium_init is idempotent and thread-safe; it only fails without an entropy source,
  // and then no key can be made at all.
  if (sodium_init() < 0)
    std::abort();
  identity_keys keys;
  keys.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  keys.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(bytes(keys.public_key), bytes(keys.secret_key));
  return keys;
}

std::optional<identity_keys> identity_keys::from_secret(const std::string& secret_key) {
  if (sodium_init() < 0)
    std::abort();
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES)
    return std::nullopt;
  identity_keys keys;
  keys.secret_key = secret_key;
  keys.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_ed25519_sk_to_pk(bytes(keys.public_key), bytes(keys.secret_key));
  return keys;
}

std::optional<identity_keys> identity_keys::load_or_create(const std::string& path,
                                                           std::string& error, bool* created) {
  // O_EXCL decides between creating and loading without a window in which two
  // processes could both create, and the mode is set at creation, never loosened.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    auto keys = create(path, fd, error);
    ::close(fd);
    if (keys && created)
      *created = true;
    return keys;
  }
  if (errno != EEXIST) {
    error = system_error("cannot create", path);
    return std::nullopt;
  }
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = system_error("cannot open", path);
    return std::nullopt;
  }
  auto keys = load(path, fd, error);
  ::close(fd);
  return keys;
}

std::string identity_keys::sign_login(const std::string& nonce, const std::string& user) const {
  auto text = "parley-auth-v1:" + nonce + ":" + user;
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(bytes(sig), nullptr, bytes(text), text.size(), bytes(secret_key));
  return base64_encode(sig);
}

std::string identity_keys::public_b64() const {
  return base64_encode(public_key);
}

} // namespace parley
