#pragma once

// Standard base64 (RFC 4648 section 4, with padding) and its URL-safe, unpadded variant.

#include <optional>
#include <string>
#include <string_view>

namespace parley {

std::string base64_encode(std::string_view bytes);
/// Nothing on any character outside the alphabet or a bad length.
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace parley
