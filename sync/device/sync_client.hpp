// The client side of sync: push the outbox in priority order, page by page,
// then pull until the server has no more, applying and evicting as told.
// Every step is resumable: a dropped exchange is simply tried again.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <optional>

#include "shared/error.hpp"
#include "shared/hlc.hpp"
#include "sync/device/replica.hpp"
#include "sync/core/transport.hpp"

namespace gw::sync {

struct SyncReport {
  int64_t pushed = 0;    // patches the server accepted
  int64_t refused = 0;   // rejected or quarantined, kept with their reasons
  int64_t pulled = 0;    // patches received
  int64_t evicted = 0;   // buckets dropped
  int64_t bytes_up = 0;
  int64_t bytes_down = 0;
  int exchanges = 0;
  int stale = 0;  // pull answers that came too late to apply, asked again
  int overtaken = 0;  // push batches that reached the server ahead of the one before, sent again
  int restarts = 0;     // the server's database restored or replaced (Restart)
  int64_t resent = 0;   // links of the chain sent again to a restored server
  // The server's clock at the last pull: what a long-poll (/v1/sync/wait)
  // names as `since`, to hear of anything that landed after it.
  HlcTime server_hlc = 0;
};

class SyncClient {
 public:
  SyncClient(Replica& replica, Transport& transport) : replica_(replica), transport_(transport) {}

  // Push everything, then pull everything. Stops at the first failed
  // exchange (Code::offline, or the server's error); what was done stays done.
  Result<SyncReport> sync();
  Status push(SyncReport& report);
  Status ask_held(SyncReport& report);
  Status pull(SyncReport& report);
  // A revoked device's last contact (DESIGN §8): every pending patch goes
  // to the server, which holds them for an admin's review and answers each
  // batch with the wipe order (Code::revoked). How many were handed over;
  // an error when the server could not be reached, so nothing is wiped.
  Result<int64_t> hand_over();

  size_t push_batch = 0;  // 0: tuning default
  int pull_limit = 0;     // 0: the server's default
  int max_exchanges = 10000;
  // Push exchanges on threads of their own, up to tuning::kPushWindow at
  // once, while this one chains the next batch and settles the last; each
  // pull page asked for while the last is applied. For transports that may run on another thread (HTTP); off,
  // a run is one thread's steps in order (the simulation replays a seed),
  // the same steps with the exchange done in place.
  bool overlap = false;
  // Push batches out at once; 0: tuning::kPushWindow with `overlap`, else 1.
  // Without `overlap` a batch's exchange then runs, in place, when its answer
  // is waited for, and `overtake` (the simulation's seeded choice) may run
  // the batch behind it first: what two connections may do to the order.
  size_t push_window = 0;
  std::function<bool()> overtake;
  // Called after every exchange with the totals so far: the app's progress bar.
  std::function<void(const SyncReport&)> on_progress;

 private:
  // One push exchange, in flight or landed.
  struct Flight {
    struct Landed {
      Result<PushAnswer> answer = Error{Code::internal, "no answer"};
      int64_t bytes = 0;
    };
    std::future<Landed> pending;
    std::function<Landed()> deferred;  // run in place by land()
    Landed landed;
    void land();
    Result<PushAnswer> wait(SyncReport& report);
  };
  enum class Run { in_place, deferred, own_thread };
  struct Fetched {
    Result<PullAnswer> answer = Error{Code::internal, "no answer"};
    int64_t bytes = 0;
  };
  Fetched fetch(const std::string& body) noexcept;
  std::string body_of(OutgoingBatch& batch);  // the request's JSON, stamped with the epoch if it names none
  Flight start(std::string body, SyncReport& report, Run run);
  Result<PushAnswer> send(OutgoingBatch& batch, SyncReport& report);  // one push exchange, in place
  Status recover(const Restart& restart, SyncReport& report);
  Replica& replica_;
  Transport& transport_;
};

}  // namespace gw::sync
