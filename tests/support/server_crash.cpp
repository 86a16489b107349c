#include "tests/support/server_crash.hpp"

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "shared/sqlite.hpp"
#include "tests/support/haproxy.hpp"
#include "tests/support/pg_cluster.hpp"
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

// What the fleet talks to and what the kills hit: one server, started
// again at once after each kill as the crash run always did; or several
// (CrashOptions::servers) on a PostgreSQL of their own behind HAProxy.
// Its dice are its own, so a run of one server draws its up-times as it
// always did.
class Site {
 public:
  explicit Site(const CrashOptions& o) : o_(o), rng_(o.seed * 7919 + 17) {
    if (o.servers <= 1) {
      servers_.push_back(std::make_unique<ServerProcess>(std::vector<std::string>{"--demo"}));
      dir_ = servers_[0]->dir();
      url_ = servers_[0]->url();
      return;
    }
    char tmpl[] = "/tmp/gridwork-crash-XXXXXX";
    dir_ = own_dir_ = mkdtemp(tmpl);
    pg_ = std::make_unique<PgCluster>("gridwork", PgClusterOptions{.log = {}, .fsync = true});
    if (!pg_->ready()) throw std::runtime_error("no PostgreSQL: " + pg_->why());
    std::vector<std::string> urls;
    for (int i = 0; i < o.servers; ++i) {
      auto extra = i == 0 ? std::vector<std::string>{"--demo"} : std::vector<std::string>{};
      servers_.push_back(std::make_unique<ServerProcess>(extra, pg_->url()));
      urls.push_back(servers_.back()->url());
    }
    haproxy_ = std::make_unique<Haproxy>(dir_, urls);
    if (!haproxy_->ready())
      throw std::runtime_error("HAProxy did not answer through to a server; see " + dir_ + "/haproxy.log");
    url_ = haproxy_->url();
    pg_gap_ = draw_gap();
  }
  ~Site() {
    haproxy_.reset();
    servers_.clear();
    pg_.reset();
    std::error_code ec;
    if (!own_dir_.empty()) std::filesystem::remove_all(own_dir_, ec);
  }

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  std::string database() const { return pg_ ? pg_->url() : servers_[0]->db_path(); }

  // One kill; throws when something did not come back.
  void kill(CrashReport& report) {
    if (servers_.size() == 1) {
      auto killed = Clock::now();
      servers_[0]->kill_hard();
      servers_[0]->restart();
      restarted_ms_ += std::chrono::duration<double, std::milli>(Clock::now() - killed).count();
      return;
    }
    bring_back();
    if (--pg_gap_ == 0) {
      restart_postgres();
      ++report.pg_restarts;
      pg_gap_ = draw_gap();
    }
    down_ = static_cast<int>(rng_() % servers_.size());
    servers_[static_cast<size_t>(down_)]->kill_hard();
  }

  // The server killed last started again: all serve when the fleet settles.
  void bring_back() {
    if (down_ < 0) return;
    auto t0 = Clock::now();
    servers_[static_cast<size_t>(down_)]->restart();
    restarted_ms_ += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    down_ = -1;
  }

  double restarted_ms() const { return restarted_ms_; }

  // Clean stops, each exit status a problem when not 0.
  void stop(CrashReport& report) {
    haproxy_.reset();
    for (size_t i = 0; i < servers_.size(); ++i) {
      std::string which = servers_.size() == 1 ? "the server's" : "server " + std::to_string(i + 1) + "'s";
      if (int rc = servers_[i]->stop(); rc != 0)
        report.problems.push_back(which + " clean stop exited " + std::to_string(rc));
    }
  }

 private:
  int draw_gap() {
    return o_.pg_gap_min + static_cast<int>(rng_() % static_cast<uint64_t>(o_.pg_gap_max - o_.pg_gap_min + 1));
  }

  // Down for a moment under every server, their requests in flight failing
  // on connections that are gone.
  void restart_postgres() {
    pg_->stop_fast();
    std::this_thread::sleep_for(milliseconds(rng_() % 500));
    if (!pg_->start()) throw std::runtime_error("PostgreSQL did not start again: " + pg_->why());
  }

  const CrashOptions& o_;
  std::mt19937_64 rng_;
  std::string dir_, own_dir_, url_;
  std::unique_ptr<PgCluster> pg_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
  std::unique_ptr<Haproxy> haproxy_;
  int down_ = -1, pg_gap_ = 0;
  double restarted_ms_ = 0;
};

// The kills, an up-time apart, while the fleet works; then every server
// is up again.
void kill_at_random(const CrashOptions& o, Site& site, Fleet& fleet, std::mt19937_64& rng, CrashReport& report) {
  auto t0 = Clock::now();
  try {
    for (int k = 0; k < o.kills; ++k) {
      auto up = o.up_ms_min + static_cast<int>(rng() % static_cast<uint64_t>(o.up_ms_max - o.up_ms_min + 1));
      std::this_thread::sleep_for(milliseconds(up));
      site.kill(report);
      ++report.kills;
      if (o.progress && report.kills % 10 == 0)
        fprintf(stderr, "[crash] %d kills, %d restarts of PostgreSQL, %lld patches acknowledged\n", report.kills,
                report.pg_restarts, static_cast<long long>(fleet.ledger().totals().acks));
    }
    site.bring_back();
  } catch (const std::exception& e) {
    report.problems.push_back("restart after kill " + std::to_string(report.kills + 1) + " failed: " + e.what());
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  report.restart_ms = report.kills ? site.restarted_ms() / report.kills : 0;
}

}  // namespace

CrashReport run_server_crash(const CrashOptions& o) {
  CrashReport report;
  if (o.servers > 1 && !o.open_db) {
    report.problems.push_back("several servers share a PostgreSQL database: the checks need CrashOptions::open_db");
    return report;
  }
  std::unique_ptr<Site> site;
  try {
    site = std::make_unique<Site>(o);
  } catch (const std::exception& e) {
    report.problems.push_back(std::string("the servers did not start: ") + e.what());
    return report;
  }
  Fleet fleet({.url = site->url(), .dir = site->dir() + "/devices", .users = o.users});
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
  kill_at_random(o, *site, fleet, rng, report);
  stop = true;
  for (auto& w : workers) w.join();

  if (!fleet.settle(Clock::now() + std::chrono::seconds(120)))
    report.problems.push_back("the fleet did not settle within 120 s of the last restart");
  report.totals = fleet.ledger().totals();
  report.acked = static_cast<int64_t>(fleet.ledger().acked().size());
  site->stop(report);
  auto db = o.open_db ? o.open_db(site->database()) : std::make_unique<SqliteDb>(site->database());
  auto found = fleet.check(*db);
  db.reset();
  report.problems.insert(report.problems.end(), found.begin(), found.end());
  // The checks' own check doctors a copy of the file; on PostgreSQL the
  // same checks run, and the SQLite run of this test checks them.
  bool file = site->database().rfind("postgresql://", 0) != 0;
  if (file && found.empty() && report.acked > 0) check_the_checks(fleet, site->database(), rng, report);
  return report;
}

}  // namespace gw::test
