// A city's deployment in small, all on loopback: two gridwork-servers on one
// PostgreSQL behind HAProxy, tablets talking only to HAProxy. One server is
// SIGKILLed while pushes are in flight, then PostgreSQL itself is restarted
// under both; the tablets keep retrying as they do on a bad link. In the end
// every acknowledged patch is in the log once and every tablet holds what the
// database holds, row by row.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "tests/server/city_fixture.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/haproxy.hpp"
#include "tests/support/pg_cluster.hpp"

using namespace gw;
using namespace gw::test;

namespace {

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
    REQUIRE(Haproxy::available());
    ScratchDir dir;
    PgCluster pg("gridwork", PgClusterOptions{.log = {}, .fsync = true});
    REQUIRE_MESSAGE(pg.ready(), pg.why());
    ServerProcess one({"--demo"}, pg.url());
    ServerProcess two({}, pg.url());
    Haproxy haproxy(dir.path, {one.url(), two.url()});
    REQUIRE(haproxy.ready());
    const std::string city = haproxy.url();

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
