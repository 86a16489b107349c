#include "shared/hlc.hpp"

#include <algorithm>
#include <string>

namespace gw {

// The next timestamp after t, following the wall clock when it is ahead.
HlcTime Hlc::advance_past(HlcTime t) const {
  HlcTime wall = pack(wall_(), 0);
  if (wall > t) return wall;
  // The wall clock is behind (stepped back, or in the same millisecond):
  // count up; on counter overflow borrow the next millisecond.
  return t + 1;
}

HlcTime Hlc::now() {
  last_ = advance_past(last_);
  return last_;
}

Status Hlc::fold(HlcTime remote, int64_t max_ahead_ms) {
  int64_t wall = wall_();
  if (ms_of(remote) - wall > max_ahead_ms)
    return Error{Code::invalid, "remote clock is " + std::to_string((ms_of(remote) - wall) / 1000) +
                                    " s ahead of this clock, more than the " +
                                    std::to_string(max_ahead_ms / 1000) + " s allowed"};
  last_ = std::max(last_, remote);
  return Status::ok();
}

}  // namespace gw
