// gridwork-soak (./dev soak): the long reliability runs, on the release
// build. First the server crash run with many kills (tests/support/
// server_crash.hpp; CTest runs it short); then the soak: N tablets (200)
// doing mixed work for S seconds (600) through the fault proxy, with the
// server's memory sampled as it goes. Ends with the fleet's checks: nothing
// acknowledged lost or applied twice, every tablet converged, every file
// intact. Prints `bench soak.METRIC VALUE UNIT` lines; exits 1 on any
// problem or when the server's memory kept growing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "server/database.hpp"
#include "shared/sqlite.hpp"
#include "tests/support/fault_proxy.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/server_crash.hpp"
#include "tests/support/server_process.hpp"

namespace {

using namespace gw;
using namespace gw::test;
using Clock = std::chrono::steady_clock;

struct Options {
  int devices = 200;
  int seconds = 600;
  int threads = 8;
  int kills = 120;
  int servers = 1;  // of the crash run: more are a city on PostgreSQL behind HAProxy
  uint64_t seed = 20261127;
  bool faults = true;
  int sample_s = 10;
};

// The faults of the soak: every kind often enough to be met every second
// by some tablet, rarely enough that most syncs get through.
FaultPlan soak_faults(uint64_t seed) {
  return {.seed = seed, .drop = 0.01, .delay = 0.05, .delay_ms_max = 300, .truncate = 0.01, .reset = 0.01};
}

// pworker001..168 (one level-3 grid each), worker01..12 (many grids), then
// second tablets of part-timers: devices that share rows.
std::string user_of(int i) {
  char buf[32];
  if (i < 168) snprintf(buf, sizeof buf, "pworker%03d", i + 1);
  else if (i < 180) snprintf(buf, sizeof buf, "worker%02d", i - 167);
  else snprintf(buf, sizeof buf, "pworker%03d", (i - 180) % 168 + 1);
  return buf;
}

double rss_mb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  return 0;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// The ceiling of this disk for the soak: one-row transactions committed
// durably, as each tablet edit and each server push is, by raw SQLite.
double durable_commits_per_s(const std::string& dir) {
  std::string path = dir + "/ceiling.db";
  double rate = 0;
  {
    SqliteDb db(path);
    db.make_durable();
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    auto ins = db.prepare("INSERT INTO t (v) VALUES ('巡查记录')");
    int64_t n = 0;
    auto t0 = Clock::now();
    while (Clock::now() - t0 < std::chrono::seconds(3)) {
      db.exec("BEGIN");
      ins.run();
      db.exec("COMMIT");
      ++n;
    }
    rate = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
  }
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  return rate;
}

int port_of(const std::string& url) { return std::atoi(url.substr(url.rfind(':') + 1).c_str()); }

int crash_phase(const Options& o) {
  std::string city = o.servers > 1 ? std::to_string(o.servers) + " servers behind HAProxy on PostgreSQL, " : "";
  fprintf(stderr, "[soak] crash run: %s%s server SIGKILLed %d times under 5 tablets...\n", city.c_str(),
          o.servers > 1 ? "a" : "the", o.kills);
  CrashOptions c;
  c.kills = o.kills;
  c.seed = o.seed;
  c.progress = true;
  c.servers = o.servers;
  c.open_db = server::open_database;
  auto r = run_server_crash(c);
  if (o.servers > 1) city += "PostgreSQL restarted " + std::to_string(r.pg_restarts) + " times, ";
  printf("server crash run (seed %llu): %s%d kills in %.0f s, mean restart %.0f ms; %lld patches written, %lld "
         "acknowledged; %lld exchanges, %lld failed while %s was down\n",
         static_cast<unsigned long long>(o.seed), city.c_str(), r.kills, r.seconds, r.restart_ms,
         static_cast<long long>(r.totals.written), static_cast<long long>(r.acked),
         static_cast<long long>(r.totals.exchanges), static_cast<long long>(r.totals.failed),
         o.servers > 1 ? "a server or PostgreSQL" : "the server");
  for (const auto& p : r.problems) printf("  PROBLEM: %s\n", p.c_str());
  if (o.servers > 1) printf("bench soak.crash_pg_restarts %d count\n", r.pg_restarts);
  printf("bench soak.crash_kills %d count\n", r.kills);
  printf("bench soak.crash_acknowledged %lld count\n", static_cast<long long>(r.acked));
  printf("bench soak.crash_problems %zu count\n", r.problems.size());
  return r.problems.empty() && r.kills == o.kills ? 0 : 1;
}

struct Sample {
  double at_s, rss_mb, per_s, p99_ms;
  int64_t failed;
};

int soak_phase(const Options& o) {
  fprintf(stderr, "[soak] starting the server with the demo park...\n");
  ServerProcess server({"--demo"});
  FaultProxy proxy(port_of(server.url()), FaultPlan{.seed = o.seed});  // faults off while the fleet signs in
  std::vector<std::string> users;
  for (int i = 0; i < o.devices; ++i) users.push_back(user_of(i));
  std::string dir = server.db_path() + ".devices";
  std::filesystem::create_directories(dir);
  double ceiling = durable_commits_per_s(dir);
  Fleet fleet({.url = proxy.url(), .dir = dir, .users = users, .timeout_ms = 10'000});
  auto t0 = Clock::now();
  if (auto st = fleet.start(t0 + std::chrono::minutes(10), 4); !st) {
    fprintf(stderr, "gridwork-soak: %s\n", st.error().to_string().c_str());
    return 1;
  }
  fprintf(stderr, "[soak] %d tablets signed in with their scopes in %.0f s; %d s of mixed work%s\n", o.devices,
          std::chrono::duration<double>(Clock::now() - t0).count(), o.seconds,
          o.faults ? " through the fault proxy" : "");
  (void)fleet.ledger().take_latencies();
  auto setup = fleet.ledger().totals();
  if (o.faults) proxy.set_plan(soak_faults(o.seed));

  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < o.threads; ++t)
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(o.seed * 7919 + static_cast<uint64_t>(t));
      while (!stop) fleet.step(static_cast<size_t>(rng() % fleet.size()), rng);
    });

  std::vector<Sample> samples;
  std::vector<double> all;
  auto start = Clock::now();
  int64_t failed_before = setup.failed, done_before = setup.exchanges - setup.failed;
  double last_s = 0;
  while (Clock::now() - start < std::chrono::seconds(o.seconds)) {
    std::this_thread::sleep_for(std::chrono::seconds(std::min(o.sample_s, o.seconds)));
    auto lat = fleet.ledger().take_latencies();
    auto tot = fleet.ledger().totals();
    double at_s = std::chrono::duration<double>(Clock::now() - start).count();
    // Per second of the window as it was, not as planned: a run shorter
    // than the sampling period has a shorter window.
    Sample s{at_s, rss_mb(server.pid()),
             static_cast<double>(tot.exchanges - tot.failed - done_before) / (at_s - last_s), pct(lat, 0.99),
             tot.failed - failed_before};
    done_before = tot.exchanges - tot.failed;
    last_s = at_s;
    failed_before = tot.failed;
    all.insert(all.end(), lat.begin(), lat.end());
    samples.push_back(s);
    fprintf(stderr, "[soak] %4.0f s  %6.0f exchanges/s  p99 %6.1f ms  %4lld failed  server %6.1f MB\n", s.at_s,
            s.per_s, s.p99_ms, static_cast<long long>(s.failed), s.rss_mb);
  }
  stop = true;
  for (auto& w : workers) w.join();
  auto work = fleet.ledger().totals();
  auto counts = proxy.counts();

  fprintf(stderr, "[soak] healing: faults off, every tablet syncs until quiet...\n");
  proxy.set_plan(FaultPlan{.seed = o.seed});
  bool settled = fleet.settle(Clock::now() + std::chrono::minutes(10));
  int stopped = server.stop();
  SqliteDb db(server.db_path());
  auto problems = fleet.check(db);
  if (!settled) problems.insert(problems.begin(), "the fleet did not settle within 10 minutes");
  if (stopped != 0) problems.push_back("the server's clean stop exited " + std::to_string(stopped));

  // Memory: the last quarter against the second (the first is warm-up:
  // page caches filling, every tablet's first pulls).
  size_t q = samples.size() / 4;
  double early = samples.empty() ? 0 : samples[q].rss_mb, late = samples.empty() ? 0 : samples.back().rss_mb;
  double peak = 0;
  for (const auto& s : samples) peak = std::max(peak, s.rss_mb);
  double growth = early > 0 ? (late - early) / early * 100 : 0;
  bool flat = growth < 10;
  double secs = std::chrono::duration<double>(Clock::now() - start).count();

  printf("soak: %d tablets, %d s of mixed work (edits, visits, syncs), %d driving threads, faults %s\n", o.devices,
         o.seconds, o.threads, o.faults ? "on" : "off");
  printf("  %lld exchanges done, %.0f per s; p50 %.1f ms, p99 %.1f ms; %lld patches written, %lld acknowledged\n",
         static_cast<long long>(work.exchanges - work.failed - (setup.exchanges - setup.failed)),
         static_cast<double>(all.size()) / o.seconds, pct(all, 0.5), pct(all, 0.99),
         static_cast<long long>(work.written), static_cast<long long>(work.acks - setup.acks));
  printf("  ceiling: raw SQLite commits one durable transaction at a time at %.0f/s on this disk (each tablet\n"
         "  edit is one, each push one on the server, each pulled page one on a tablet)\n", ceiling);
  printf("  failed exchanges (the injected faults): %lld —", static_cast<long long>(work.failed - setup.failed));
  for (const auto& [code, n] : work.failures) printf(" %s %lld", code.c_str(), static_cast<long long>(n));
  printf("\n  proxy: %lld connections, %lld dropped, %lld delayed, %lld truncated, %lld reset\n",
         static_cast<long long>(counts.connections), static_cast<long long>(counts.dropped),
         static_cast<long long>(counts.delayed), static_cast<long long>(counts.truncated),
         static_cast<long long>(counts.reset));
  printf("  server memory: %.1f MB at %.0f s, %.1f MB at the end, peak %.1f MB: %+.1f %% (%s)\n", early,
         samples.empty() ? 0 : samples[q].at_s, late, peak, growth, flat ? "flat" : "GROWING");
  printf("  checks after healing: %zu problems (%.0f s in all)\n", problems.size(), secs);
  for (const auto& p : problems) printf("  PROBLEM: %s\n", p.c_str());
  printf("bench soak.exchanges_per_s %.0f req/s\n", static_cast<double>(all.size()) / o.seconds);
  printf("bench soak.p50_ms %.2f ms\n", pct(all, 0.5));
  printf("bench soak.p99_ms %.2f ms\n", pct(all, 0.99));
  printf("bench soak.failed %lld count\n", static_cast<long long>(work.failed - setup.failed));
  printf("bench soak.server_rss_growth_pct %.1f %%\n", growth);
  printf("bench soak.problems %zu count\n", problems.size());
  printf("bench soak.ceiling_durable_commits_per_s %.0f tx/s\n", ceiling);
  return problems.empty() && flat ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--help") {
      printf("usage: gridwork-soak [--kills K] [--servers N] [--devices N] [--seconds S] [--threads T] [--seed N]\n"
             "                     [--no-faults] [--quick]\n"
             "The long reliability runs against build/bin/gridwork-server on loopback:\n"
             "  1. the server SIGKILLed K times (default 120; 0 skips) while 5 tablets push and pull;\n"
             "     --servers N (> 1): N servers on a PostgreSQL of their own behind HAProxy, one at\n"
             "     random SIGKILLed each time, PostgreSQL itself restarted every 3 to 7 kills;\n"
             "  2. N tablets (default 200) doing mixed work for S seconds (default 600) through a\n"
             "     fault proxy (drop, delay, truncate, reset), the server's memory sampled.\n"
             "Both end with the checks: acknowledged patches in the log once, every written one\n"
             "arrived, tablets converged with the server column by column, integrity_check ok.\n"
             "--quick: 10 kills, 20 tablets for 20 s. Exits 1 on any problem or growing memory.\n");
      return 0;
    } else if (a == "--kills") {
      o.kills = next();
    } else if (a == "--servers") {
      o.servers = next();
    } else if (a == "--devices") {
      o.devices = next();
    } else if (a == "--seconds") {
      o.seconds = next();
    } else if (a == "--threads") {
      o.threads = next();
    } else if (a == "--seed" && i + 1 < argc) {
      o.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--no-faults") {
      o.faults = false;
    } else if (a == "--quick") {
      o.kills = 10, o.devices = 20, o.seconds = 20, o.threads = 4, o.sample_s = 5;
    } else {
      fprintf(stderr, "gridwork-soak: unknown argument %s (see --help)\n", a.c_str());
      return 2;
    }
  }
  if (o.devices < 1 || o.seconds < 1 || o.threads < 1 || o.kills < 0 || o.servers < 1) {
    fprintf(stderr, "gridwork-soak: --devices, --seconds, --threads and --servers must be positive\n");
    return 2;
  }
  int rc = o.kills > 0 ? crash_phase(o) : 0;
  return soak_phase(o) | rc;
}
