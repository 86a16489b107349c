// Long-poll wakes across the servers of one PostgreSQL database (DESIGN §13):
// after a push commits, its server tells the others which buckets changed
// (NOTIFY, outside the merge transaction: a NOTIFY inside one would take
// PostgreSQL's global commit lock); each listens on a connection of its own
// and wakes its waiters. Hints only: a lost one costs a device a poll's wait,
// never a record, and after a reconnect every waiter is woken to look again.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "shared/db.hpp"
#include "shared/hlc.hpp"

namespace gw::server {

class PgWakeChannel {
 public:
  // Buckets changed on another server (kAllBuckets: any may have).
  using OnWake = std::function<void(const std::set<std::string>& buckets, HlcTime hlc)>;
  static constexpr const char* kAllBuckets = "*";

  PgWakeChannel(std::string url, OnWake on_wake);
  ~PgWakeChannel();  // stops listening
  PgWakeChannel(const PgWakeChannel&) = delete;
  PgWakeChannel& operator=(const PgWakeChannel&) = delete;

  // Tells the other servers, on `db` (the writer's connection, after its
  // commit). A fault here is logged and dropped: the push is committed.
  void publish(Db& db, const std::set<std::string>& buckets, HlcTime hlc);

 private:
  void listen_loop();
  std::string url_;
  OnWake on_wake_;
  std::string self_;  // this server's mark: its own notices are skipped
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace gw::server
