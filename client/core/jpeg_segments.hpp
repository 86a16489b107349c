// A JPEG's segments before its scan, walked once for whoever reads them:
// the photo's frame size and EXIF orientation (photo.cpp), a camera
// frame's Huffman tables (camera.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gw::client::jpeg {

// `bytes` bytes at `at`, big-endian, as JPEG (and PNG) write numbers.
inline uint32_t be(std::string_view b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
  return v;
}

// Calls `each(marker, payload)` for a JPEG's segments before its scan, in
// order, until it returns true; stops at the scan, or at bytes that are not
// a segment. Returns the offset it stopped at: the start-of-scan marker's
// when it got that far.
template <class Each>
size_t for_each_segment(std::string_view b, Each each) {
  size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return at;
    auto m = static_cast<unsigned char>(b[at + 1]);
    if (m == 0xFF) {  // fill
      ++at;
      continue;
    }
    if (m == 0xDA || m == 0xD9) return at;
    size_t len = be(b, at + 2, 2);
    if (len < 2 || at + 2 + len > b.size()) return at;
    if (each(m, b.substr(at + 4, len - 2))) return at;
    at += 2 + len;
  }
  return at;
}

}  // namespace gw::client::jpeg
