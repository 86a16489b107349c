// A city's deployment in small, all on loopback: two gridwork-servers on one
// PostgreSQL behind HAProxy, tablets talking only to HAProxy. One server is
// SIGKILLed while pushes are in flight, then PostgreSQL itself is restarted
// under both; the tablets keep retrying as they do on a bad link. In the end
// every acknowledged patch is in the log once and every tablet holds what the
// database holds, row by row.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tests/server/city_fixture.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/pg_cluster.hpp"

using namespace gw;
using namespace gw::test;

namespace {

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// HAProxy on a free loopback port: round robin, a failed connect retried on
// the other server, a server out of the pool within a second of dying.
std::unique_ptr<ChildProcess> start_haproxy(const std::string& dir, int port, const std::vector<std::string>& servers) {
  std::ofstream cfg(dir + "/haproxy.cfg");
  cfg << "global\n  maxconn 512\n"
      << "defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n"
      << "  retries 3\n  option redispatch\n"
      << "frontend city\n  bind 127.0.0.1:" << port << "\n  default_backend servers\n"
      << "backend servers\n  balance roundrobin\n  option httpchk GET /v1/healthz\n";
  for (size_t i = 0; i < servers.size(); ++i)
    cfg << "  server s" << i << " 127.0.0.1:" << port_of(servers[i]) << " check inter 300 fall 1 rise 1\n";
  cfg.close();
  auto p = std::make_unique<ChildProcess>(std::vector<std::string>{"/usr/sbin/haproxy", "-db", "-f", dir + "/haproxy.cfg"},
                                          ChildOptions{.env = {}, .log = dir + "/haproxy.log", .pipe_stdout = false,
                                                       .own_group = false});
  for (int i = 0; i < 50; ++i) {  // ready when it answers through to a server
    try {
      if (raw("http://127.0.0.1:" + std::to_string(port), "GET", "/v1/healthz", "").status == 200) return p;
    } catch (...) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return nullptr;
}

// Syncs until it goes through (a bounded number of tries): what the app's
// scheduler does after a failed sync.
std::atomic<int> failed_syncs{0};

bool sync_until_ok(Device& d, int64_t* acked) {
  for (int i = 0; i < 60; ++i) {
    if (auto r = d.sync.sync()) {
      if (acked) *acked += r->pushed;
      return true;
    }
    ++failed_syncs;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

}  // namespace

TEST_SUITE("postgres-haproxy") {
  TEST_CASE("two servers behind HAProxy: one SIGKILLed mid-push, PostgreSQL restarted; every write once, all equal") {
    REQUIRE(std::filesystem::exists("/usr/sbin/haproxy"));
    ScratchDir dir;
    PgCluster pg("gridwork", PgClusterOptions{.log = {}, .fsync = true});
    REQUIRE_MESSAGE(pg.ready(), pg.why());
    ServerProcess one({"--demo"}, pg.url());
    ServerProcess two({}, pg.url());
    int port = ServerProcess::free_port();
    auto haproxy = start_haproxy(dir.path, port, {one.url(), two.url()});
    REQUIRE(haproxy);
    const std::string city = "http://127.0.0.1:" + std::to_string(port);

    Device a(city, "worker03"), b(city, "worker03"), chief(city, "supervisor01");
    REQUIRE(a.sync.sync());
    REQUIRE(b.sync.sync());
    std::vector<std::string> rows;
    {
      auto q = a.db.prepare("SELECT id FROM households ORDER BY id LIMIT 10");
      while (q.step()) rows.emplace_back(q.text(0));
    }
    REQUIRE(rows.size() == 10);

    std::atomic<int> round{0};
    int64_t acked_a = 0, acked_b = 0;
    auto writer = [&](Device& d, const std::string& tag, int64_t* acked) {
      for (int r = 0; r < 24; ++r) {
        round = std::max(round.load(), r);
        for (size_t i = static_cast<size_t>(r) % 3; i < rows.size(); i += 3)
          CHECK(d.replica.write(table("households"), rows[i],
                                {{column("households", "notes"), Value{tag + " " + std::to_string(r) + "/" + std::to_string(i)}}}));
        CHECK(sync_until_ok(d, acked));
      }
    };
    std::thread wa([&] { writer(a, "a", &acked_a); });
    std::thread wb([&] { writer(b, "b", &acked_b); });
    while (round < 6) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    one.kill_hard();  // mid-push: its answers in flight are lost, the tablets send again
    while (round < 14) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    one.restart();
    pg.stop_fast();  // PostgreSQL itself restarted under both servers
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    REQUIRE(pg.start());
    wa.join();
    wb.join();
    REQUIRE(sync_until_ok(a, &acked_a));
    REQUIRE(sync_until_ok(b, &acked_b));
    REQUIRE(sync_until_ok(chief, nullptr));

    MESSAGE("syncs that failed and were tried again: ", failed_syncs.load());
    ServerDb db(pg.url());
    CHECK(a.replica.pending_count() == 0);
    CHECK(b.replica.pending_count() == 0);
    for (auto* d : {&a, &b}) {
      // Every patch the tablet wrote is in the log once, accepted (its
      // outbox is empty and nothing was refused, so all were acknowledged).
      auto q = db.prepare("SELECT count(*), count(DISTINCT patch_id) FROM _log WHERE origin = ? AND status = 'accepted'");
      q.bind(1, d->id);
      REQUIRE(q.step());
      CHECK(q.int64(0) == q.int64(1));
      CHECK(q.int64(0) == db.query_int("SELECT count(*) FROM _log WHERE origin = '" + d->id + "'"));
      CHECK(q.int64(0) >= 24);
    }
    CHECK(acked_a + acked_b <= db.query_int("SELECT count(*) FROM _log WHERE status = 'accepted' AND origin IN ('" +
                                             a.id + "', '" + b.id + "')"));
    auto held = notes_of(db, rows);
    CHECK(notes_of(a.db, rows) == held);
    CHECK(notes_of(b.db, rows) == held);
    CHECK(notes_of(chief.db, rows) == held);
  }
}
