// bench-conflicts: deciding a device's backlog of conflicts (`./dev bench
// conflicts`, issue 8). On the demo park, in one server engine on a SQLite
// file: worker03 corrects N households' phone numbers, pworker010 the same
// ones concurrently (N conflicts open), and admin01 decides them all at
// once, pushed in the batches a tablet sends. The figure is the server's
// time to take the decisions: check each, write the chosen value over both
// sides, log, and notify the losers (target: under 1 s for 500).
// The ceiling: plain SQLite doing the same row writes (the decision rows,
// the records, the log) in one transaction on the same disk.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "shared/codec.hpp"
#include "shared/demo/park.hpp"
#include "shared/sqlite.hpp"
#include "shared/tuning.hpp"
#include "shared/uuid.hpp"
#include "sync/server/demo_load.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::sync::bench {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

double ms_since(Steady::time_point t0) { return std::chrono::duration<double, std::milli>(Steady::now() - t0).count(); }

struct Options {
  int conflicts = 500;
  std::string dir = "/tmp/gridwork-bench-conflicts";
};

// Pushes patches as a device does, kPushBatchPatches at a time; the
// engine's time for all of them, in ms.
double push_all(ServerEngine& server, const UserInfo& u, const std::string& device, std::vector<Patch>& patches,
                UuidV7& ids, int& conflicts) {
  double ms = 0;
  for (size_t from = 0; from < patches.size(); from += tuning::kPushBatchPatches) {
    PushRequest req;
    req.batch = ids.next(server.clock().wall_ms());
    for (size_t i = from; i < std::min(patches.size(), from + tuning::kPushBatchPatches); ++i) {
      patches[i].id = ids.next(server.clock().wall_ms());
      patches[i].origin = device;
      patches[i].hlc = server.clock().now();
      req.patches.push_back(encode_patch(patches[i]));
    }
    auto body = parse_json(encode(req));
    if (!body) throw std::runtime_error("bench: a push body does not parse");
    auto t0 = Steady::now();
    auto answer = server.push(Principal{u.id, device}, std::move(*body));
    ms += ms_since(t0);
    if (!answer) throw std::runtime_error("bench: push failed: " + answer.error().message);
    if (!answer->rejected.empty()) throw std::runtime_error("bench: refused: " + answer->rejected[0].message);
    conflicts += answer->conflicts;
  }
  return ms;
}

std::vector<Patch> phone_edits(ServerEngine& server, const std::vector<std::string>& rows, const char* prefix) {
  const TableSpec& t = *find_table("households");
  auto col = static_cast<uint16_t>(t.index_of("phone"));
  std::vector<Patch> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    Row row;
    server.store().load(t, rows[i], row);
    Patch p;
    p.table = &t;
    p.row = rows[i];
    p.set.push_back({col, std::string(prefix) + std::to_string(10000000 + i)});
    p.base.emplace_back(col, row.clocks[col].hlc);  // what the tablet last pulled
    out.push_back(std::move(p));
  }
  return out;
}

// The same row writes in plain SQLite: N decision rows and N records
// updated, 2N log rows appended, one transaction.
double ceiling_ms(const std::string& path, int n) {
  fs::remove(path);
  SqliteDb db(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
          "CREATE TABLE c (id TEXT PRIMARY KEY, status TEXT, resolution TEXT, value TEXT, by TEXT, at INTEGER);"
          "CREATE TABLE h (id TEXT PRIMARY KEY, phone TEXT, clock BLOB);"
          "CREATE TABLE log (n INTEGER PRIMARY KEY, patch_id TEXT UNIQUE, body TEXT);");
  UuidV7 ids(7);
  std::vector<std::string> cs, hs;
  {
    Transaction txn(db);
    for (int i = 0; i < n; ++i) {
      cs.push_back(ids.next(1));
      hs.push_back(ids.next(1));
      db.prepare("INSERT INTO c (id, status) VALUES (?, 'open')").bind(1, cs.back()).run();
      db.prepare("INSERT INTO h (id, phone) VALUES (?, '13800000000')").bind(1, hs.back()).run();
    }
    txn.commit();
  }
  auto t0 = Steady::now();
  Transaction txn(db);
  auto uc = db.prepare("UPDATE c SET status = 'resolved', resolution = 'theirs', value = ?, by = 'admin', at = 1 "
                       "WHERE id = ?");
  auto uh = db.prepare("UPDATE h SET phone = ?, clock = x'00112233445566778899' WHERE id = ?");
  auto lg = db.prepare("INSERT INTO log (patch_id, body) VALUES (?, ?)");
  std::string body(300, 'x');  // about an encoded patch
  for (int i = 0; i < n; ++i) {
    uc.bind(1, "{\"value\":\"13812345678\"}").bind(2, cs[static_cast<size_t>(i)]).run();
    uh.bind(1, "13812345678").bind(2, hs[static_cast<size_t>(i)]).run();
    lg.bind(1, ids.next(2)).bind(2, body).run();
    lg.bind(1, ids.next(2)).bind(2, body).run();
  }
  txn.commit();
  return ms_since(t0);
}

int run(const Options& o) {
  fs::create_directories(o.dir);
  std::string path = o.dir + "/server.db";
  for (const char* x : {"", "-wal", "-shm"}) fs::remove(path + x);
  SqliteDb db(path);
  Hlc clock([] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  });
  ServerEngine server(db, clock);
  std::fprintf(stderr, "loading the demo park...\n");
  demo::ParkOptions park;
  load_demo_park(server, park);
  auto w = server.directory().user_by_name("worker03"), p = server.directory().user_by_name("pworker010"),
       a = server.directory().user_by_name("admin01");
  if (!w || !p || !a) throw std::runtime_error("bench: demo users missing");
  std::vector<std::string> rows;
  auto s = db.prepare("SELECT h.id FROM households h JOIN assignments x ON x.grid_id = h.grid_id WHERE x.user_id = ? "
                      "AND x.active = 1 ORDER BY h.id LIMIT ?");
  s.bind(1, p->id).bind(2, int64_t{o.conflicts});
  while (s.step()) rows.emplace_back(s.text(0));
  if (static_cast<int>(rows.size()) < o.conflicts) throw std::runtime_error("bench: too few households");

  UuidV7 ids(42);
  int opened = 0;
  auto first = phone_edits(server, rows, "139");
  auto second = phone_edits(server, rows, "138");  // same base: concurrent with the first
  double edits_ms = push_all(server, *w, "bench-tablet-worker03", first, ids, opened);
  double open_ms = push_all(server, *p, "bench-tablet-pworker010", second, ids, opened);

  // admin01's decisions, as its tablet writes them: the conflict rows only.
  const TableSpec& ct = *find_table("conflicts");
  std::vector<Patch> decisions;
  auto q = db.prepare("SELECT id, theirs FROM conflicts WHERE device = 'bench-tablet-pworker010' AND status = 'open'");
  while (q.step()) {
    auto theirs = parse_json(q.text(1));
    std::string value = "{\"value\":" + (theirs ? theirs->find("value")->dump() : std::string("null")) + "}";
    Patch d;
    d.table = &ct;
    d.row = std::string(q.text(0));
    d.set = fields_of(ct, {{"status", std::string("resolved")}, {"resolution", std::string("theirs")},
                           {"value", value}, {"resolved_by", a->id}, {"resolved_at", clock.wall_ms()}});
    decisions.push_back(std::move(d));
  }
  int none = 0;
  double decide_ms = push_all(server, *a, "bench-tablet-admin01", decisions, ids, none);
  int64_t resolved = db.query_int("SELECT count(*) FROM conflicts WHERE device = 'bench-tablet-pworker010' AND "
                                  "status = 'resolved'");
  int64_t agree = db.query_int("SELECT count(*) FROM households WHERE phone LIKE '138%' AND id IN (SELECT row_id "
                               "FROM conflicts WHERE device = 'bench-tablet-pworker010')");
  double ceiling = ceiling_ms(o.dir + "/ceiling.db", o.conflicts);

  std::printf("conflicts: %d households, two tablets, admin01 decides all (batches of %zu)\n", o.conflicts,
              tuning::kPushBatchPatches);
  std::printf("  first tablet's edits merged        %8.1f ms\n", edits_ms);
  std::printf("  second tablet's edits: %d opened %8.1f ms\n", opened, open_ms);
  std::printf("  decisions taken (%lld resolved, %lld records hold the choice) %8.1f ms  (target < 1000 ms)\n",
              static_cast<long long>(resolved), static_cast<long long>(agree), decide_ms);
  std::printf("  ceiling: plain SQLite, same row writes, one transaction %8.1f ms (x%.1f)\n", ceiling,
              ceiling > 0 ? decide_ms / ceiling : 0);
  std::printf("bench conflicts.opened %d count\n", opened);
  std::printf("bench conflicts.open_ms %.1f ms\n", open_ms);
  std::printf("bench conflicts.decide_ms %.1f ms\n", decide_ms);
  std::printf("bench conflicts.ceiling_ms %.1f ms\n", ceiling);
  bool ok = opened == o.conflicts && resolved == o.conflicts && agree == o.conflicts;
  if (!ok) std::fprintf(stderr, "bench-conflicts: the decisions did not all land\n");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace gw::sync::bench

int main(int argc, char** argv) {
  gw::sync::bench::Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("usage: bench-conflicts [--conflicts N] [--dir DIR]\n"
                  "Opens N conflicts on the demo park (two tablets correcting the same households)\n"
                  "and times the server taking admin01's decisions of all of them; prints\n"
                  "`bench conflicts.METRIC VALUE UNIT` lines. Exit 1 when a decision did not land.\n");
      return 0;
    }
    if (a == "--conflicts" && i + 1 < argc) o.conflicts = std::atoi(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) o.dir = argv[++i];
    else {
      std::fprintf(stderr, "bench-conflicts: unknown argument %s (see --help)\n", a.c_str());
      return 2;
    }
  }
  if (o.conflicts < 1 || o.conflicts > 1500) {
    std::fprintf(stderr, "bench-conflicts: --conflicts must be 1..1500\n");
    return 2;
  }
  try {
    return gw::sync::bench::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-conflicts: %s\n", e.what());
    return 1;
  }
}
