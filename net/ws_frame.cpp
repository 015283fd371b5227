#include "net/ws_frame.hpp"

#include <cstring>

#include <openssl/sha.h>

#include "runtime/base64.hpp"

namespace parley::ws {

namespace {

void apply_mask(char* data, size_t size, const uint8_t key[4], size_t offset = 0) {
  for (size_t i = 0; i < size; ++i)
    data[i] = static_cast<char>(static_cast<uint8_t>(data[i]) ^ key[(i + offset) & 3]);
}

} // namespace

void append_frame(std::string& out, opcode op, std::string_view payload,
                  std::optional<uint32_t> mask_key) {
  uint8_t head[14];
  size_t n = 0;
  head[n++] = static_cast<uint8_t>(0x80 | static_cast<uint8_t>(op));
  uint8_t mask_bit = mask_key ? 0x80 : 0;
  auto len = payload.size();
  if (len < 126) {
    head[n++] = static_cast<uint8_t>(mask_bit | len);
  } else if (len <= 0xffff) {
    head[n++] = mask_bit | 126;
    head[n++] = static_cast<uint8_t>(len >> 8);
    head[n++] = static_cast<uint8_t>(len);
  } else {
    head[n++] = mask_bit | 127;
    for (int shift = 56; shift >= 0; shift -= 8)
      head[n++] = static_cast<uint8_t>(static_cast<uint64_t>(len) >> shift);
  }
  uint8_t key[4] = {0, 0, 0, 0};
  if (mask_key) {
    std::memcpy(key, &*mask_key, 4);
    std::memcpy(head + n, key, 4);
    n += 4;
  }
  out.append(reinterpret_cast<const char*>(head), n);
  auto start = out.size();
  out.append(payload.data(), payload.size());
  if (mask_key)
    apply_mask(out.data() + start, payload.size(), key);
}

void append_close(std::string& out, uint16_t code, std::optional<uint32_t> mask_key) {
  char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  append_frame(out, opcode::close, std::string_view{body, 2}, mask_key);
}

std::string accept_key(std::string_view client_key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input{client_key};
  input += guid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64_encode(std::string_view{reinterpret_cast<char*>(digest), sizeof(digest)});
}

bool valid_utf8(std::string_view text) {
  auto* s = reinterpret_cast<const uint8_t*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Fast path over ASCII, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t chunk;
      std::memcpy(&chunk, s + i, 8);
      if (chunk & 0x8080808080808080ULL)
        break;
      i += 8;
    }
    if (i >= n)
      break;
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= n)
      return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((s[i + k] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000)
        || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

void reader::shrink() {
  if (consumed_ == buffer_.size()) {
    std::string{}.swap(buffer_);
    consumed_ = 0;
  }
  if (!in_fragmented_)
    std::string{}.swap(fragments_);
  std::string{}.swap(payload_);
}

reader::event reader::next() {
  for (;;) {
    auto* p = reinterpret_cast<const uint8_t*>(buffer_.data()) + consumed_;
    size_t avail = buffer_.size() - consumed_;
    if (avail < 2)
      break;
    bool fin = p[0] & 0x80;
    if (p[0] & 0x70)
      return fail(status::protocol_error);  // no extension negotiated: RSV bits must be 0
    auto op = static_cast<opcode>(p[0] & 0x0F);
    bool masked = p[1] & 0x80;
    uint64_t len = p[1] & 0x7F;
    size_t head = 2;
    if (len == 126) {
      if (avail < 4)
        break;
      len = (uint64_t{p[2]} << 8) | p[3];
      head = 4;
    } else if (len == 127) {
      if (avail < 10)
        break;
      len = 0;
      for (int k = 0; k < 8; ++k)
        len = (len << 8) | p[2 + k];
      head = 10;
    }
    if (masked != expect_masked_)
      return fail(status::protocol_error);
    bool control = static_cast<uint8_t>(op) & 0x8;
    if (control && (len > 125 || !fin))
      return fail(status::protocol_error);
    if (len > max_message_ || (!control && fragments_.size() + len > max_message_))
      return fail(status::too_big);
    size_t mask_size = masked ? 4 : 0;
    if (avail < head + mask_size + len)
      break;
    uint8_t key[4] = {0, 0, 0, 0};
    if (masked)
      std::memcpy(key, p + head, 4);
    const char* data = reinterpret_cast<const char*>(p + head + mask_size);
    consumed_ += head + mask_size + static_cast<size_t>(len);
    auto take_payload = [&](std::string& into, bool append) {
      size_t at = append ? into.size() : 0;
      if (!append)
        into.clear();
      into.append(data, static_cast<size_t>(len));
      if (masked)
        apply_mask(into.data() + at, static_cast<size_t>(len), key);
    };
    switch (op) {
      case opcode::ping:
      case opcode::pong:
      case opcode::close: {
        take_payload(payload_, false);
        if (op == opcode::close) {
          close_code_ = payload_.size() >= 2
                          ? static_cast<uint16_t>((static_cast<uint8_t>(payload_[0]) << 8)
                                                  | static_cast<uint8_t>(payload_[1]))
                          : status::normal;
        }
        if (consumed_ == buffer_.size()) {
          buffer_.clear();
          consumed_ = 0;
        }
        return op == opcode::ping ? event::ping : op == opcode::pong ? event::pong : event::close;
      }
      case opcode::text:
      case opcode::binary:
        if (in_fragmented_)
          return fail(status::protocol_error);
        if (fin) {
          take_payload(payload_, false);
          if (consumed_ == buffer_.size()) {
            buffer_.clear();
            consumed_ = 0;
          }
          if (op == opcode::text && !valid_utf8(payload_))
            return fail(status::invalid_payload);
          return op == opcode::text ? event::text : event::binary;
        }
        in_fragmented_ = true;
        fragment_op_ = op;
        take_payload(fragments_, false);
        break;
      case opcode::continuation:
        if (!in_fragmented_)
          return fail(status::protocol_error);
        take_payload(fragments_, true);
        if (fin) {
          in_fragmented_ = false;
          payload_.swap(fragments_);
          fragments_.clear();
          if (consumed_ == buffer_.size()) {
            buffer_.clear();
            consumed_ = 0;
          }
          if (fragment_op_ == opcode::text && !valid_utf8(payload_))
            return fail(status::invalid_payload);
          return fragment_op_ == opcode::text ? event::text : event::binary;
        }
        break;
      default:
        return fail(status::protocol_error);
    }
  }
  // Drop consumed bytes so the buffer holds only the partial frame.
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return event::need_more;
}

} // namespace parley::ws
