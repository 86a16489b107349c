// The server killed with SIGKILL at random moments while tablets push and
// pull (tests/support/server_crash.hpp): every patch it acknowledged is in
// its log exactly once, every tablet's work reached it, every tablet holds
// what it holds, every file is intact. Seeded; GRIDWORK_SEED=N replays one.
// The long run (>= 100 kills) is `./dev soak`.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "server/database.hpp"
#include "tests/support/haproxy.hpp"
#include "tests/support/pg_cluster.hpp"
#include "tests/support/server_crash.hpp"

namespace gw::test {

namespace {

CrashOptions seeded(int kills) {
  CrashOptions o;
  o.open_db = server::open_database;
  const char* env = std::getenv("GRIDWORK_SEED");
  o.seed = env ? std::strtoull(env, nullptr, 10) : 20261127;
  o.kills = kills;
  return o;
}

void check_run(const CrashOptions& o, const CrashReport& r) {
  std::string postgres = o.servers > 1 ? ", " + std::to_string(r.pg_restarts) + " restarts of PostgreSQL" : "";
  std::string failures;  // offline: no answer; io: a 5xx, from HAProxy or a server that lost its database
  for (const auto& [code, n] : r.totals.failures) failures += " " + code + " " + std::to_string(n);
  MESSAGE("kills " << r.kills << postgres << ", " << r.totals.written << " patches written, " << r.acked
                   << " acknowledged, " << r.totals.exchanges << " exchanges of which " << r.totals.failed
                   << " failed (" << failures.substr(failures.empty() ? 0 : 1) << "), mean restart " << r.restart_ms
                   << " ms, " << r.seconds << " s of kills");
  for (const auto& p : r.problems) FAIL_CHECK(p);
  CHECK(r.kills == o.kills);
  // The kills landed on work: exchanges failed, and patches were written
  // and acknowledged all along.
  CHECK(r.totals.failed > 0);
  CHECK(r.acked > 100);
}

}  // namespace

TEST_CASE("the server killed at random: nothing acknowledged is lost or applied twice, the tablets converge") {
  auto o = seeded(25);
  INFO("seed " << o.seed << " (GRIDWORK_SEED=" << o.seed << " replays it)");
  check_run(o, run_server_crash(o));
}

// Skipped unless asked for (--no-skip): it brings its own PostgreSQL
// whatever GRIDWORK_TEST_DB says, so server-crash and server-crash-pg
// would only run it twice over; server-crash-ha runs it.
TEST_SUITE("crash-ha" * doctest::skip()) {
  TEST_CASE("three servers behind HAProxy on PostgreSQL, killed at random, PostgreSQL restarted under them: the same") {
    REQUIRE(postgres_available());
    REQUIRE(Haproxy::available());
    auto o = seeded(18);
    o.servers = 3;
    INFO("seed " << o.seed << " (GRIDWORK_SEED=" << o.seed << " replays it)");
    auto r = run_server_crash(o);
    check_run(o, r);
    CHECK(r.pg_restarts >= 2);
  }
}

}  // namespace gw::test
