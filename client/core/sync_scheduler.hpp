// When this tablet syncs, and the sync itself: a planned sync after each
// edit and on a backoff's timetable, one asked for by the user, and the
// long-poll (/v1/sync/wait) that brings what the server merged within
// seconds instead of at the next planned sync, so a takeover reaches the
// cadres' tablets while the supervisor watches. Runs on the network thread;
// the long-poll has a thread of its own.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include "client/core/backoff.hpp"
#include "client/core/board.hpp"
#include "client/core/session.hpp"
#include "client/core/worker.hpp"

namespace gw::client {

struct CoreOptions;

class SyncScheduler {
 public:
  struct Hooks {
    // After each sync, with the latest time the session's clock has seen:
    // the store learns it and rebuilds its views.
    std::function<void(HlcTime seen)> synced;
    // The server revoked this tablet: carries out the wipe order. false:
    // not now (what was never pushed could not be handed over).
    std::function<bool(net::HttpTransport& http, const std::string& why)> revoked;
    // Pictures arrived (thumbnails, or `opened`, one the user asked for):
    // the store shows them.
    std::function<void(const std::string& opened, const Status& outcome)> photos;
  };

  SyncScheduler(const CoreOptions& opt, Board& board, Session& session, Worker& net_worker, Worker& watch_worker,
                std::function<int64_t()> wall, Hooks hooks);

  // Plans the next automatic sync in `delay_ms`, replacing the one planned;
  // with automatic sync off (the setting, or the run's options), none.
  void plan(int64_t delay_ms);
  // Syncs now, in place of the planned one.
  void run_now();
  // From any thread: the photo queue stops at the chunk it is on, so a sync
  // asked for meanwhile does not wait behind it (the planned one is dropped:
  // the caller runs one).
  void interrupt();
  // One picture the user opened, fetched now if the link allows (the
  // outcome through Hooks::photos).
  void fetch_photo(const std::string& hash);
  // Planned syncs and the long-poll are dropped (a lock, a sign-out).
  void cancel();
  // The app closes: queued syncs are dropped rather than make the window
  // wait for a slow link (what is recorded is safe in the replica).
  void close();

 private:
  void run();
  // The photo queue after the records, until it is done, the link fails or
  // a new sync is asked for (a record waiting goes first).
  void move_photos(net::HttpTransport& http, uint64_t gen);
  void start_watch(HlcTime since);
  void stop_watch();
  void watch(const std::string& url, sync::DeviceKey key, const std::string& token, HlcTime since, uint64_t gen);
  bool automatic() const;

  const CoreOptions& opt_;
  Board& board_;
  Session& session_;
  Worker& net_worker_;
  Worker& watch_worker_;
  std::function<int64_t()> wall_;
  Hooks hooks_;
  SyncBackoff backoff_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> closing_{false};
  std::atomic<uint64_t> watch_generation_{0};
  std::mutex watch_m_;
  net::HttpTransport* watch_http_ = nullptr;  // the long-poll in flight, under watch_m_
};

}  // namespace gw::client
