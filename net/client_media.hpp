#pragma once

// Files travel encrypted (docs/protocol.md, "Media"): sealed with a fresh random key,
// uploaded as application/octet-stream, and referred to by a message whose encrypted
// body carries the key. The server stores and serves bytes it cannot read.

#include <string>
#include <string_view>

#include "net/client_events.hpp"

namespace parley::e2e {

/// The node refuses uploads over 16 MiB (PROTOCOL.md section 5); the seal adds 16 bytes.
constexpr size_t max_media_ciphertext = 16 * 1024 * 1024;

struct sealed_media {
  std::string ciphertext;  // what is uploaded
  media_ref ref;           // everything but `url`, which the upload answers
};

/// Error `too_large` past the upload limit, `bad_request` for an empty file.
reply<sealed_media> seal_media(std::string_view file, std::string mime, std::string name);

/// The file, once its ciphertext authenticates under `ref`'s key and the plaintext
/// has `ref`'s size and SHA-256; error `undecryptable` otherwise.
reply<std::string> open_media(std::string_view ciphertext, const media_ref& ref);

/// The last part of a path, with anything a file system or a terminal could misread
/// replaced: only [A-Za-z0-9._-], no leading dot, no "..", at most 100 bytes. What a
/// receiver may use as a file name. "file" if nothing is left.
std::string safe_file_name(std::string_view name);

/// Whether `url` is exactly "/v1/media/" and 64 lowercase hex digits: the only media
/// reference a client follows.
bool is_media_url(std::string_view url);

} // namespace parley::e2e
