// One seeded generator for whatever must repeat for a seed: the simulation's
// histories, the fault proxy's plans, the ids of a seeded run. splitmix64
// (Steele, Lea, Flood 2014): one 64-bit word of state, the same stream on
// every platform and compiler, which <random>'s distributions do not promise.
// Not for secrets: keys and tokens come from libsodium.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gw {

class SeededRng {
 public:
  // `state` is used as given: two generators from one seed give one stream.
  explicit SeededRng(uint64_t state) : s_(state) {}

  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // [0, 1), from the top 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }
  // [0, n); 0 for n <= 0. The modulo's bias is below 2^-32 for the n used here.
  int below(int n) { return n <= 0 ? 0 : static_cast<int>(next() % static_cast<uint64_t>(n)); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(below(static_cast<int>(v.size())))];
  }

 private:
  uint64_t s_;
};

}  // namespace gw
