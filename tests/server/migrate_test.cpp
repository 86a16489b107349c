// gridwork-server migrate: a park's SQLite file into a city's PostgreSQL with
// every row, and a tablet that synced with the park's server goes on syncing
// with the city's with the cursors it holds — no re-install, no re-pull.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>

#include "tests/server/city_fixture.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/pg_cluster.hpp"

using namespace gw;
using namespace gw::test;

namespace {

int run_migrate(const std::string& from, const std::string& to, const std::string& log) {
  ChildProcess p({ServerProcess::binary(), "migrate", "--from", from, "--to", to}, ChildOptions{.env = {}, .log = log, .pipe_stdout = false, .own_group = false});
  return p.wait_for(std::chrono::minutes(5));
}

std::string notes(Db& db, const std::string& id) {
  auto q = db.prepare("SELECT notes FROM households WHERE id = ?");
  q.bind(1, id);
  return q.step() ? std::string(q.text(0)) : "<missing>";
}

}  // namespace

TEST_SUITE("postgres-migrate") {
  TEST_CASE("a park moves to PostgreSQL with every row; its tablets go on syncing with their cursors") {
    ScratchDir dir;
    const std::string park = dir.path + "/park.db", log = dir.path + "/migrate.log";
    std::string hh;
    auto a = std::make_unique<ServerProcess>(std::vector<std::string>{"--demo"}, park);
    Device d(a->url(), "worker03");
    REQUIRE(d.sync.sync());
    {
      auto q = d.db.prepare("SELECT id FROM households ORDER BY id LIMIT 1");
      REQUIRE(q.step());
      hh = std::string(q.text(0));
    }
    REQUIRE(d.replica.write(table("households"), hh, {{column("households", "notes"), Value{std::string("搬迁前")}}}));
    REQUIRE(d.sync.sync());
    REQUIRE(a->stop() == 0);
    a.reset();

    PgCluster pg;
    REQUIRE_MESSAGE(pg.ready(), pg.why());
    REQUIRE(run_migrate(park, pg.url(), log) == 0);
    {
      ServerDb from(park), to(pg.url());
      for (const char* t : {"households", "residents", "users", "_log", "_chain", "_changes", "_devices", "_tokens"}) {
        std::string count = std::string("SELECT count(*) FROM ") + t;
        CHECK_MESSAGE(to.query_int(count) == from.query_int(count), t);
      }
      CHECK(to.query_int("SELECT max(seq) FROM _changes") == from.query_int("SELECT max(seq) FROM _changes"));
      CHECK(notes(to, hh) == "搬迁前");
    }
    // Into a database that already holds a park: refused, nothing changed.
    CHECK(run_migrate(park, pg.url(), log) == 2);

    ServerProcess city({}, pg.url());
    net::HttpTransport http(city.url(), d.key, 30'000);
    REQUIRE(http.login("worker03", "gridwork-demo", d.id, "test tablet"));
    sync::SyncClient sync(d.replica, http);
    REQUIRE(d.replica.write(table("households"), hh, {{column("households", "notes"), Value{std::string("搬迁后")}}}));
    auto r = sync.sync();
    REQUIRE(r);
    CHECK(r->pushed == 1);
    CHECK(r->pulled <= 2);  // its own write at most: the cursors held, nothing pulled again
    // The chain goes on where it was: the next link after the park's last.
    Device chief(city.url(), "supervisor01");
    REQUIRE(chief.sync.sync());
    CHECK(notes(chief.db, hh) == "搬迁后");
    // New numbers go on after the copied ones.
    ServerDb to(pg.url());
    CHECK(to.query_int("SELECT count(*) FROM _log") == to.query_int("SELECT count(DISTINCT n) FROM _log"));
  }
}
