#include "shared/uuid.hpp"

#include <random>

namespace gw {

namespace {
uint64_t from_os() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}
}  // namespace

// splitmix64 (shared/rng.hpp): fast, and good enough for ids.
UuidV7::UuidV7(uint64_t seed) : rng_(seed ? seed : from_os()) {}

std::string UuidV7::next(int64_t unix_ms) {
  if (unix_ms <= last_ms_) {
    // Same millisecond, or the clock stepped back: stay on the last
    // timestamp and count up, so ids never go backwards.
    unix_ms = last_ms_;
    if (++counter_ > 0xFFF) {
      ++unix_ms;
      counter_ = 0;
    }
  } else {
    counter_ = static_cast<uint16_t>(rng_.next() & 0x3FF);  // leave headroom to count
  }
  last_ms_ = unix_ms;

  uint8_t b[16];
  auto ms = static_cast<uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | (counter_ >> 8));
  b[7] = static_cast<uint8_t>(counter_ & 0xFF);
  uint64_t r = rng_.next();
  for (int i = 8; i < 16; ++i) b[i] = static_cast<uint8_t>(r >> (8 * (i - 8)));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3F));  // variant 10

  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 0xF];
  }
  return s;
}

bool is_uuid_text(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

int64_t uuid_v7_ms(std::string_view s) {
  if (!is_uuid_text(s) || s[14] != '7') return -1;
  int64_t ms = 0;
  for (size_t i = 0; i < 13; ++i) {
    if (s[i] == '-') continue;
    char c = s[i];
    ms = (ms << 4) | (c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return ms;
}

}  // namespace gw
