// Hybrid logical clock (DESIGN §4): (unix_ms << 16) | counter. It follows the
// wall clock when it can, never goes back when the wall clock does, and folds
// in the clocks of other replicas so causality survives skewed devices.
#pragma once

#include <cstdint>
#include <functional>

#include "shared/error.hpp"

namespace gw {

using HlcTime = int64_t;

class Hlc {
 public:
  using WallClock = std::function<int64_t()>;  // Unix milliseconds

  explicit Hlc(WallClock wall, HlcTime start = 0) : wall_(std::move(wall)), last_(start) {}

  static constexpr HlcTime pack(int64_t ms, uint32_t counter) {
    return (ms << 16) | static_cast<int64_t>(counter & 0xFFFF);
  }
  static constexpr int64_t ms_of(HlcTime t) { return t >> 16; }
  static constexpr uint32_t counter_of(HlcTime t) { return static_cast<uint32_t>(t & 0xFFFF); }

  // A timestamp for a local event, greater than every one before it.
  HlcTime now();

  // Takes in a remote clock so later local events order after it. A remote
  // clock more than max_ahead_ms ahead of our wall clock is refused (Code::
  // invalid) and not folded: one bad device must not drag every clock ahead.
  Status fold(HlcTime remote, int64_t max_ahead_ms);

  HlcTime last() const { return last_; }
  int64_t wall_ms() const { return wall_(); }

 private:
  HlcTime advance_past(HlcTime t) const;
  WallClock wall_;
  HlcTime last_;
};

}  // namespace gw
