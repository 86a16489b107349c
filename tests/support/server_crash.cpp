#include "tests/support/server_crash.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "shared/sqlite.hpp"
#include "tests/support/server_process.hpp"

namespace gw::test {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
// The checks must see a loss: one acknowledged patch taken out of a copy
// of the server's log has to be named, or a clean report means nothing.
void check_the_checks(Fleet& fleet, const std::string& db_path, std::mt19937_64& rng, CrashReport& report) {
  std::string copy = db_path + ".doctored";
  std::filesystem::copy_file(db_path, copy);
  auto acked = fleet.ledger().acked();
  auto victim = std::next(acked.begin(), static_cast<long>(rng() % acked.size()));
  {
    SqliteDb db(copy);
    auto del = db.prepare("DELETE FROM _log WHERE patch_id = ?");
    del.bind(1, *victim);
    del.run();
  }
  bool named = false;
  SqliteDb doctored(copy);
  for (const auto& p : fleet.check(doctored)) named = named || p.find(*victim) != std::string::npos;
  if (!named) report.problems.push_back("the checks missed acknowledged patch " + *victim + " deleted from a copy");
}

}  // namespace

CrashReport run_server_crash(const CrashOptions& o) {
  CrashReport report;
  ServerProcess server({"--demo"});
  std::string dir = server.dir() + "/devices";
  Fleet fleet({.url = server.url(), .dir = dir, .users = o.users});
  if (auto st = fleet.start(Clock::now() + std::chrono::seconds(180)); !st) {
    report.problems.push_back("the fleet did not start: " + st.error().to_string());
    return report;
  }

  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (size_t i = 0; i < fleet.size(); ++i)
    workers.emplace_back([&, i] {
      std::mt19937_64 rng(o.seed * 1000 + i);
      while (!stop) {
        fleet.step(i, rng);
        std::this_thread::sleep_for(milliseconds(rng() % 20));
      }
    });

  std::mt19937_64 rng(o.seed);
  auto t0 = Clock::now();
  double down_ms = 0;
  for (int k = 0; k < o.kills; ++k) {
    auto up = o.up_ms_min + static_cast<int>(rng() % static_cast<uint64_t>(o.up_ms_max - o.up_ms_min + 1));
    std::this_thread::sleep_for(milliseconds(up));
    auto killed = Clock::now();
    server.kill_hard();
    try {
      server.restart();
    } catch (const std::exception& e) {
      report.problems.push_back("restart after kill " + std::to_string(k + 1) + " failed: " + e.what());
      break;
    }
    down_ms += std::chrono::duration<double, std::milli>(Clock::now() - killed).count();
    ++report.kills;
    if (o.progress && report.kills % 10 == 0)
      fprintf(stderr, "[crash] %d kills, %lld patches acknowledged\n", report.kills,
              static_cast<long long>(fleet.ledger().totals().acks));
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  report.restart_ms = report.kills ? down_ms / report.kills : 0;
  stop = true;
  for (auto& w : workers) w.join();

  if (!fleet.settle(Clock::now() + std::chrono::seconds(120)))
    report.problems.push_back("the fleet did not settle within 120 s of the last restart");
  report.totals = fleet.ledger().totals();
  report.acked = static_cast<int64_t>(fleet.ledger().acked().size());
  if (int rc = server.stop(); rc != 0) report.problems.push_back("the server's clean stop exited " + std::to_string(rc));
  auto db = o.open_db ? o.open_db(server.db_path()) : std::make_unique<SqliteDb>(server.db_path());
  auto found = fleet.check(*db);
  db.reset();
  report.problems.insert(report.problems.end(), found.begin(), found.end());
  // The checks' own check doctors a copy of the file; on PostgreSQL the
  // same checks run, and the SQLite run of this test checks them.
  bool file = server.db_path().rfind("postgresql://", 0) != 0;
  if (file && found.empty() && report.acked > 0) check_the_checks(fleet, server.db_path(), rng, report);
  return report;
}

}  // namespace gw::test
