// When automatic sync tries next. After a success: a calm period; after a
// failure: exponential backoff with jitter, so a park of tablets coming back
// into coverage together does not hammer the server in step.
#pragma once

#include <cstdint>

namespace gw::client {

class SyncBackoff {
 public:
  explicit SyncBackoff(uint64_t seed = 0x9e3779b97f4a7c15ull) : rng_(seed | 1) {}

  // The delay before the next automatic attempt, in ms.
  int64_t after_success();
  int64_t after_failure();
  int failures() const { return failures_; }

 private:
  int64_t jitter(int64_t base);
  int failures_ = 0;
  uint64_t rng_;
};

}  // namespace gw::client
