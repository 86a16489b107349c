// bench-backfill: a fresh tablet signs in to a city and pulls its whole scope
// (./dev bench backfill, issue 21). The city (gridwork-demo's parks 1..N) is
// loaded into an SQLite file by `gridwork-server --demo-parks N`, moved by
// `gridwork-server migrate` into a throwaway PostgreSQL (fsync on) and served
// by a real gridwork-server child on loopback. A device — the real replica
// in a real SQLite file, the real sync client over HTTP — signs in as
//   unit: the full-time worker of a park's unit grid 1 (one unit grid), and
//   park: a park lead holding the park's three zones (the whole park),
// in a park that is neither park 1 nor the last. Each is timed from login to
// the last page, beside its ceiling in the same run: the same rows SELECTed
// from PostgreSQL through libpq and INSERTed into a fresh SQLite file in one
// transaction. Then the same on a server over the SQLite file, for comparison.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/http_transport.hpp"
#include "server/auth.hpp"
#include "server/database.hpp"
#include "shared/demo/park.hpp"
#include "shared/hlc.hpp"
#include "shared/sqlite.hpp"
#include "shared/uuid.hpp"
#include "sync/device/replica.hpp"
#include "sync/device/sync_client.hpp"
#include "sync/server/server_engine.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/pg_cluster.hpp"
#include "tests/support/server_process.hpp"

namespace {

using namespace gw;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: bench-backfill [--parks N] [--quick] [--no-sqlite] [--keep DIR]\n"
    "Loads a demo city of N parks (default 40; --quick: 3) into PostgreSQL 15 and\n"
    "times a fresh tablet's backfill of one unit grid and of one whole park over\n"
    "HTTP, each beside a plain SELECT + INSERT copy of the same rows (the ceiling).\n"
    "  --parks N    parks in the city, 3 to 99 (the measured park is N/2 + 1)\n"
    "  --quick      3 parks: a smoke run\n"
    "  --no-sqlite  skip the comparison on a server over the SQLite file\n"
    "  --keep DIR   work in DIR and keep city.db there, reused by the next run with\n"
    "               the same DIR (default: a temp dir, removed)\n"
    "Prints `bench backfill.* VALUE UNIT` (PostgreSQL) and `bench backfill-sqlite.*`.\n";

struct Options {
  int parks = 40;
  bool sqlite = true;
  std::string keep;
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void say(const std::string& what) { fprintf(stderr, "[bench-backfill] %s\n", what.c_str()); }

// ---- the city ----------------------------------------------------------------------

// The server on `db`, ready (its "listening on" line read), or null.
std::unique_ptr<test::ChildProcess> start_server(const std::string& db, int port, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{test::ServerProcess::binary(), "--db", db, "--listen",
                                "127.0.0.1:" + std::to_string(port), "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto child = std::make_unique<test::ChildProcess>(args, test::ChildOptions{.env = {}, .log = {}, .pipe_stdout = true, .own_group = false});
  std::string line;
  while (child->line(&line))
    if (line.find("listening on") != std::string::npos) return child;
  return nullptr;
}

// The server loads the city into a new file at its first start: timed to "listening".
bool load_city(const std::string& file, int parks, double& seconds) {
  auto t0 = Clock::now();
  auto server = start_server(file, test::ServerProcess::free_port(), {"--demo-parks", std::to_string(parks)});
  seconds = seconds_since(t0);
  return server && server->stop() == 0;
}

// A park lead: the chief of all three zones of `park`, so a non-office
// account whose scope is that whole park. (An office account — supervisor,
// admin — reads every grid of the database: today the whole city.)
std::string add_park_lead(const std::string& file, int park) {
  SqliteDb db(file);
  Hlc clock(wall_ms);
  sync::ServerEngine engine(db, clock);
  const TableSpec& users = *find_table("users");
  const TableSpec& assignments = *find_table("assignments");
  auto col = [](const TableSpec& t, const char* c) { return static_cast<uint16_t>(t.index_of(c)); };
  std::string name = demo::park_account(park, "lead01");
  if (engine.directory().user_by_name(name)) return name;  // a kept city (--keep) has one
  UuidV7 ids;
  std::string user_id = ids.next(wall_ms());
  auto zones = db.prepare("SELECT g.id FROM grids g JOIN assignments a ON a.grid_id = g.id JOIN users u ON "
                          "u.id = a.user_id WHERE g.level = 1 AND u.username LIKE ? ORDER BY g.code");
  zones.bind(1, demo::park_account(park, "chief0%"));
  std::vector<std::string> zone_ids;
  while (zones.step()) zone_ids.emplace_back(zones.text(0));
  auto txn = engine.begin_write();
  engine.write_as_server(users, user_id, {{col(users, "username"), Value{name}}, {col(users, "name"), Value{name}},
                                          {col(users, "roles"), Value{std::string("chief")}}});
  for (const auto& zone : zone_ids)
    engine.write_as_server(assignments, ids.next(wall_ms()),
                           {{col(assignments, "user_id"), Value{user_id}}, {col(assignments, "grid_id"), Value{zone}},
                            {col(assignments, "kind"), Value{std::string("responsibility")}},
                            {col(assignments, "active"), Value{int64_t{1}}},
                            {col(assignments, "from_at"), Value{wall_ms() - 86'400'000}}});
  server::auth::set_password(db, user_id, server::hash_password(demo::kDemoPassword));
  txn->commit();
  return zone_ids.size() == 3 ? name : std::string();
}

// ---- a scope and its rows ------------------------------------------------------------

struct Scope {
  std::string label, user;
  std::vector<std::string> buckets;  // as the server computes them at login
  int64_t rows = 0;                  // rows in those buckets: what the device must hold
};

Scope scope_of(Db& db, const std::string& label, const std::string& user) {
  Hlc clock(wall_ms);
  sync::ServerEngine engine(db, clock);
  Scope s{label, user, {}, 0};
  auto u = engine.directory().user_by_name(user);
  if (!u) return s;
  s.buckets = engine.directory().readable_buckets(*u);
  auto q = db.prepare("SELECT count(*) FROM _changes WHERE bucket IN (" + bind_list(s.buckets.size()) + ")");
  for (size_t i = 0; i < s.buckets.size(); ++i) q.bind(static_cast<int>(i + 1), s.buckets[i]);
  if (q.step()) s.rows = q.int64(0);
  return s;
}

int64_t rows_held(Db& replica) {
  int64_t n = 0;
  for (const auto& t : all_tables()) n += replica.query_int("SELECT count(*) FROM " + std::string(t.name));
  return n;
}

struct Timing {
  double seconds = 0;
  int64_t rows = 0;
  bool ok = false;
};

// A fresh tablet: its key, its replica file, login, then sync until the
// server has no more pages. Timed from the login request to the last page.
Timing backfill(const std::string& url, const Scope& scope, const std::string& file) {
  Timing r;
  auto key = sync::DeviceKey::generate();
  std::string device = "bench-backfill-" + UuidV7().next(wall_ms());
  net::HttpTransport http(url, key);
  SqliteDb db(file);
  db.make_durable();  // as the tablet's replica is (DESIGN §13)
  Hlc clock(wall_ms);
  sync::Replica replica(db, device, clock);
  replica.set_key(&key);
  sync::SyncClient client(replica, http);
  auto t0 = Clock::now();
  auto login = http.login(scope.user, std::string(demo::kDemoPassword), device, "bench");
  if (!login) {
    say("login " + scope.user + ": " + login.error().to_string());
    return r;
  }
  auto done = client.sync();
  r.seconds = seconds_since(t0);
  if (!done) say("sync " + scope.user + ": " + done.error().to_string());
  r.rows = rows_held(db);
  r.ok = done && r.rows == scope.rows;
  return r;
}

// The ceiling: the same rows, found through the same (bucket, seq) index the
// pulls use, SELECTed from the server's database and INSERTed into a fresh
// SQLite file (durable like the replica) in one transaction; no clocks, no
// JSON, no HTTP. The file and its tables are made before the clock starts.
Timing plain_copy(Db& source, const Scope& scope, const std::string& file) {
  SqliteDb out(file);
  out.make_durable();
  for (const auto& t : all_tables()) {
    std::string cols = "id";
    for (const auto& c : t.columns) cols += ", " + std::string(c.name);
    out.exec("CREATE TABLE " + std::string(t.name) + " (" + cols + ")");
  }
  Timing r;
  auto t0 = Clock::now();
  Transaction txn(out);
  for (const auto& t : all_tables()) {
    std::string cols = "x.id", params = "?";
    for (const auto& c : t.columns) cols += ", x." + std::string(c.name), params += ", ?";
    auto read = source.prepare("SELECT " + cols + " FROM _changes c JOIN " + std::string(t.name) +
                               " x ON x.id = c.row_id WHERE c.tbl = ? AND c.bucket IN (" +
                               bind_list(scope.buckets.size()) + ")");
    read.bind(1, int64_t{table_index(t)});
    for (size_t i = 0; i < scope.buckets.size(); ++i) read.bind(static_cast<int>(i + 2), scope.buckets[i]);
    auto write = out.prepare("INSERT INTO " + std::string(t.name) + " VALUES (" + params + ")");
    const int n = static_cast<int>(t.columns.size()) + 1;
    while (read.step()) {
      for (int i = 0; i < n; ++i) write.bind(i + 1, read.value(i));
      write.run();
      ++r.rows;
    }
  }
  txn.commit();
  r.seconds = seconds_since(t0);
  r.ok = r.rows == scope.rows;
  return r;
}

// ---- one backend -----------------------------------------------------------------------

void report(const std::string& bench, const Scope& s, const Timing& sync, const Timing& copy) {
  double ratio = copy.seconds > 0 ? sync.seconds / copy.seconds : 0;
  printf("  %-5s %-14s %9lld rows: backfill %7.2f s (%8.0f rows/s)%s; plain copy %6.2f s (%8.0f rows/s); %.1f x\n",
         s.label.c_str(), s.user.c_str(), static_cast<long long>(s.rows), sync.seconds,
         static_cast<double>(sync.rows) / std::max(sync.seconds, 1e-9), sync.ok ? "" : " INCOMPLETE",
         copy.seconds, static_cast<double>(copy.rows) / std::max(copy.seconds, 1e-9), ratio);
  std::string p = "bench " + bench + "." + s.label + "_";
  printf("%srows %lld rows\n", p.c_str(), static_cast<long long>(sync.rows));
  printf("%sseconds %.3f s\n", p.c_str(), sync.seconds);
  printf("%srows_per_s %.0f rows/s\n", p.c_str(), static_cast<double>(sync.rows) / std::max(sync.seconds, 1e-9));
  printf("%scopy_seconds %.3f s\n", p.c_str(), copy.seconds);
  printf("%sratio %.2f x\n", p.c_str(), ratio);
}

// Both scopes against a server on `db`: true when every device got its whole scope.
bool measure(const std::string& bench, const std::string& db, const std::vector<Scope>& scopes, const std::string& dir) {
  say(bench + ": starting gridwork-server on " + db);
  int port = test::ServerProcess::free_port();
  auto server = start_server(db, port);
  if (!server) {
    say(bench + ": the server did not start");
    return false;
  }
  auto source = server::open_database(db);
  bool ok = true;
  printf("%s (server on %s):\n", bench.c_str(), source->where().c_str());
  for (const auto& s : scopes) {
    std::string stem = dir + "/" + bench + "-" + s.label;
    for (const char* file : {".replica.db", ".copy.db"})  // fresh files, also in a kept DIR
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(stem + file + suffix);
    Timing sync = backfill("http://127.0.0.1:" + std::to_string(port), s, stem + ".replica.db");
    Timing copy = plain_copy(*source, s, stem + ".copy.db");
    report(bench, s, sync, copy);
    ok = ok && sync.ok && copy.ok;
  }
  return server->stop() == 0 && ok;
}

bool parse(int argc, char** argv, Options& o, int& exit_code) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      return exit_code = 0, false;
    } else if (a == "--quick") {
      o.parks = 3;
    } else if (a == "--parks" && i + 1 < argc) {
      o.parks = std::atoi(argv[++i]);
    } else if (a == "--no-sqlite") {
      o.sqlite = false;
    } else if (a == "--keep" && i + 1 < argc) {
      o.keep = argv[++i];
    } else {
      fprintf(stderr, "bench-backfill: unknown argument %s\n\n%s", a.c_str(), kUsage);
      return exit_code = 2, false;
    }
  }
  if (o.parks < 3 || o.parks > demo::kMaxParks) {
    fprintf(stderr, "bench-backfill: --parks wants 3 to %d (the park measured is neither the first nor the last)\n",
            demo::kMaxParks);
    return exit_code = 2, false;
  }
  return true;
}

int run(const Options& o) {
  std::string dir = o.keep.empty() ? (fs::temp_directory_path() / ("bench-backfill-" + std::to_string(getpid()))).string()
                                   : o.keep;
  fs::create_directories(dir);
  std::string city = dir + "/city.db";
  const int park = o.parks / 2 + 1;  // neither park 1 nor the last

  double load_s = 0, migrate_s = 0;
  say("loading a city of " + std::to_string(o.parks) + " parks into " + city + "...");
  if (!fs::exists(city) && !load_city(city, o.parks, load_s)) return say("the city did not load"), 1;
  std::string lead = add_park_lead(city, park);
  if (lead.empty()) return say("no zones for the park lead in park " + std::to_string(park)), 1;
  std::vector<Scope> scopes;
  {
    SqliteDb db(city);
    scopes.push_back(scope_of(db, "unit", demo::park_account(park, "worker01")));
    scopes.push_back(scope_of(db, "park", lead));
  }
  int64_t city_rows = 0;
  {
    SqliteDb db(city);
    city_rows = db.query_int("SELECT count(*) FROM _changes");
  }

  say("starting a throwaway PostgreSQL 15 (fsync on)...");
  test::PgCluster pg("gridwork", test::PgClusterOptions{.log = {}, .fsync = true});
  if (!pg.ready()) return say("no PostgreSQL: " + pg.why()), 1;
  say("gridwork-server migrate --from city.db --to " + pg.url());
  auto t0 = Clock::now();
  test::ChildProcess migrate({test::ServerProcess::binary(), "migrate", "--from", city, "--to", pg.url()},
                             test::ChildOptions{.env = {}, .log = dir + "/migrate.log", .pipe_stdout = false, .own_group = false});
  if (migrate.wait() != 0) return say("migrate failed: see " + dir + "/migrate.log"), 1;
  migrate_s = seconds_since(t0);

  printf("a city of %d parks: %lld rows; measured in park %d\n", o.parks, static_cast<long long>(city_rows), park);
  printf("bench backfill.city_rows %lld rows\n", static_cast<long long>(city_rows));
  if (load_s > 0) printf("bench backfill.load_sqlite_seconds %.1f s\n", load_s);
  printf("bench backfill.migrate_pg_seconds %.1f s\n", migrate_s);
  bool ok = measure("backfill", pg.url(), scopes, dir);
  if (o.sqlite) ok = measure("backfill-sqlite", city, scopes, dir) && ok;
  if (o.keep.empty()) fs::remove_all(dir);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (int code = 0; !parse(argc, argv, o, code)) return code;
  // Caught, so the stack unwinds: the PostgreSQL cluster and the server
  // children are stopped by their destructors, never left behind.
  try {
    return run(o);
  } catch (const std::exception& e) {
    say(std::string("failed: ") + e.what());
    return 1;
  }
}
