#include "sync/core/column_clock.hpp"

#include <cstring>

namespace gw::sync {

namespace {
template <typename T>
void put(char*& p, T v) {
  std::memcpy(p, &v, sizeof v);  // hosts we build for are little-endian
  p += sizeof v;
}
template <typename T>
T get(const char*& p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
  return v;
}
static_assert(sizeof(int64_t) * 2 + sizeof(uint32_t) * 2 == kPackedClockBytes);
}  // namespace

std::string pack_clocks(const Clocks& clocks) {
  std::string out(clocks.size() * kPackedClockBytes, '\0');
  char* p = out.data();
  for (const auto& c : clocks) {
    put(p, c.hlc);
    put(p, c.seq);
    put(p, c.origin);
    put(p, c.cycle);
  }
  return out;
}

Clocks unpack_clocks(std::string_view blob, size_t n) {
  Clocks out(n);
  size_t have = std::min(n, blob.size() / kPackedClockBytes);
  const char* p = blob.data();
  for (size_t i = 0; i < have; ++i) {
    out[i].hlc = get<int64_t>(p);
    out[i].seq = get<int64_t>(p);
    out[i].origin = get<uint32_t>(p);
    out[i].cycle = get<uint32_t>(p);
  }
  return out;
}

}  // namespace gw::sync
