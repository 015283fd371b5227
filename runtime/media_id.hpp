#pragma once

// Media objects are named by their content: the lowercase hex of their SHA-256
// (PROTOCOL.md section 5). The REST layer checks names, the media actor computes them.

#include <string>
#include <string_view>

namespace parley {

/// True for exactly 64 lowercase hex digits.
bool is_media_id(std::string_view text);

/// The lowercase hex SHA-256 of `bytes` (libsodium's crypto_hash_sha256).
std::string media_id_of(std::string_view bytes);

/// The largest media object a node accepts: 16 MiB.
inline constexpr size_t max_media_bytes = size_t{16} << 20;

} // namespace parley
