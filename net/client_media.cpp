#include "net/client_media.hpp"

#include <cstdlib>

#include <sodium.h>

#include "net/client_crypto.hpp"

namespace parley::e2e {

namespace {

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

} // namespace

reply<sealed_media> seal_media(std::string_view file, std::string mime, std::string name) {
  if (sodium_init() < 0)
    std::abort();
  if (file.empty())
    return client_error{"bad_request", "the file is empty"};
  if (file.size() > max_media_ciphertext - crypto_secretbox_MACBYTES)
    return client_error{"too_large", "the file is over 16 MiB"};
  sealed_media out;
  out.ref.key.resize(crypto_secretbox_KEYBYTES);
  crypto_secretbox_keygen(bytes(out.ref.key));
  out.ref.nonce.resize(crypto_secretbox_NONCEBYTES);
  randombytes_buf(out.ref.nonce.data(), out.ref.nonce.size());
  out.ref.size = file.size();
  out.ref.mime = std::move(mime);
  out.ref.name = safe_file_name(name);
  out.ref.sha256 = sha256_hex(file);
  out.ciphertext.resize(crypto_secretbox_MACBYTES + file.size());
  crypto_secretbox_easy(bytes(out.ciphertext), bytes(file), file.size(), bytes(out.ref.nonce),
                        bytes(out.ref.key));
  return out;
}

reply<std::string> open_media(std::string_view ciphertext, const media_ref& ref) {
  if (sodium_init() < 0)
    std::abort();
  if (ref.key.size() != crypto_secretbox_KEYBYTES
      || ref.nonce.size() != crypto_secretbox_NONCEBYTES
      || ciphertext.size() != ref.size + crypto_secretbox_MACBYTES)
    return client_error{"undecryptable", "the file does not have the announced size"};
  std::string file(ref.size, '\0');
  if (crypto_secretbox_open_easy(bytes(file), bytes(ciphertext), ciphertext.size(),
                                 bytes(ref.nonce), bytes(ref.key))
      != 0)
    return client_error{"undecryptable", "the file does not open with its key"};
  if (sha256_hex(file) != ref.sha256)
    return client_error{"undecryptable", "the file's SHA-256 is not the announced one"};
  return file;
}

std::string safe_file_name(std::string_view name) {
  auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  std::string out;
  for (char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                 || c == '.' || c == '-' || c == '_';
    if (c == '.' && !out.empty() && out.back() == '.')
      continue;  // no ".." anywhere
    out += plain ? c : '_';
  }
  if (out.size() > 100)
    out.erase(0, out.size() - 100);  // keeps the extension
  while (!out.empty() && out.front() == '.')
    out.erase(out.begin());  // no hidden files
  return out.empty() ? "file" : out;
}

bool is_media_url(std::string_view url) {
  constexpr std::string_view prefix = "/v1/media/";
  if (url.size() != prefix.size() + 64 || url.substr(0, prefix.size()) != prefix)
    return false;
  for (char c : url.substr(prefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

} // namespace parley::e2e
