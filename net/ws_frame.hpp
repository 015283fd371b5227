#pragma once

// RFC 6455 framing, both directions, without any I/O. The gateway writes frames itself
// so that all frames waiting for a connection leave in one gathered write (DESIGN.md
// measured twice the throughput that way) and an idle connection holds no read buffer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::ws {

enum class opcode : uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Close status codes we send.
namespace status {
constexpr uint16_t normal = 1000;
constexpr uint16_t going_away = 1001;
constexpr uint16_t protocol_error = 1002;
constexpr uint16_t unsupported_data = 1003;
constexpr uint16_t invalid_payload = 1007;
constexpr uint16_t policy_violation = 1008;
constexpr uint16_t too_big = 1009;
constexpr uint16_t internal_error = 1011;
} // namespace status

/// Appends one complete frame to `out`. A client masks with `mask_key` (RFC 6455 5.3);
/// a server passes no key.
void append_frame(std::string& out, opcode op, std::string_view payload,
                  std::optional<uint32_t> mask_key = std::nullopt);

/// Appends a close frame carrying `code`.
void append_close(std::string& out, uint16_t code,
                  std::optional<uint32_t> mask_key = std::nullopt);

/// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);

/// True if `text` is well-formed UTF-8.
bool valid_utf8(std::string_view text);

/// Reassembles messages from a byte stream. Feed bytes as they arrive, then call
/// next() until it returns `need_more`.
class reader {
public:
  enum class event { need_more, text, binary, ping, pong, close, error };

  /// `expect_masked`: a server requires masked frames, a client unmasked ones.
  reader(bool expect_masked, size_t max_message) noexcept
    : expect_masked_(expect_masked), max_message_(max_message) {}

  void feed(const char* data, size_t size) { buffer_.append(data, size); }

  /// The next complete message or control frame; its payload is in payload().
  event next();

  /// Hands every complete event to `handle` (bool(event)). True when all bytes are used
  /// up (more are needed), false as soon as `handle` returns false.
  template <class Handle>
  bool drain(Handle handle) {
    for (;;) {
      auto ev = next();
      if (ev == event::need_more)
        return true;
      if (!handle(ev))
        return false;
    }
  }

  /// The payload of the last text, binary, ping, pong or close event.
  std::string& payload() { return payload_; }
  /// The close status after `close` or `error` events (error: the one to send).
  uint16_t close_code() const { return close_code_; }
  /// Bytes buffered but not yet consumed (a partial frame).
  size_t buffered() const { return buffer_.size() - consumed_; }
  /// Gives back memory when idle.
  void shrink();

private:
  event fail(uint16_t code) {
    close_code_ = code;
    return event::error;
  }

  bool expect_masked_;
  size_t max_message_;
  std::string buffer_;
  size_t consumed_ = 0;
  std::string payload_;
  std::string fragments_;   // a fragmented message so far
  opcode fragment_op_ = opcode::continuation;
  bool in_fragmented_ = false;
  uint16_t close_code_ = 0;
};

} // namespace parley::ws
