#include "server/wake_channel.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sodium.h>

#include <chrono>
#include <sstream>

#include "server/log.hpp"

namespace gw::server {

namespace {

constexpr const char* kChannel = "gridwork_wake";
// PostgreSQL refuses a payload of 8,000 bytes or more: a bigger set of
// buckets goes as "every bucket".
constexpr size_t kMaxPayload = 7'900;

// "<server> <hlc> <bucket> <bucket> ..." (bucket names hold no spaces).
std::string encode(const std::string& self, const std::set<std::string>& buckets, HlcTime hlc) {
  std::string p = self + " " + std::to_string(hlc);
  for (const auto& b : buckets) p += " " + b;
  return p.size() <= kMaxPayload ? p : self + " " + std::to_string(hlc) + " " + PgWakeChannel::kAllBuckets;
}

}  // namespace

PgWakeChannel::PgWakeChannel(std::string url, OnWake on_wake) : url_(std::move(url)), on_wake_(std::move(on_wake)) {
  unsigned char mark[8];
  randombytes_buf(mark, sizeof mark);
  for (unsigned char c : mark) self_ += "0123456789abcdef"[c >> 4], self_ += "0123456789abcdef"[c & 15];
  thread_ = std::thread([this] { listen_loop(); });
}

PgWakeChannel::~PgWakeChannel() {
  stopping_ = true;
  thread_.join();
}

void PgWakeChannel::publish(Db& db, const std::set<std::string>& buckets, HlcTime hlc) {
  try {
    db.prepare("SELECT pg_notify(?, ?)").bind(1, kChannel).bind(2, encode(self_, buckets, hlc)).run();
  } catch (const DbError& e) {
    Log::write(Level::warn, "wake not sent to the other servers", {{"error", std::string(e.what())}});
  }
}

void PgWakeChannel::listen_loop() {
  bool first = true;
  while (!stopping_) {
    PGconn* conn = PQconnectdb(url_.c_str());
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // quiet: a lost link is retried below
    PGresult* res = PQstatus(conn) == CONNECTION_OK ? PQexec(conn, (std::string("LISTEN ") + kChannel).c_str()) : nullptr;
    bool listening = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!listening) {
      PQfinish(conn);
      for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // Whatever was sent while no one listened: every waiter looks again.
    if (!first) on_wake_({kAllBuckets}, 0);
    first = false;
    while (!stopping_ && PQstatus(conn) == CONNECTION_OK) {
      pollfd p{PQsocket(conn), POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;  // 200 ms: how soon a stop is seen
      if (!PQconsumeInput(conn)) break;
      while (PGnotify* n = PQnotifies(conn)) {
        std::istringstream in(n->extra);
        std::string from, bucket;
        HlcTime hlc = 0;
        in >> from >> hlc;
        std::set<std::string> buckets;
        while (in >> bucket) buckets.insert(bucket);
        PQfreemem(n);
        if (from != self_ && !buckets.empty()) on_wake_(buckets, hlc);
      }
    }
    PQfinish(conn);
  }
}

}  // namespace gw::server
