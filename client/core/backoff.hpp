// When automatic sync tries next. After a success: a calm period; after a
// failure: exponential backoff with jitter, so a park of tablets coming back
// into coverage together does not hammer the server in step.
#pragma once

#include <cstdint>

#include "shared/rng.hpp"

namespace gw::client {

class SyncBackoff {
 public:
  // Each tablet seeds its own (SyncScheduler: from libsodium): tablets with
  // one seed would retry in step, which is what the jitter is for.
  explicit SyncBackoff(uint64_t seed) : rng_(seed) {}

  // The delay before the next automatic attempt, in ms.
  int64_t after_success();
  int64_t after_failure();
  int failures() const { return failures_; }

 private:
  int64_t jitter(int64_t base);
  int failures_ = 0;
  SeededRng rng_;
};

}  // namespace gw::client
