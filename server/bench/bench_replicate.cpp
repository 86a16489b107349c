// bench-replicate: replication over real HTTP between separate processes
// (./dev bench replicate): device A -> a gridwork-server child on loopback ->
// device B, each device a process of its own (this program re-executed with
// --device-a / --device-b) on a real SQLite replica file, signed in as the
// demo park's supervisor01 (rights to every grid the records go to).
//
// Per backend (the server on an SQLite file, or on a throwaway PostgreSQL
// with fsync on) it times: the push (A's records until the server
// acknowledged all), the pull (B until it holds all), and end to end (A's
// first push until B holds all: the two back to back, as a tablet syncs after
// another's push lands). Beside them, in the same run, the ceilings: the same
// rows as plain SQLite inserts into one file, and as plain PostgreSQL inserts
// through libpq into a plain table of the same cluster.
#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/http_transport.hpp"
#include "shared/sqlite.hpp"
#include "shared/tuning.hpp"
#include "shared/wal_checkpointer.hpp"
#include "shared/uuid.hpp"
#include "sync/device/replica.hpp"
#include "sync/device/sync_client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/pg_cluster.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/timed_transport.hpp"

namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;
using namespace gw;

// PouchDB 9 -> express-pouchdb -> PouchDB over loopback HTTP on these
// machines: 1,000-2,000 docs/s end to end (issue 21). The yardstick when it
// was not measured in the same run (--anchor-per-s, ./dev bench replicate):
// the top of the range, so "10x" is never flattered.
constexpr double kPouchDbHttpDocsPerS = 2'000;

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }
double per_s(double n, double s) { return s > 0 ? n / s : 0; }

struct Options {
  int64_t records = 100'000;
  bool sqlite = true, postgres = true;
  std::string server;  // a server already running (e.g. under callgrind), its demo park loaded
  std::string self;
  double anchor = kPouchDbHttpDocsPerS;  // PouchDB's end to end, docs/s
  bool anchor_measured = false;          // in this run, by ./dev bench replicate
};

void usage(FILE* to) {
  std::fprintf(to,
               "usage: bench-replicate [--records N] [--quick] [--backend sqlite|postgres|both] [--anchor-per-s N]\n\n"
               "Replication over real HTTP between separate processes: device A (a process)\n"
               "pushes N records (default 100,000) to build/bin/gridwork-server (a process on a\n"
               "loopback port, demo park), device B (a process) pulls them. Both devices are\n"
               "the tablet's sync library on SQLite replica files, signed in as supervisor01.\n"
               "Prints push, pull and end-to-end records/s per backend, the ceilings (plain\n"
               "SQLite inserts of the same rows, plain PostgreSQL inserts via libpq in the same\n"
               "cluster) and the ratios, as `bench replicate.METRIC VALUE UNIT` lines.\n\n"
               "  --records N   records to replicate (default 100000)\n"
               "  --quick       5,000 records (a smoke test)\n"
               "  --backend B   the server on sqlite, postgres (a throwaway PostgreSQL 15,\n"
               "                fsync on) or both (default)\n"
               "  --server URL  replicate through a server already running there (with the\n"
               "                demo park), e.g. one under valgrind --tool=callgrind; no\n"
               "                ceilings then\n"
               "  --anchor-per-s N  PouchDB's end-to-end docs/s measured in this run on this\n"
               "                machine (server/bench/pouchdb, run by ./dev bench replicate);\n"
               "                the yardstick of the ratios, instead of a fixed 2,000\n"
               "  --help        this text\n");
}

// ---- the records -------------------------------------------------------------------

// A household as a grid worker records it: ten columns, ~250 bytes of UTF-8.
Fields household(const TableSpec& t, int64_t i, const std::string& grid) {
  static const char* kRoads[] = {"清濛大道", "紫山路", "德泰路", "崇德路", "安吉路", "清华路", "园区东路", "江滨北路"};
  static const char* kNames[] = {"陈建华", "林丽娟", "黄志强", "王秀英", "李国平", "张美玲", "吴文斌", "蔡雅婷"};
  auto u = static_cast<uint64_t>(i);
  auto col = [&](const char* name) { return static_cast<uint16_t>(t.index_of(name)); };
  std::string n = std::to_string(i);
  return {{col("grid_id"), Value{grid}},
          {col("address"), Value{"泉州市丰泽区清濛园区" + std::string(kRoads[u % 8]) + std::to_string(u % 300 + 1) + "号"}},
          {col("building"), Value{std::to_string(u % 40 + 1) + "栋"}},
          {col("room"), Value{std::to_string(u % 6 + 1) + "单元" + std::to_string(100 * (u % 30 + 1) + u % 4 + 1)}},
          {col("head_name"), Value{std::string(kNames[u % 8])}},
          {col("phone"), Value{std::to_string(13'800'000'000ULL + (u * 7919) % 100'000'000ULL)}},
          {col("members"), Value{static_cast<int64_t>(u % 6 + 1)}},
          {col("tags"), Value{std::string(u % 3 ? "常住" : "出租屋")}},
          {col("notes"), Value{"入户核实：联系方式已更新，无异常情况。记录编号" + n}},
          {col("deleted"), Value{int64_t{0}}}};
}

std::vector<std::string> level3_grids(Db& db) {
  std::vector<std::string> out;
  auto s = db.prepare("SELECT id FROM grids WHERE level = 3 ORDER BY id");
  while (s.step()) out.emplace_back(s.text(0));
  return out;
}

// ---- a device: a process of its own ----------------------------------------------

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench-replicate device: %s\n", why.c_str());
  std::exit(1);
}

// Signs in, catches up with the park (untimed), A writes its records; says
// "ready" and waits for SIGUSR1; then A pushes or B pulls, and says
// "done SECONDS RECORDS EXCHANGES HTTP_SECONDS".
int run_device(char role, const std::string& url, const std::string& dir, int64_t records) {
  sigset_t go;
  sigemptyset(&go);
  sigaddset(&go, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &go, nullptr);  // before "ready", so no signal is lost

  auto key = sync::DeviceKey::generate();
  std::string id = std::string("bench-replicate-") + role + "-" + UuidV7().next(wall_ms());
  SqliteDb db(dir + "/device_" + role + ".db");
  db.make_durable();  // as the tablet opens its replica
  WalCheckpointer checkpoints(db);  // as the tablet's (client/core/device_replica.hpp)
  Hlc clock(wall_ms);
  sync::Replica replica(db, id, clock);
  replica.set_key(&key);
  net::HttpTransport http(url, key, 120'000);
  if (auto in = http.login("supervisor01", "gridwork-demo", id, "bench-replicate"); !in)
    die("login: " + in.error().to_string());
  gw::test::TimedTransport timed(http);
  sync::SyncClient client(replica, timed);
  client.overlap = true;  // as the app pushes
  if (auto r = client.sync(); !r) die("catch-up: " + r.error().to_string());

  const TableSpec& hh = *find_table("households");
  auto grids = level3_grids(db);
  if (grids.empty()) die("no level-3 grids in the park");
  for (int64_t i = 0; role == 'a' && i < records; ++i)  // a whole push batch to one grid, as a worker's day is
    if (auto made = replica.create(hh, household(hh, i, grids[static_cast<size_t>(i / 200) % grids.size()])); !made)
      die("create: " + made.error().to_string());
  int64_t before = db.query_int("SELECT count(*) FROM households");
  std::printf("ready\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&go, &sig);

  timed.seconds = 0;
  sync::SyncReport rep;
  auto t0 = Steady::now();
  int64_t got = 0;
  if (role == 'a') {
    if (auto s = client.push(rep); !s) die("push: " + s.error().to_string());
    if (rep.pushed != records || replica.pending_count() != 0)
      die("push: " + std::to_string(rep.pushed) + " accepted, " + std::to_string(rep.refused) + " refused");
    got = rep.pushed;
  } else {
    // One pull pages through everything; asked again only if A's last
    // commit were not yet visible (it always is: A's push was acknowledged).
    for (int round = 0; got < records && round < 100; ++round) {
      if (auto s = client.pull(rep); !s) die("pull: " + s.error().to_string());
      got = db.query_int("SELECT count(*) FROM households") - before;
    }
    if (got != records) die("B holds " + std::to_string(got) + " of " + std::to_string(records));
  }
  std::printf("done %.6f %lld %d %.6f\n", seconds_since(t0), static_cast<long long>(got), rep.exchanges,
              timed.seconds);
  std::fflush(stdout);
  return 0;
}

// ---- the parent: a server, two devices ---------------------------------------------

struct Phase {
  double seconds = 0, http_seconds = 0;
  int exchanges = 0;
};

struct Replication {
  Phase push, pull;
  double end_to_end = 0;
};

class DeviceProcess {
 public:
  DeviceProcess(const Options& o, char role, const std::string& url, const std::string& dir)
      : child_({o.self, std::string("--device-") + role, url, dir, std::to_string(o.records)},
               gw::test::ChildOptions{.env = {}, .log = {}, .pipe_stdout = true, .own_group = false}) {}
  void expect_ready() {
    std::string line;
    if (!child_.line(&line) || line != "ready") throw std::runtime_error("a device did not get ready");
  }
  void go() { kill(child_.pid(), SIGUSR1); }
  Phase done() {
    std::string line;
    Phase p;
    long long n = 0;
    if (!child_.line(&line) ||
        std::sscanf(line.c_str(), "done %lf %lld %d %lf", &p.seconds, &n, &p.exchanges, &p.http_seconds) != 4)
      throw std::runtime_error("a device failed: " + line);
    return p;
  }

 private:
  gw::test::ChildProcess child_;
};

Replication replicate(const Options& o, const std::string& db, const std::string& dir) {
  std::fprintf(stderr, "[bench-replicate] server on %s, demo park...\n", db.c_str());
  std::optional<gw::test::ServerProcess> server;
  if (o.server.empty()) server.emplace(std::vector<std::string>{"--demo"}, db);
  std::string url = server ? server->url() : o.server;
  DeviceProcess a(o, 'a', url, dir), b(o, 'b', url, dir);
  std::fprintf(stderr, "[bench-replicate] devices catch up; A writes %lld records\n",
               static_cast<long long>(o.records));
  a.expect_ready();
  b.expect_ready();
  Replication r;
  auto t0 = Steady::now();
  a.go();
  r.push = a.done();
  b.go();
  r.pull = b.done();
  r.end_to_end = seconds_since(t0);
  return r;
}

// ---- the ceilings ------------------------------------------------------------------

struct Rows {
  std::vector<std::string> ids;
  std::vector<Fields> fields;
};

Rows make_rows(int64_t n) {
  const TableSpec& hh = *find_table("households");
  UuidV7 gen(7);
  Rows r;
  for (int64_t i = 0; i < n; ++i) {
    r.ids.push_back(gen.next(wall_ms()));
    r.fields.push_back(household(hh, i, "350503105101001"));
  }
  return r;
}

const char* kColumns = "id, grid_id, address, building, room, head_name, phone, members, tags, notes, deleted";

// Plain SQLite inserts into one file (WAL, synchronous=FULL as the server's
// file): transactions of `batch` rows.
double sqlite_ceiling(const std::string& file, const Rows& rows, size_t batch) {
  fs::remove(file);
  SqliteDb db(file);
  db.make_durable();
  db.exec("CREATE TABLE households (id TEXT PRIMARY KEY, grid_id TEXT, address TEXT, building TEXT, room TEXT, "
          "head_name TEXT, phone TEXT, members INTEGER, tags TEXT, notes TEXT, deleted INTEGER)");
  auto put = db.prepare(std::string("INSERT INTO households (") + kColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  auto t0 = Steady::now();
  for (size_t from = 0; from < rows.ids.size(); from += batch) {
    Transaction txn(db);
    for (size_t i = from; i < std::min(rows.ids.size(), from + batch); ++i) {
      put.bind(1, rows.ids[i]);
      for (size_t c = 0; c < rows.fields[i].size(); ++c) put.bind(static_cast<int>(c) + 2, rows.fields[i][c].value);
      put.run();
    }
    txn.commit();
  }
  return seconds_since(t0);
}

class Pg {
 public:
  explicit Pg(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) throw std::runtime_error(std::string("libpq: ") + PQerrorMessage(c_));
    PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);  // DROP TABLE IF EXISTS's notice: not news
  }
  ~Pg() { PQfinish(c_); }
  void exec(const std::string& sql) { check(PQexec(c_, sql.c_str()), sql); }
  PGconn* raw() { return c_; }
  void check(PGresult* r, const std::string& what) {
    auto s = PQresultStatus(r);
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_COPY_IN)
      throw std::runtime_error("libpq " + what + ": " + err);
  }

 private:
  PGconn* c_;
};

void pg_table(Pg& pg) {
  pg.exec("DROP TABLE IF EXISTS plain_households");
  pg.exec("CREATE TABLE plain_households (id TEXT PRIMARY KEY, grid_id TEXT, address TEXT, building TEXT, "
          "room TEXT, head_name TEXT, phone TEXT, members BIGINT, tags TEXT, notes TEXT, deleted BIGINT)");
}

std::vector<std::string> row_texts(const Rows& rows, size_t i) {
  std::vector<std::string> v{rows.ids[i]};
  for (const auto& f : rows.fields[i]) v.push_back(value_to_string(f.value));
  return v;
}

// One prepared INSERT a row, a transaction per `batch` rows.
double pg_insert_ceiling(const std::string& url, const Rows& rows, size_t batch) {
  Pg pg(url);
  pg_table(pg);
  pg.check(PQprepare(pg.raw(), "put",
                     (std::string("INSERT INTO plain_households (") + kColumns +
                      ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)").c_str(),
                     11, nullptr),
           "prepare");
  auto t0 = Steady::now();
  for (size_t from = 0; from < rows.ids.size(); from += batch) {
    pg.exec("BEGIN");
    for (size_t i = from; i < std::min(rows.ids.size(), from + batch); ++i) {
      auto v = row_texts(rows, i);
      const char* params[11];
      for (size_t k = 0; k < 11; ++k) params[k] = v[k].c_str();
      pg.check(PQexecPrepared(pg.raw(), "put", 11, params, nullptr, nullptr, 0), "insert");
    }
    pg.exec("COMMIT");
  }
  return seconds_since(t0);
}

// COPY of every row, one transaction: the fastest load PostgreSQL has.
double pg_copy_ceiling(const std::string& url, const Rows& rows) {
  Pg pg(url);
  pg_table(pg);
  auto t0 = Steady::now();
  pg.check(PQexec(pg.raw(), (std::string("COPY plain_households (") + kColumns + ") FROM STDIN").c_str()), "copy");
  std::string buf;
  for (size_t i = 0; i < rows.ids.size(); ++i) {
    auto v = row_texts(rows, i);  // no tab, newline or backslash in these values: no escaping
    for (size_t k = 0; k < v.size(); ++k) buf += (k ? "\t" : "") + v[k];
    buf += '\n';
    if (buf.size() > (1 << 16) || i + 1 == rows.ids.size()) {
      if (PQputCopyData(pg.raw(), buf.data(), static_cast<int>(buf.size())) != 1)
        throw std::runtime_error(PQerrorMessage(pg.raw()));
      buf.clear();
    }
  }
  if (PQputCopyEnd(pg.raw(), nullptr) != 1) throw std::runtime_error(PQerrorMessage(pg.raw()));
  pg.check(PQgetResult(pg.raw()), "copy end");
  return seconds_since(t0);
}

// ---- the report --------------------------------------------------------------------

void print_replication(const Options& o, const char* name, const Replication& r, double n, double ceiling,
                       const char* ceiling_name) {
  double e2e = per_s(n, r.end_to_end);
  std::printf("%s server: push %.2f s (%.0f records/s, %d exchanges, %.2f s in HTTP), pull %.2f s (%.0f records/s, "
              "%d exchanges, %.2f s in HTTP), end to end %.2f s = %.0f records/s = %.1f x PouchDB over HTTP (%.0f "
              "docs/s, %s), %.3f x the %s ceiling\n",
              name, r.push.seconds, per_s(n, r.push.seconds), r.push.exchanges, r.push.http_seconds, r.pull.seconds,
              per_s(n, r.pull.seconds), r.pull.exchanges, r.pull.http_seconds, r.end_to_end, e2e,
              e2e / o.anchor, o.anchor, o.anchor_measured ? "measured in this run" : "not measured: the top of its range",
              ceiling > 0 ? e2e / ceiling : 0, ceiling_name);
}

void figures(const Options& o, const char* name, const Replication& r, double n, double ceiling) {
  double e2e = per_s(n, r.end_to_end);
  std::printf("bench replicate.%s_push_per_s %.0f records/s\n", name, per_s(n, r.push.seconds));
  std::printf("bench replicate.%s_pull_per_s %.0f records/s\n", name, per_s(n, r.pull.seconds));
  std::printf("bench replicate.%s_end_to_end_per_s %.0f records/s\n", name, e2e);
  std::printf("bench replicate.%s_push_http_s %.2f s\n", name, r.push.http_seconds);
  std::printf("bench replicate.%s_pull_http_s %.2f s\n", name, r.pull.http_seconds);
  std::printf("bench replicate.%s_vs_pouchdb %.2f x\n", name, e2e / o.anchor);
  std::printf("bench replicate.%s_vs_ceiling %.3f x\n", name, ceiling > 0 ? e2e / ceiling : 0);
}

int run(const Options& o) {
  std::string dir = fs::temp_directory_path() / ("bench-replicate-" + std::to_string(getpid()));
  fs::create_directories(dir);
  double n = static_cast<double>(o.records);
  const size_t batch = tuning::kPushBatchPatches;
  std::optional<Replication> on_sqlite, on_pg;
  double sq_batch = 0, sq_one = 0, pg_batch = 0, pg_copy = 0;
  Rows rows = make_rows(o.records);
  if (!o.server.empty()) {
    print_replication(o, o.server.c_str(), replicate(o, o.server, dir), n, 0, "no");
    fs::remove_all(dir);
    return 0;
  }
  if (o.sqlite) {
    on_sqlite = replicate(o, dir + "/server.db", dir);
    std::fprintf(stderr, "[bench-replicate] plain SQLite inserts\n");
    sq_batch = per_s(n, sqlite_ceiling(dir + "/plain.db", rows, batch));
    sq_one = per_s(n, sqlite_ceiling(dir + "/plain.db", rows, rows.ids.size()));
  }
  if (o.postgres) {
    std::fprintf(stderr, "[bench-replicate] starting a throwaway PostgreSQL (fsync on)...\n");
    gw::test::PgCluster pg("gridwork", gw::test::PgClusterOptions{.log = {}, .fsync = true});
    if (!pg.ready()) throw std::runtime_error("no PostgreSQL: " + pg.why());
    fs::remove_all(dir + "/pg-devices");
    fs::create_directories(dir + "/pg-devices");
    on_pg = replicate(o, pg.url(), dir + "/pg-devices");
    std::fprintf(stderr, "[bench-replicate] plain PostgreSQL inserts\n");
    pg_batch = per_s(n, pg_insert_ceiling(pg.url(), rows, batch));
    pg_copy = per_s(n, pg_copy_ceiling(pg.url(), rows));
  }
  fs::remove_all(dir);

  std::printf("Replication over HTTP, separate processes: device A -> gridwork-server -> device B, %lld records "
              "(supervisor01's two devices, SQLite replica files, loopback; push batches of %zu growing to %zu)\n",
              static_cast<long long>(o.records), batch, tuning::kPushBatchMaxPatches);
  if (on_sqlite) {
    print_replication(o, "SQLite", *on_sqlite, n, sq_batch, "plain SQLite");
    std::printf("  ceiling, plain SQLite inserts into one file (WAL, synchronous=FULL): %.0f rows/s in transactions "
                "of %zu, %.0f rows/s in one transaction\n",
                sq_batch, batch, sq_one);
    std::printf("  target >= 10 x PouchDB (%.0f records/s): %s\n", 10 * o.anchor,
                per_s(n, on_sqlite->end_to_end) >= 10 * o.anchor ? "met" : "MISSED");
  }
  if (on_pg) {
    print_replication(o, "PostgreSQL", *on_pg, n, pg_batch, "plain PostgreSQL");
    std::printf("  ceiling, plain PostgreSQL inserts via libpq (fsync on, same cluster): %.0f rows/s in "
                "transactions of %zu, %.0f rows/s by one COPY\n",
                pg_batch, batch, pg_copy);
  }
  std::printf("\n");
  if (on_sqlite) {
    if (o.anchor_measured) std::printf("bench replicate.pouchdb_end_to_end_per_s %.0f docs/s\n", o.anchor);
    figures(o, "sqlite", *on_sqlite, n, sq_batch);
    std::printf("bench replicate.sqlite_ceiling_batch_per_s %.0f rows/s\n", sq_batch);
    std::printf("bench replicate.sqlite_ceiling_one_txn_per_s %.0f rows/s\n", sq_one);
  }
  if (on_pg) {
    figures(o, "postgres", *on_pg, n, pg_batch);
    std::printf("bench replicate.postgres_ceiling_batch_per_s %.0f rows/s\n", pg_batch);
    std::printf("bench replicate.postgres_ceiling_copy_per_s %.0f rows/s\n", pg_copy);
  }
  if (on_sqlite && on_pg)
    std::printf("bench replicate.postgres_vs_sqlite %.2f x\n", on_sqlite->end_to_end / on_pg->end_to_end);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.self = fs::canonical("/proc/self/exe").string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else if ((a == "--device-a" || a == "--device-b") && i + 3 < argc) {  // hidden: the devices' processes
      return run_device(a.back(), argv[i + 1], argv[i + 2], std::atoll(argv[i + 3]));
    } else if (a == "--records" && i + 1 < argc) {
      o.records = std::atoll(argv[++i]);
    } else if (a == "--quick") {
      o.records = 5'000;
    } else if (a == "--server" && i + 1 < argc) {
      o.server = argv[++i];
    } else if (a == "--anchor-per-s" && i + 1 < argc) {
      o.anchor = std::atof(argv[++i]);
      o.anchor_measured = true;
      if (!(o.anchor > 0)) {
        std::fprintf(stderr, "bench-replicate: --anchor-per-s takes PouchDB's docs/s, a number above 0\n");
        return 2;
      }
    } else if (a == "--backend" && i + 1 < argc) {
      std::string b = argv[++i];
      o.sqlite = b == "sqlite" || b == "both";
      o.postgres = b == "postgres" || b == "both";
      if (!o.sqlite && !o.postgres) {
        std::fprintf(stderr, "bench-replicate: --backend takes sqlite, postgres or both, not '%s'\n", b.c_str());
        return 2;
      }
    } else {
      std::fprintf(stderr, "bench-replicate: unknown or incomplete option '%s'\n\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  if (o.records <= 0) return usage(stderr), 2;
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-replicate: %s\n", e.what());
    return 1;
  }
}
