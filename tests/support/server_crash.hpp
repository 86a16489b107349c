// The server crash run: a fleet of tablets works against the real server
// while it is killed with SIGKILL at random moments and started again; then
// the fleet settles and is checked (tests/support/fleet.hpp). The CTest
// entry runs it short, `./dev soak` long. With several servers it is a
// city in small: the servers on one PostgreSQL behind HAProxy, one of them
// killed at a time, and PostgreSQL itself restarted now and then.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/fleet.hpp"

namespace gw::test {

struct CrashOptions {
  int kills = 30;
  uint64_t seed = 1;
  // Tablets sharing grids, so their writes meet: pworker022 twice and
  // worker06 hold one grid of households, worker01 and pworker002 one
  // grid of enterprises.
  std::vector<std::string> users = {"pworker022", "pworker022", "worker06", "worker01", "pworker002"};
  int up_ms_min = 100, up_ms_max = 700;  // how long the server lives between kills
  bool progress = false;                 // a line per 10 kills on stderr
  // More than one: a throwaway PostgreSQL of the run's own (fsync on: its
  // restarts must not cost a commit), the servers on it (the first loads
  // the demo park) and HAProxy in front, the only address the fleet knows.
  // Each kill takes a server at random, which stays down for the next
  // up-time while the others serve; every pg_gap_min..max kills (seeded)
  // PostgreSQL itself is restarted under all of them. Needs open_db.
  int servers = 1;
  int pg_gap_min = 3, pg_gap_max = 7;
  // Opens the server's database (a file, or a PostgreSQL URL under
  // GRIDWORK_TEST_DB=postgres) for the end checks: server::open_database,
  // which this layer does not reach. Unset: an SQLite file.
  std::function<std::unique_ptr<Db>(const std::string&)> open_db;
};

struct CrashReport {
  int kills = 0;
  double seconds = 0;       // from the first kill to the last restart
  double restart_ms = 0;    // mean time from kill (several servers: from restart) to listening again
  int pg_restarts = 0;      // of PostgreSQL under the servers (several servers only)
  Ledger::Totals totals;
  int64_t acked = 0;        // distinct patches the server acknowledged
  std::vector<std::string> problems;  // empty: nothing lost, nothing twice, converged, intact
};

CrashReport run_server_crash(const CrashOptions& o);

}  // namespace gw::test
