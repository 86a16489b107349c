// bench-sync: the sync engine benchmark (`./dev bench sync`).
//
// One run measures, on SQLite files in one directory:
//   1. loading the demo park into a server engine and backfilling devices;
//   2. merging pulled patches into a replica that holds the park;
//   3. the ceilings, in turns with 2: plain SQLite upserts of the same rows
//      into a plain table, and plain SQL on the engine's own table layout;
//   4. replicating records from one device to another through the server;
//   5. peak memory.
// The human report goes to stdout, progress to stderr, and the figures end
// stdout as `bench sync.METRIC VALUE UNIT` lines for scripts to compare.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shared/codec.hpp"
#include "shared/ddl.hpp"
#include "shared/demo/park.hpp"
#include "shared/json.hpp"
#include "shared/sqlite.hpp"
#include "shared/tuning.hpp"
#include "shared/uuid.hpp"
#include "sync/server/demo_load.hpp"
#include "sync/server/loopback.hpp"
#include "sync/device/replica.hpp"
#include "sync/server/server_engine.hpp"
#include "sync/device/sync_client.hpp"

namespace gw::sync::bench {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

// ---- small tools --------------------------------------------------------------

[[gnu::format(printf, 1, 2)]] std::string format(const char* f, ...) {
  va_list args;
  va_start(args, f);
  char buf[512];
  int n = std::vsnprintf(buf, sizeof buf, f, args);
  va_end(args);
  return std::string(buf, static_cast<size_t>(std::max(0, std::min(n, static_cast<int>(sizeof buf) - 1))));
}

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

// Adds up the time spent in many short sections, so the work that prepares
// each section (building a page of patches) is not counted.
class Meter {
 public:
  template <typename F>
  void time(F&& f) {
    auto t0 = Steady::now();
    f();
    seconds_ += seconds_since(t0);
  }
  double seconds() const { return seconds_; }

 private:
  double seconds_ = 0;
};

const Steady::time_point kStart = Steady::now();

// A line per phase on stderr, with the run's elapsed time, so a long run
// shows where it is without mixing into the report.
[[gnu::format(printf, 1, 2)]] void progress(const char* f, ...) {
  va_list args;
  va_start(args, f);
  char buf[512];
  std::vsnprintf(buf, sizeof buf, f, args);
  va_end(args);
  std::fprintf(stderr, "[bench-sync %7.1f s] %s\n", seconds_since(kStart), buf);
}

double per_s(double n, double s) { return s > 0 ? n / s : 0; }

// ---- the report -----------------------------------------------------------------

class Report {
 public:
  [[gnu::format(printf, 2, 3)]] void say(const char* f, ...) {
    va_list args;
    va_start(args, f);
    std::vprintf(f, args);
    va_end(args);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  void blank() { say("%s", ""); }
  void figure(std::string metric, double value, std::string unit, int digits) {
    figures_.push_back({std::move(metric), value, std::move(unit), digits});
  }
  void print_figures() const {
    std::printf("\n");
    for (const auto& f : figures_)
      std::printf("bench sync.%s %.*f %s\n", f.metric.c_str(), f.digits, f.value, f.unit.c_str());
  }

 private:
  struct Figure {
    std::string metric;
    double value;
    std::string unit;
    int digits;
  };
  std::vector<Figure> figures_;
};

// ---- options ----------------------------------------------------------------------

struct Options {
  bool quick = false;
  std::string dir;  // empty: a fresh temp dir, removed at the end
};

// How much work a run does. --quick keeps the whole program exercised in a
// few seconds under ASan: a tiny park of its own instead of the demo park
// (whose 70,000 server writes and two backfills take minutes there).
struct Sizes {
  bool demo_park = true;
  int64_t merge_new = 200'000;
  int update_rounds = 5;
  int64_t replicate = 100'000;
  int64_t page = 1'000;  // patches per pull answer, rows per raw transaction
};

Sizes sizes_for(const Options& o) {
  if (!o.quick) return {};
  return {.demo_park = false, .merge_new = 2'000, .update_rounds = 5, .replicate = 2'000, .page = 1'000};
}

void usage(FILE* to) {
  std::fprintf(to,
               "usage: bench-sync [--quick] [--dir DIR]\n\n"
               "Benchmarks the sync engine on SQLite files (WAL, synchronous=NORMAL):\n"
               "  1. load the demo park into a server engine; backfill a supervisor's and a\n"
               "     unit-grid worker's empty device stores over the loopback transport;\n"
               "  2. merge 200,000 new 10-column records, then 1,000,000 one-column updates,\n"
               "     into the supervisor's store as pulled patches, 1,000 per pull answer;\n"
               "  3. in turns with 2, the ceilings: the same rows as plain SQLite upserts into a\n"
               "     plain table, and as plain SQL on the engine's own table layout;\n"
               "  4. replicate 100,000 records from one device to another through the server;\n"
               "  5. peak memory.\n"
               "The report goes to stdout and ends with `bench sync.METRIC VALUE UNIT` lines;\n"
               "progress goes to stderr.\n\n"
               "  --quick    small sizes and a tiny park instead of the demo park (a smoke test)\n"
               "  --dir DIR  put the SQLite files in DIR and keep them (the bench's own files\n"
               "             there are replaced); default: a fresh directory under /tmp,\n"
               "             removed at the end\n"
               "  --help     this text\n");
}

std::optional<Options> parse(int argc, char** argv, int& status) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      status = 0;
      return std::nullopt;
    }
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--dir" && i + 1 < argc) {
      o.dir = argv[++i];
    } else {
      std::fprintf(stderr, "bench-sync: unknown or incomplete option '%s'\n\n", a.c_str());
      usage(stderr);
      status = 2;
      return std::nullopt;
    }
  }
  return o;
}

// Where the files go: a temp dir removed at the end, or the caller's, kept.
class WorkDir {
 public:
  explicit WorkDir(const std::string& dir) {
    if (dir.empty()) {
      std::string tmpl = (fs::temp_directory_path() / "bench-sync-XXXXXX").string();
      if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temp directory");
      path_ = tmpl;
      owned_ = true;
    } else {
      path_ = dir;
      fs::create_directories(path_);
    }
  }
  ~WorkDir() {
    std::error_code ec;
    if (owned_) fs::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  // A fresh database file of the bench: a previous run's copy is removed.
  std::string file(const std::string& name) const {
    fs::path p = path_ / name;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  bool owned_ = false;
};

// ---- stores -------------------------------------------------------------------------

// Every clock follows the real wall clock: this is one machine, one time.
struct Server {
  explicit Server(const std::string& path) : db(path), clock(wall_ms), engine(db, clock, 1) {}
  SqliteDb db;
  Hlc clock;
  ServerEngine engine;
};

// A transport that times the server's side of each exchange (the loopback
// call: request JSON parsed, the engine's work, answer JSON encoded). For pull
// answers it can also time a decode of its own copy of the answer, the same
// work SyncClient then does, so the client's side splits into decode and
// apply; that probe's time is taken out of the measured total.
class TimedTransport : public Transport {
 public:
  explicit TimedTransport(Transport& inner) : inner_(inner) {}

  Result<std::string> exchange(std::string_view path, const std::string& body) override {
    auto t0 = Steady::now();
    auto answer = inner_.exchange(path, body);
    server_s += seconds_since(t0);
    if (answer) bytes_down += static_cast<int64_t>(answer->size());
    if (probe_decode && answer && path == "/v1/sync/pull") {
      auto t1 = Steady::now();
      auto j = parse_json(*answer, JsonLimits{64, 64 << 20});
      if (j) (void)decode_pull_answer(*j);
      probe_s += seconds_since(t1);
    }
    return answer;
  }
  void reset() { server_s = probe_s = 0, bytes_down = 0; }

  double server_s = 0;
  double probe_s = 0;
  int64_t bytes_down = 0;
  bool probe_decode = false;

 private:
  Transport& inner_;
};

struct Device {
  Device(Server& server, const std::string& path, const std::string& user_id, const std::string& device_id,
         uint64_t seed)
      : db(path),
        clock(wall_ms),
        replica(db, device_id, clock, seed),
        link(server.engine, Principal{user_id, device_id}),
        timed(link),
        client(replica, timed) {}
  SqliteDb db;
  Hlc clock;
  Replica replica;
  LoopbackTransport link;
  TimedTransport timed;
  SyncClient client;
};

int64_t count_rows(Db& db) {
  int64_t n = 0;
  for (const auto& t : all_tables()) n += db.query_int("SELECT count(*) FROM " + std::string(t.name));
  return n;
}

int64_t count_households(Db& db) { return db.query_int("SELECT count(*) FROM households"); }

SyncReport must(Result<SyncReport> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().to_string());
  return *r;
}

void must(const Status& s, const char* what) {
  if (!s) throw std::runtime_error(std::string(what) + ": " + s.error().to_string());
}

// ---- the records ----------------------------------------------------------------------

// 10-column households rows, valid per the schema, made from their index
// alone so the engine and the raw ceiling store exactly the same rows.
class Households {
 public:
  explicit Households(std::vector<std::string> grids, int64_t page)
      : t_(*find_table("households")), grids_(std::move(grids)), page_(page) {
    if (grids_.empty()) throw std::runtime_error("no grids to put households in");
  }

  const TableSpec& table() const { return t_; }

  // Whole pages go to one grid, as a pull pages through one bucket at a time.
  const std::string& grid_of(int64_t i) const { return grids_[static_cast<size_t>(i / page_) % grids_.size()]; }

  Fields record(int64_t i) const {
    static const char* kRoads[] = {"清濛大道", "紫山路", "德泰路", "崇德路", "安吉路", "清华路", "园区东路", "江滨北路"};
    static const char* kSurnames[] = {"陈", "林", "黄", "王", "李", "张", "吴", "蔡", "郑", "许"};
    static const char* kGiven[] = {"建华", "丽娟", "志强", "秀英", "国平", "美玲", "文斌", "雅婷"};
    static const char* kTags[] = {"常住", "出租屋", "独居老人,低保", "流动人口", "退役军人"};
    auto u = static_cast<uint64_t>(i);
    Fields f;
    f.reserve(10);
    put(f, "grid_id", grid_of(i));
    put(f, "address", format("泉州市丰泽区清濛园区%s%d号", kRoads[u % 8], static_cast<int>(u % 300 + 1)));
    put(f, "building", format("%d栋", static_cast<int>(u % 40 + 1)));
    put(f, "room", format("%d单元%d", static_cast<int>(u % 6 + 1), static_cast<int>(100 * (u % 30 + 1) + u % 4 + 1)));
    put(f, "head_name", std::string(kSurnames[u % 10]) + kGiven[(u / 10) % 8]);
    put(f, "phone", format("1%010llu", static_cast<unsigned long long>((u * 7919 + 3800000000ULL) % 10000000000ULL)));
    put(f, "members", static_cast<int64_t>(u % 6 + 1));
    put(f, "tags", std::string(kTags[u % 5]));
    put(f, "notes", format("入户核实：家庭成员%d人，联系方式已更新，无异常情况。记录编号%lld", static_cast<int>(u % 6 + 1),
                           static_cast<long long>(i)));
    put(f, "deleted", int64_t{0});
    return f;
  }

  // The one column an update round writes.
  Field update(int64_t i, int round) const {
    return {col("notes"), Value{format("第%d轮回访：情况稳定，已提醒防火防盗。记录编号%lld", round, static_cast<long long>(i))}};
  }

  uint16_t col(const char* name) const { return static_cast<uint16_t>(t_.index_of(name)); }

 private:
  void put(Fields& f, const char* name, Value v) const { f.push_back({col(name), std::move(v)}); }

  const TableSpec& t_;
  std::vector<std::string> grids_;
  int64_t page_;
};

// Time-ordered ids, as devices make them (UUIDv7).
std::vector<std::string> make_ids(int64_t n, uint64_t seed) {
  UuidV7 gen(seed);
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(n));
  int64_t ms = wall_ms() - 86'400'000;
  for (int64_t i = 0; i < n; ++i) ids.push_back(gen.next(ms + i / 64));
  return ids;
}

std::vector<std::string> level3_grids(Db& db) {
  std::vector<std::string> out;
  auto s = db.prepare("SELECT id FROM grids WHERE level = 3 ORDER BY id");
  while (s.step()) out.emplace_back(s.text(0));
  return out;
}

// ---- phase 1: setup ---------------------------------------------------------------------

// For --quick: a park of a few grids and households with the two accounts the
// bench needs, written by the server like the demo park.
int64_t load_tiny_park(ServerEngine& server) {
  const TableSpec& grids = *find_table("grids");
  const TableSpec& users = *find_table("users");
  const TableSpec& assignments = *find_table("assignments");
  UuidV7 ids(3);
  int64_t now = wall_ms();
  auto f = [](const TableSpec& t, std::initializer_list<std::pair<const char*, Value>> kv) {
    Fields out;
    for (const auto& [name, v] : kv) out.push_back({static_cast<uint16_t>(t.index_of(name)), v});
    return out;
  };
  Txn txn(server.store());
  std::string zone = ids.next(now), unit = ids.next(now);
  server.write_as_server(grids, zone, f(grids, {{"level", int64_t{1}}, {"code", std::string("350503100")},
                                               {"name", std::string("一片区")}, {"kind", std::string("zone")}}));
  Fields u = f(grids, {{"level", int64_t{2}}, {"code", std::string("35050310100")}, {"name", std::string("一号单元网格")},
                       {"kind", std::string("unit")}, {"parent_id", zone}});
  server.write_as_server(grids, unit, u);
  std::vector<std::string> level3;
  for (int k = 1; k <= 4; ++k) {
    level3.push_back(ids.next(now));
    server.write_as_server(grids, level3.back(),
                           f(grids, {{"level", int64_t{3}}, {"code", format("3505031010%d", k)},
                                     {"name", format("第%d网格", k)}, {"kind", std::string("community")},
                                     {"parent_id", unit}}));
  }
  std::string supervisor = ids.next(now), worker = ids.next(now);
  server.write_as_server(users, supervisor, f(users, {{"username", std::string("supervisor01")},
                                                      {"name", std::string("督导员")}, {"roles", std::string("supervisor")}}));
  server.write_as_server(users, worker, f(users, {{"username", std::string("worker01")}, {"name", std::string("网格员")},
                                                  {"roles", std::string("worker")}}));
  server.write_as_server(assignments, ids.next(now),
                         f(assignments, {{"user_id", worker}, {"grid_id", unit}, {"kind", std::string("responsibility")},
                                         {"active", int64_t{1}}, {"from_at", now - 86'400'000}}));
  Households hh(level3, 50);
  auto row_ids = make_ids(200, 4);
  for (int64_t i = 0; i < 200; ++i) server.write_as_server(hh.table(), row_ids[static_cast<size_t>(i)], hh.record(i));
  txn.commit();
  return server.last_seq();
}

struct Setup {
  std::string supervisor_id;
  std::unique_ptr<Device> supervisor;  // its store holds the whole park
};

std::string user_id(ServerEngine& server, const char* username) {
  auto u = server.directory().user_by_name(username);
  if (!u) throw std::runtime_error(std::string("no user ") + username + " in the park");
  return u->id;
}

Setup setup(Server& server, WorkDir& dir, const Sizes& sizes, Report& report) {
  report.say("== 1. Setup: server on a file, park loaded, devices backfilled");
  progress("loading the %s park into the server", sizes.demo_park ? "demo" : "tiny (--quick)");
  auto t0 = Steady::now();
  int64_t rows = 0;
  if (sizes.demo_park) {
    demo::ParkOptions park;  // the reference `now`: the same park every run
    load_demo_park(server.engine, park);
    rows = server.engine.last_seq();
  } else {
    rows = load_tiny_park(server.engine);
  }
  double load_s = seconds_since(t0);
  report.say("  %s park loaded: %lld rows in %.2f s = %.0f rows/s (server writes: merged, numbered, logged)",
             sizes.demo_park ? "demo" : "tiny", static_cast<long long>(rows), load_s, per_s(double(rows), load_s));
  report.figure("demo_load_rows_per_s", per_s(double(rows), load_s), "rows/s", 0);

  Setup s{user_id(server.engine, "supervisor01"), nullptr};

  progress("backfilling supervisor01's empty store");
  s.supervisor = std::make_unique<Device>(server, dir.file("supervisor.db"), s.supervisor_id, "bench-supervisor", 21);
  t0 = Steady::now();
  auto sr = must(s.supervisor->client.sync(), "supervisor backfill");
  double park_s = seconds_since(t0);
  int64_t park_rows = count_rows(s.supervisor->db);
  report.say("  backfill whole park (supervisor01): %lld rows (%lld patches, %d exchanges, %.1f MB JSON) in %.2f s "
             "= %.0f rows/s",
             static_cast<long long>(park_rows), static_cast<long long>(sr.pulled), sr.exchanges,
             double(sr.bytes_down) / 1e6, park_s, per_s(double(park_rows), park_s));
  report.figure("backfill_park_s", park_s, "s", 2);
  report.figure("backfill_park_rows_per_s", per_s(double(park_rows), park_s), "rows/s", 0);

  progress("backfilling worker01's empty store (unit grid 1)");
  Device worker(server, dir.file("worker01.db"), user_id(server.engine, "worker01"), "bench-worker01", 22);
  t0 = Steady::now();
  auto wr = must(worker.client.sync(), "worker backfill");
  double unit_s = seconds_since(t0);
  int64_t unit_rows = count_rows(worker.db);
  report.say("  backfill one unit grid (worker01): %lld rows (%d exchanges) in %.2f s = %.0f rows/s",
             static_cast<long long>(unit_rows), wr.exchanges, unit_s, per_s(double(unit_rows), unit_s));
  report.figure("backfill_unit_grid_s", unit_s, "s", 3);
  report.figure("backfill_unit_grid_rows", double(unit_rows), "rows", 0);
  return s;
}

// ---- phases 2 and 3: merge, and its ceiling ------------------------------------------

// Pulled patches as the server would send them: one bucket per page, seq and
// HLC increasing, from another device.
class PatchSource {
 public:
  PatchSource(const Households& hh, const std::vector<std::string>& ids, int64_t first_seq)
      : hh_(hh), ids_(ids), seq_(first_seq), hlc_(Hlc::pack(wall_ms(), 0)) {}

  // round 0: the records, new; round r > 0: the r-th update of one column.
  PullAnswer page(int64_t from, int64_t to, bool more, int round) {
    PullAnswer a;
    a.patches.reserve(static_cast<size_t>(to - from));
    for (int64_t i = from; i < to; ++i) {
      Patch p;
      p.table = &hh_.table();
      p.row = ids_[static_cast<size_t>(i)];
      p.hlc = ++hlc_;
      p.origin = "bench-field-device";
      if (round == 0) p.set = hh_.record(i);
      else p.set = {hh_.update(i, round)};
      p.bucket = "grid:" + hh_.grid_of(i);
      p.seq = ++seq_;
      a.cursors[p.bucket] = p.seq;
      a.patches.push_back(std::move(p));
    }
    a.more = more;
    a.server_hlc = hlc_;
    return a;
  }

 private:
  const Households& hh_;
  const std::vector<std::string>& ids_;
  int64_t seq_;
  HlcTime hlc_;
};

// The ceiling: plain SQLite, the same columns and rows, one prepared upsert,
// the same transaction size. Nothing the engine adds: no clocks, bucket,
// seq, secondary indexes, existence check or bookkeeping.
class RawStore {
 public:
  RawStore(const std::string& path, const Households& hh) : db_(path), hh_(hh) {
    std::string cols, params, sets;
    for (const auto& c : hh.table().columns) {
      std::string name(c.name);
      cols += ", " + name;
      params += ", ?";
      sets += (sets.empty() ? "" : ", ") + name + " = excluded." + name;
    }
    db_.exec("CREATE TABLE households (id TEXT PRIMARY KEY, grid_id TEXT, address TEXT, building TEXT, room TEXT, "
             "head_name TEXT, phone TEXT, members INTEGER, tags TEXT, notes TEXT, deleted INTEGER)");
    insert_ = db_.prepare("INSERT INTO households (id" + cols + ") VALUES (?" + params + ") ON CONFLICT(id) DO UPDATE SET " +
                          sets);
    update_ = db_.prepare("INSERT INTO households (id, notes) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET notes = "
                          "excluded.notes");
  }

  // One transaction, as one pull answer is for the engine; only the
  // transaction is timed, not building the rows.
  void write(const std::vector<std::string>& ids, int64_t from, int64_t to, int round, Meter& m) {
    rows_.clear();
    for (int64_t i = from; i < to; ++i) rows_.push_back(round == 0 ? hh_.record(i) : Fields{hh_.update(i, round)});
    Stmt& s = round == 0 ? insert_ : update_;
    m.time([&] {
      Transaction txn(db_);
      for (int64_t i = from; i < to; ++i) {
        s.bind(1, ids[static_cast<size_t>(i)]);
        int k = 2;
        for (const auto& f : rows_[static_cast<size_t>(i - from)]) s.bind(round == 0 ? f.col + 2 : k++, f.value);
        s.run();
      }
      txn.commit();
    });
  }

 private:
  SqliteDb db_;
  const Households& hh_;
  Stmt insert_, update_;
  std::vector<Fields> rows_;
};

// Between the two: plain SQL on the engine's own layout (the same table, made
// by RowStore: packed column clocks, _bucket, _seq and the same indexes),
// with the row read first as a merge must, and no merge logic at all. The
// engine against this is the cost of its C++; this against RawStore is the
// cost of the layout.
class LayoutStore {
 public:
  LayoutStore(const std::string& path, const Households& hh) : db_(path), hh_(hh), store_(db_) {
    const TableSpec& t = hh.table();
    std::string cols = column_list(t), params;
    for (size_t i = 0; i < t.columns.size() + 3; ++i) params += ", ?";
    load_ = db_.prepare("SELECT " + cols + ", _clk, _bucket, _seq FROM households WHERE id = ?");
    insert_ = db_.prepare("INSERT INTO households (id, " + cols + ", _clk, _bucket, _seq) VALUES (?" + params + ")");
    update_ = db_.prepare("UPDATE households SET notes = ?, _clk = ?, _seq = ? WHERE id = ?");
    clocks_ = pack_clocks(Clocks(t.columns.size(), ColumnClock{Hlc::pack(wall_ms(), 0), 1, 0, 1}));
  }

  void write(const std::vector<std::string>& ids, int64_t from, int64_t to, int round, Meter& m) {
    rows_.clear();
    for (int64_t i = from; i < to; ++i) rows_.push_back(round == 0 ? hh_.record(i) : Fields{hh_.update(i, round)});
    m.time([&] {
      Transaction txn(db_);
      for (int64_t i = from; i < to; ++i) {
        const std::string& id = ids[static_cast<size_t>(i)];
        const Fields& f = rows_[static_cast<size_t>(i - from)];
        load_.bind(1, id);
        if (load_.step()) (void)load_.blob(static_cast<int>(hh_.table().columns.size()));
        load_.reset();
        if (round == 0) {
          insert_.bind(1, id);
          for (const auto& v : f) insert_.bind(v.col + 2, v.value);
          int n = static_cast<int>(f.size());
          insert_.bind_blob(n + 2, clocks_.data(), clocks_.size());
          insert_.bind(n + 3, "grid:" + hh_.grid_of(i)).bind(n + 4, ++seq_);
          insert_.run();
        } else {
          update_.bind(1, f[0].value).bind_blob(2, clocks_.data(), clocks_.size()).bind(3, ++seq_).bind(4, id);
          update_.run();
        }
      }
      txn.commit();
    });
  }

 private:
  SqliteDb db_;
  const Households& hh_;
  RowStore store_;  // makes the tables and indexes exactly as the engine has them
  Stmt load_, insert_, update_;
  std::string clocks_;
  std::vector<Fields> rows_;
  int64_t seq_ = 0;
};

struct Contest {
  double engine_s = 0;
  double layout_s = 0;
  double raw_s = 0;
  int64_t n = 0;

  void add(const Contest& o) {
    engine_s += o.engine_s;
    layout_s += o.layout_s;
    raw_s += o.raw_s;
    n += o.n;
  }
};

// The engine and the ceiling take turns, a few pages each, so both see the
// same machine: on a shared 2-core box, load from other work comes and goes
// within a minute, and back-to-back phases would each catch a different
// share of it.
Contest race(Replica& replica, PatchSource& source, LayoutStore& layout, RawStore& raw,
             const std::vector<std::string>& ids, int round, const Sizes& sizes) {
  constexpr int64_t kPagesPerTurn = 10;
  Meter engine, floor, plain;
  int64_t n = static_cast<int64_t>(ids.size());
  for (int64_t turn = 0; turn < n; turn += kPagesPerTurn * sizes.page) {
    int64_t end = std::min(n, turn + kPagesPerTurn * sizes.page);
    for (int64_t from = turn; from < end; from += sizes.page) {
      int64_t to = std::min(end, from + sizes.page);
      PullAnswer a = source.page(from, to, to < n, round);
      engine.time([&] { replica.apply_pull(a); });
    }
    for (int64_t from = turn; from < end; from += sizes.page)
      layout.write(ids, from, std::min(end, from + sizes.page), round, floor);
    for (int64_t from = turn; from < end; from += sizes.page)
      raw.write(ids, from, std::min(end, from + sizes.page), round, plain);
  }
  return {engine.seconds(), floor.seconds(), plain.seconds(), n};
}

void merge_and_ceiling(Server& server, Device& supervisor, WorkDir& dir, const Sizes& sizes, Report& report) {
  Households hh(level3_grids(supervisor.db), sizes.page);
  auto ids = make_ids(sizes.merge_new, 31);
  int64_t before = count_households(supervisor.db);
  PatchSource source(hh, ids, server.engine.last_seq() + 1);
  LayoutStore layout(dir.file("layout.db"), hh);
  RawStore raw(dir.file("raw.db"), hh);

  progress("merging %lld new records (engine and plain SQLite in turns)", static_cast<long long>(sizes.merge_new));
  Contest fresh = race(supervisor.replica, source, layout, raw, ids, 0, sizes);
  int64_t added = count_households(supervisor.db) - before;
  if (added != sizes.merge_new)
    throw std::runtime_error(format("merge stored %lld new rows, not %lld", static_cast<long long>(added),
                                    static_cast<long long>(sizes.merge_new)));
  Contest upd;
  for (int r = 1; r <= sizes.update_rounds; ++r) {
    progress("merging update round %d of %d", r, sizes.update_rounds);
    upd.add(race(supervisor.replica, source, layout, raw, ids, r, sizes));
  }
  double n = double(fresh.n), u = double(upd.n);
  double e_new = per_s(n, fresh.engine_s), e_upd = per_s(u, upd.engine_s);
  double r_new = per_s(n, fresh.raw_s), r_upd = per_s(u, upd.raw_s);
  double l_new = per_s(n, fresh.layout_s), l_upd = per_s(u, upd.layout_s);
  report.blank();
  report.say("== 2. Merge pulled patches into a store holding the park (Replica::apply_pull, %lld per answer)",
             static_cast<long long>(sizes.page));
  report.say("  new records:    %8lld in %6.2f s = %9.0f records/s", static_cast<long long>(fresh.n), fresh.engine_s,
             e_new);
  report.say("  1-col updates:  %8lld in %6.2f s = %9.0f updates/s (%d rounds)", static_cast<long long>(upd.n),
             upd.engine_s, e_upd, sizes.update_rounds);
  report.blank();
  report.say("== 3. Ceilings, run in turns with phase 2 (10 transactions each) on files of their own, %lld rows a",
             static_cast<long long>(sizes.page));
  report.say("   transaction, one prepared statement each:");
  report.say("   raw: plain SQLite upsert into a plain table of the same columns (id TEXT PRIMARY KEY)");
  report.say("  new rows:       %8lld in %6.2f s = %9.0f rows/s", static_cast<long long>(fresh.n), fresh.raw_s, r_new);
  report.say("  1-col updates:  %8lld in %6.2f s = %9.0f rows/s", static_cast<long long>(upd.n), upd.raw_s, r_upd);
  report.say("   layout floor: the engine's table (packed clocks, _bucket, _seq, its indexes), read the row, then");
  report.say("   INSERT it / UPDATE notes, _clk, _seq: what merging costs with no C++ merge logic at all");
  report.say("  new rows:       %8lld in %6.2f s = %9.0f rows/s", static_cast<long long>(fresh.n), fresh.layout_s,
             l_new);
  report.say("  1-col updates:  %8lld in %6.2f s = %9.0f rows/s", static_cast<long long>(upd.n), upd.layout_s, l_upd);
  double merge_ratio = r_new > 0 ? e_new / r_new : 0, update_ratio = r_upd > 0 ? e_upd / r_upd : 0;
  report.say("  engine / raw:   new %.2f x, updates %.2f x (target: merge >= 0.50 x) -> %s", merge_ratio, update_ratio,
             merge_ratio >= 0.5 ? "met" : "MISSED");
  report.say("  layout / raw:   new %.2f x, updates %.2f x (the most the engine can reach on its layout)",
             r_new > 0 ? l_new / r_new : 0, r_upd > 0 ? l_upd / r_upd : 0);
  report.say("  engine / layout: new %.2f x, updates %.2f x (what the engine's C++ costs on top)",
             l_new > 0 ? e_new / l_new : 0, l_upd > 0 ? e_upd / l_upd : 0);
  report.figure("merge_new_per_s", e_new, "records/s", 0);
  report.figure("merge_update_per_s", e_upd, "updates/s", 0);
  report.figure("raw_new_per_s", r_new, "rows/s", 0);
  report.figure("raw_update_per_s", r_upd, "rows/s", 0);
  report.figure("layout_new_per_s", l_new, "rows/s", 0);
  report.figure("layout_update_per_s", l_upd, "rows/s", 0);
  report.figure("merge_ratio", merge_ratio, "x", 2);
  report.figure("update_ratio", update_ratio, "x", 2);
}

// ---- phase 4: device to device through the server ----------------------------------------

// PouchDB 9 replicating 100,000 small docs on this machine: 7,500-9,300
// docs/s (FACTS.md); the middle of that range is the yardstick.
constexpr double kPouchDbDocsPerS = 8'400;

// The replication ceiling: the writes any store-and-forward replication with
// a durable server log must make, as plain SQLite, the same transaction
// sizes, nothing else: A drops the acknowledged outbox entry; the server
// stores the row and appends the patch to its log; B stores the row. No
// JSON, no clocks, no checks, no transport. Each page's rows and log bodies
// are built before its clock starts (and page by page, so the ceiling does
// not inflate the peak memory reported for the engine).
double replication_ceiling(WorkDir& dir, const Households& hh, int64_t n, int64_t page) {
  std::string cols, params;
  for (const auto& c : hh.table().columns) {
    cols += ", " + std::string(c.name);
    params += ", ?";
  }
  const std::string create =
      "CREATE TABLE households (id TEXT PRIMARY KEY, grid_id TEXT, address TEXT, building TEXT, room TEXT, "
      "head_name TEXT, phone TEXT, members INTEGER, tags TEXT, notes TEXT, deleted INTEGER)";
  const std::string insert = "INSERT INTO households (id" + cols + ") VALUES (?" + params + ")";
  SqliteDb a(dir.file("ceiling_a.db")), server(dir.file("ceiling_server.db")), b(dir.file("ceiling_b.db"));
  a.exec("CREATE TABLE outbox (n INTEGER PRIMARY KEY, body TEXT)");
  server.exec(create);
  server.exec("CREATE TABLE log (n INTEGER PRIMARY KEY, row_id TEXT, body TEXT)");
  b.exec(create);
  UuidV7 ids(7);
  struct Page {
    std::vector<std::string> ids, bodies;
    std::vector<Fields> rows;
  };
  auto make_page = [&](int64_t from, int64_t to) {
    Page p;
    for (int64_t i = from; i < to; ++i) {
      p.ids.push_back(ids.next(1'700'000'000'000 + i));
      p.rows.push_back(hh.record(i));
      p.bodies.push_back(encode_fields(hh.table(), p.rows.back()).dump());
    }
    return p;
  };
  auto add = a.prepare("INSERT INTO outbox (n, body) VALUES (?, ?)");
  auto drop = a.prepare("DELETE FROM outbox WHERE n = ?");
  auto log = server.prepare("INSERT INTO log (row_id, body) VALUES (?, ?)");
  auto put_server = server.prepare(insert), put_b = b.prepare(insert);
  auto put_row = [](Stmt& s, const Page& p, size_t i) {
    s.bind(1, p.ids[i]);
    for (const auto& f : p.rows[i]) s.bind(f.col + 2, f.value);
    s.run();
  };
  Meter m;
  for (int64_t from = 0; from < n; from += page) {
    int64_t to = std::min(n, from + page);
    Page p = make_page(from, to);
    {  // the outbox A holds before it pushes: not replication, not timed
      Transaction txn(a);
      for (size_t i = 0; i < p.ids.size(); ++i) add.bind(1, from + static_cast<int64_t>(i)).bind(2, p.bodies[i]).run();
      txn.commit();
    }
    m.time([&] {
      {
        Transaction txn(server);
        for (size_t i = 0; i < p.ids.size(); ++i) {
          put_row(put_server, p, i);
          log.bind(1, p.ids[i]).bind(2, p.bodies[i]).run();
        }
        txn.commit();
      }
      {
        Transaction txn(a);
        for (int64_t i = from; i < to; ++i) drop.bind(1, i).run();
        txn.commit();
      }
      Transaction txn(b);
      for (size_t i = 0; i < p.ids.size(); ++i) put_row(put_b, p, i);
      txn.commit();
    });
  }
  return m.seconds();
}

void replicate_phase(Server& server, WorkDir& dir, const std::string& supervisor_id, const Sizes& sizes,
                     Report& report) {
  Device a(server, dir.file("device_a.db"), supervisor_id, "bench-device-a", 41);
  Device b(server, dir.file("device_b.db"), supervisor_id, "bench-device-b", 42);
  // B catches up with the park first, so its timed pull brings exactly the
  // records A wrote: the replication, not a second park backfill.
  progress("device B catches up with the park");
  must(b.client.sync(), "device B catch-up");
  int64_t b_before = count_households(b.db);

  Households hh(level3_grids(server.db), sizes.page);
  progress("device A writes %lld records (one transaction each)", static_cast<long long>(sizes.replicate));
  auto t0 = Steady::now();
  for (int64_t i = 0; i < sizes.replicate; ++i) {
    auto id = a.replica.create(hh.table(), hh.record(i));
    if (!id) throw std::runtime_error("create: " + id.error().to_string());
  }
  double write_s = seconds_since(t0);

  progress("device A pushes");
  SyncReport up;
  a.timed.reset();
  t0 = Steady::now();
  must(a.client.push(up), "device A push");
  double push_s = seconds_since(t0);
  double push_server_s = a.timed.server_s;
  if (up.pushed != sizes.replicate || up.refused != 0 || a.replica.pending_count() != 0)
    throw std::runtime_error(format("push: %lld accepted, %lld refused", static_cast<long long>(up.pushed),
                                    static_cast<long long>(up.refused)));

  progress("device B pulls");
  SyncReport down;
  b.timed.reset();
  b.timed.probe_decode = true;
  t0 = Steady::now();
  must(b.client.pull(down), "device B pull");
  double pull_s = seconds_since(t0) - b.timed.probe_s;  // the probe is not B's work
  double pull_server_s = b.timed.server_s;
  double decode_s = b.timed.probe_s;
  double apply_s = pull_s - pull_server_s - decode_s;
  int64_t arrived = count_households(b.db) - b_before;
  if (arrived != sizes.replicate)
    throw std::runtime_error(format("device B received %lld of %lld records", static_cast<long long>(arrived),
                                    static_cast<long long>(sizes.replicate)));

  double n = double(sizes.replicate), total = push_s + pull_s;
  double rate = per_s(n, total);
  progress("the replication ceiling (plain SQLite)");
  double ceiling_s = replication_ceiling(dir, hh, sizes.replicate, static_cast<int64_t>(tuning::kPushBatchPatches));
  double ceiling = per_s(n, ceiling_s);
  // And with the merge benchmark's 1,000-row transactions: the most plain
  // SQLite does here, whatever batch size a protocol picked.
  double ceiling_1000 = per_s(n, replication_ceiling(dir, hh, sizes.replicate, 1000));
  report.blank();
  report.say("== 4. Replication: device A -> server -> device B (supervisor01's devices, loopback transport)");
  report.say("  A writes locally:   %lld records in %.2f s = %.0f records/s (Replica::create, a transaction each; "
             "not part of replication)",
             static_cast<long long>(sizes.replicate), write_s, per_s(n, write_s));
  report.say("  A push:             %6.2f s, %d exchanges of <= %zu patches, %.1f MB up", push_s, up.exchanges,
             tuning::kPushBatchPatches, double(up.bytes_up) / 1e6);
  report.say("    server (parse, check, merge, log, answer):   %6.2f s  (%4.1f%%)", push_server_s,
             100 * push_server_s / total);
  report.say("    device A (next_batch, encode, settle):       %6.2f s  (%4.1f%%)", push_s - push_server_s,
             100 * (push_s - push_server_s) / total);
  report.say("  B pull:             %6.2f s, %d exchanges, %.1f MB down", pull_s, down.exchanges,
             double(b.timed.bytes_down) / 1e6);
  report.say("    server (buckets, load rows, patches, encode): %6.2f s  (%4.1f%%)", pull_server_s,
             100 * pull_server_s / total);
  report.say("    device B decode (parse JSON, decode patches): %6.2f s  (%4.1f%%)", decode_s, 100 * decode_s / total);
  report.say("    device B apply (apply_pull, cursors):         %6.2f s  (%4.1f%%)", apply_s, 100 * apply_s / total);
  report.say("  replication: %lld records in %.2f s = %.0f records/s = %.1f x PouchDB (%.0f docs/s; target >= 10 x) -> %s",
             static_cast<long long>(sizes.replicate), total, rate, rate / kPouchDbDocsPerS, kPouchDbDocsPerS,
             rate / kPouchDbDocsPerS >= 10 ? "met" : "MISSED");
  report.say("  ceiling: the same records as plain SQLite writes (A drops its outbox entry, the server stores the "
             "row and logs it, B stores the row), batches of %zu: %.2f s = %.0f records/s = %.1f x PouchDB; "
             "the engine runs at %.2f x this ceiling",
             tuning::kPushBatchPatches, ceiling_s, ceiling, ceiling / kPouchDbDocsPerS, rate / ceiling);
  report.say("           in batches of 1,000: %.0f records/s = %.1f x PouchDB", ceiling_1000,
             ceiling_1000 / kPouchDbDocsPerS);
  report.figure("local_write_per_s", per_s(n, write_s), "records/s", 0);
  report.figure("replicate_ceiling_per_s", ceiling, "records/s", 0);
  report.figure("replicate_vs_ceiling", rate / ceiling, "x", 2);
  report.figure("replicate_ceiling_1000_per_s", ceiling_1000, "records/s", 0);
  report.figure("replicate_per_s", rate, "records/s", 0);
  report.figure("replicate_vs_pouchdb", rate / kPouchDbDocsPerS, "x", 2);
  report.figure("replicate_push_s", push_s, "s", 2);
  report.figure("replicate_push_server_s", push_server_s, "s", 2);
  report.figure("replicate_pull_s", pull_s, "s", 2);
  report.figure("replicate_pull_server_s", pull_server_s, "s", 2);
  report.figure("replicate_pull_decode_s", decode_s, "s", 2);
  report.figure("replicate_pull_apply_s", apply_s, "s", 2);
}

// ---- phase 5: memory -----------------------------------------------------------------------

double peak_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  return 0;
}

int run(const Options& o) {
  Sizes sizes = sizes_for(o);
  WorkDir dir(o.dir);
  Report report;
  report.say("bench-sync%s: SQLite %s files in %s (WAL, synchronous=NORMAL)", o.quick ? " --quick" : "",
             sqlite3_libversion(), dir.path().c_str());
  report.blank();
  {
    Server server(dir.file("server.db"));
    Setup s = setup(server, dir, sizes, report);
    merge_and_ceiling(server, *s.supervisor, dir, sizes, report);
    s.supervisor.reset();  // phase 4 does not need its store open
    replicate_phase(server, dir, s.supervisor_id, sizes, report);
  }
  double rss = peak_rss_mb();
  report.blank();
  report.say("== 5. Peak memory (VmHWM): %.0f MB", rss);
  report.figure("peak_rss_mb", rss, "MB", 0);
  report.print_figures();
  progress("done");
  return 0;
}

}  // namespace
}  // namespace gw::sync::bench

int main(int argc, char** argv) {
  int status = 0;
  auto options = gw::sync::bench::parse(argc, argv, status);
  if (!options) return status;
  try {
    return gw::sync::bench::run(*options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-sync: %s\n", e.what());
    return 1;
  }
}
