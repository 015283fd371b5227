#pragma once

// Blocking HTTP calls to a node's media routes (PROTOCOL.md section 5), with raw bytes
// and a chosen Content-Type.

#include <cstdint>
#include <string>

#include "tests/support/ws_test_client.hpp"

namespace parley::testing {

/// PUT /v1/media with `bytes` as the body; empty `bearer` sends no Authorization.
http_result media_put(uint16_t port, const std::string& bytes, const std::string& content_type,
                      const std::string& bearer);

/// GET `target` (e.g. "/v1/media/<id>").
http_result media_get(uint16_t port, const std::string& target, const std::string& bearer);

/// `n` bytes of every value 0..255, different for different seeds.
std::string media_bytes(size_t n, uint32_t seed);

} // namespace parley::testing
