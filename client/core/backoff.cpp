#include "client/core/backoff.hpp"

#include <algorithm>

#include "client/core/tuning.hpp"

namespace gw::client {

int64_t SyncBackoff::jitter(int64_t base) {
  int64_t spread = base / 4;
  return base - spread + static_cast<int64_t>(rng_.next() % static_cast<uint64_t>(2 * spread + 1));
}

int64_t SyncBackoff::after_success() {
  failures_ = 0;
  return jitter(tuning::kSyncIntervalMs);
}

int64_t SyncBackoff::after_failure() {
  failures_ = std::min(failures_ + 1, 30);
  int64_t base = tuning::kSyncRetryFirstMs;
  for (int i = 1; i < failures_ && base < tuning::kSyncRetryMaxMs; ++i) base *= 2;
  return jitter(std::min(base, tuning::kSyncRetryMaxMs));
}

}  // namespace gw::client
