// The server killed with SIGKILL at random moments while tablets push and
// pull (tests/support/server_crash.hpp): every patch it acknowledged is in
// its log exactly once, every tablet's work reached it, every tablet holds
// what it holds, every file is intact. Seeded; GRIDWORK_SEED=N replays one.
// The long run (>= 100 kills) is `./dev soak`.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "server/database.hpp"
#include "tests/support/server_crash.hpp"

namespace gw::test {

TEST_CASE("the server killed at random: nothing acknowledged is lost or applied twice, the tablets converge") {
  CrashOptions o;
  o.open_db = server::open_database;
  const char* env = std::getenv("GRIDWORK_SEED");
  o.seed = env ? std::strtoull(env, nullptr, 10) : 20261127;
  o.kills = 25;
  INFO("seed " << o.seed << " (GRIDWORK_SEED=" << o.seed << " replays it)");
  auto r = run_server_crash(o);
  MESSAGE("kills " << r.kills << ", " << r.totals.written << " patches written, " << r.acked
                   << " acknowledged, " << r.totals.exchanges << " exchanges of which " << r.totals.failed
                   << " failed, mean restart " << r.restart_ms << " ms");
  for (const auto& p : r.problems) FAIL_CHECK(p);
  CHECK(r.kills == o.kills);
  // The kills landed on work: exchanges failed, and patches were written
  // and acknowledged all along.
  CHECK(r.totals.failed > 0);
  CHECK(r.acked > 100);
}

}  // namespace gw::test
