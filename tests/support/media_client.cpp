#include "tests/support/media_client.hpp"

namespace parley::testing {

namespace {

constexpr std::chrono::seconds media_timeout{40};

} // namespace

http_result media_put(uint16_t port, const std::string& bytes, const std::string& content_type,
                      const std::string& bearer) {
  return http_call(port, "PUT", "/v1/media", bytes, bearer, media_timeout, content_type);
}

http_result media_get(uint16_t port, const std::string& target, const std::string& bearer) {
  return http_call(port, "GET", target, {}, bearer, media_timeout);
}

std::string media_bytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

} // namespace parley::testing
