#pragma once

// What an end-to-end body holds once opened (docs/protocol.md, "Inside an encrypted
// body"): a small JSON object, so that text and files travel the same way and a newer
// client can add kinds.
//
//   {"type":"text","text":"hi"}
//   {"type":"media","media":{"url","key","nonce","size","mime","name","sha256"}}

#include <optional>
#include <string>
#include <string_view>

#include "net/client_events.hpp"

namespace parley::e2e {

struct content {
  std::string text;                // for "text"
  std::optional<media_ref> media;  // for "media"
};

std::string encode_text(std::string_view text);
std::string encode_media(const media_ref& media);

/// The content of an opened body; error `unsupported` for anything else (an unknown
/// type, a missing field, a key of the wrong size).
reply<content> decode_content(std::string_view plaintext);

} // namespace parley::e2e
