// The sync server's logic behind HTTP: routes, auth, the single writer, the
// readers, long-polls and metrics. It sees requests as plain structs, so the
// cpprestsdk front stays a thin adapter and this stays testable.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/auth.hpp"
#include "server/blob_store.hpp"
#include "server/metrics.hpp"
#include "server/request_parse.hpp"
#include "server/wake_channel.hpp"
#include "shared/error.hpp"
#include "shared/hlc.hpp"
#include "shared/sqlite.hpp"
#include "shared/tuning.hpp"
#include "shared/wal_checkpointer.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::server {

struct Request {
  std::string method;  // GET, POST, PUT
  std::string path;    // /v1/sync/push
  std::string query;   // since=...
  std::string authorization;
  std::string signature;
  std::string accept;
  std::string peer;    // remote address, for login throttling
  std::string body;
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using Responder = std::function<void(Reply)>;

struct ServiceOptions {
  std::string db_path;
  bool demo = false;
  int demo_parks = 1;                                 // with demo: a city of parks 1..N (park 1 the demo park)
  uint64_t demo_seed = 20261127;
  size_t max_body = 8u << 20;                         // 413 beyond this
  int64_t token_ttl_ms = 7LL * 24 * 3600 * 1000;      // a week offline, then log in again
  int readers = 2;
  size_t page_cache_bytes = tuning::kPageCacheBytes;  // grid pages the readers share; 0: none
  int64_t wait_ms = 25'000;                           // long-poll ceiling (DESIGN §4)
  int login_failures = 5;                             // per account and per address...
  int64_t login_window_ms = 60'000;                   // ...within this window
  std::function<int64_t()> wall;                      // Unix ms; tests move time
};

// A code to an HTTP status (DESIGN §4/§10): 400, 401, 403, 404, 409, 413, 429...
Reply error_reply(Code c, const std::string& message);
// 507: SQLite could not write (a full disk); `detail` is SQLite's reason.
Reply storage_fault(const std::string& detail);

class SyncService {
 public:
  explicit SyncService(ServiceOptions options);
  ~SyncService();

  // Answers through `respond`, now or later, exactly once; never throws.
  void handle(Request req, Responder respond);
  // Stops taking work, finishes what is queued, answers every long-poll.
  void shutdown();

  Metrics& metrics() { return metrics_; }
  int64_t now() const { return opt_.wall(); }

  // For the admin commands: run f on the writer's engine, in the caller's thread.
  static void with_engine(const std::string& db_path, const std::function<void(sync::ServerEngine&, Db&)>& f);

 private:
  struct Reader {
    std::unique_ptr<Db> db;
    std::unique_ptr<Hlc> clock;
    std::unique_ptr<sync::ServerEngine> engine;
  };
  class ReaderLease;
  struct Waiter {
    std::set<std::string> buckets;
    Responder respond;
    int64_t deadline;
  };

  void route(Request& req, Responder& respond);
  void login(Request& req, Responder& respond);
  void push(Request& req, Responder& respond);
  void pull(Request& req, Responder& respond);
  bool reader_to_spare();
  void wait(Request& req, Responder& respond);
  void kpi(Request& req, Responder& respond);
  void history(Request& req, Responder& respond);
  void evidence(Request& req, Responder& respond);
  void audit(Request& req, Responder& respond);
  void change_password(Request& req, Responder& respond);
  void echo(Request& req, Responder& respond);
  // Photo bytes (issue 22, DESIGN §14): on a reader, beside the writer.
  void blob(Request& req, Responder& respond, Result<BlobPath> path);
  void blob_status(Reader& r, const std::string& hash, int64_t size, Responder& respond);
  void blob_put(Request& req, Reader& r, const std::string& hash, int64_t size, Responder& respond);
  void blob_get(Reader& r, const std::string& hash, int64_t size, Responder& respond);
  void blob_batch(Request& req, Responder& respond);
  struct PhotoAccess {
    std::set<std::string> readable;  // the buckets the user reads
  };
  Result<PhotoAccess> photo_access(Reader& r, const Session& s);
  // The photo's size, when a row of attachments names it in a grid the user reads.
  Result<int64_t> blob_size(Reader& r, const PhotoAccess& access, const std::string& hash);
  // A revoked device's session is an Error (Code::revoked, the wipe order)
  // unless revoked_ok: its pushes are still taken, to be held for review.
  Result<Session> session(Request& req, Reader& r, bool revoked_ok = false);

  void post(std::function<void()> job);  // to the writer thread
  void writer_loop();
  void timer_loop();
  void wake(const std::set<std::string>& touched, HlcTime hlc);

  ServiceOptions opt_;
  Metrics metrics_;
  Throttle throttle_;

  // The writer: one connection, one thread, every change.
  std::unique_ptr<Db> db_;
  std::unique_ptr<Hlc> clock_;
  std::unique_ptr<sync::ServerEngine> engine_;
  std::mutex queue_m_;
  std::condition_variable queue_cv_;
  std::condition_variable timer_cv_;  // the long-poll timer's, never the writer's
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // Readers: pulls and token checks never wait for the writer.
  std::mutex readers_m_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Reader>> free_readers_;
  // Grid pages the readers share: fifty cadres pulling a unit grid just taken
  // over cost about one page's build (issue 21).
  std::shared_ptr<sync::PageCache> pages_;

  // Handlers still running on the HTTP threads: shutdown waits for them,
  // since they hold readers and use this object until they return (a reply
  // goes out before its handler has unwound).
  std::mutex handlers_m_;
  std::condition_variable handlers_cv_;
  int handlers_ = 0;

  // Long-polls, and the recent commits they may have missed.
  std::mutex waiters_m_;
  std::vector<Waiter> waiters_;
  std::deque<std::pair<HlcTime, std::set<std::string>>> recent_;
  std::thread timer_;
  std::unique_ptr<PgWakeChannel> wake_channel_;  // PostgreSQL only: wakes from the other servers
  std::unique_ptr<WalCheckpointer> checkpointer_;  // SQLite only: the WAL copied back off the writer
  std::unique_ptr<BlobStore> blobs_;  // photo bytes: files beside the database, or its tables
};

}  // namespace gw::server
