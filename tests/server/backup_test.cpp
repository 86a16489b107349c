// gridwork-server backup, restore and epoch: a backup of a park taken while
// its server writes is one consistent moment; restored into SQLite or
// PostgreSQL it gives every row back under a new, larger epoch; a restore
// that cannot be right is refused with nothing written; a city's database
// backs up into one file and restores into another PostgreSQL database.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server/migrate.hpp"
#include "tests/server/city_fixture.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/pg_cluster.hpp"

using namespace gw;
using namespace gw::test;
namespace fs = std::filesystem;

namespace {

struct Run {
  int rc = -1;
  std::string out, err;
};

// gridwork-server ARGS: its exit status, what it printed and its complaints.
Run gridwork(std::vector<std::string> args, const std::string& dir) {
  const std::string log = dir + "/command.log";
  args.insert(args.begin(), ServerProcess::binary());
  Run r;
  {
    ChildProcess p(args, ChildOptions{.env = {}, .log = log, .pipe_stdout = true, .own_group = false});
    std::string line;
    while (p.line(&line)) r.out += line + "\n";
    r.rc = p.wait_for(std::chrono::minutes(2));
  }
  std::ifstream in(log);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

// A value as text, alike on both engines: PostgreSQL's TEXT '4' of an
// untyped column reads as SQLite's integer 4 does.
std::string cell(const Stmt& q, int i) {
  switch (q.type(i)) {
    case ColumnType::null: return "NULL";
    case ColumnType::integer: return std::to_string(q.int64(i));
    case ColumnType::real: {
      char buf[32];
      snprintf(buf, sizeof buf, "%.17g", q.real(i));
      return buf;
    }
    case ColumnType::text: return std::string(q.text(i));
    case ColumnType::blob: return "blob:" + std::string(q.blob(i));
  }
  return "?";
}

bool same_cell(const Stmt& x, const Stmt& y, int i) {
  if (x.type(i) != y.type(i)) return cell(x, i) == cell(y, i);
  switch (x.type(i)) {
    case ColumnType::null: return true;
    case ColumnType::integer: return x.int64(i) == y.int64(i);
    case ColumnType::real: return x.real(i) == y.real(i);
    case ColumnType::text: return x.text(i) == y.text(i);
    case ColumnType::blob: return x.blob(i) == y.blob(i);
  }
  return false;
}

// Where a table differs between two databases, read side by side in the
// order of its key (the first columns; byte-wise on both engines), "" if
// nowhere.
std::string table_difference(Db& a, Db& b, const std::string& table, const std::vector<std::string>& cols,
                             const std::string& where) {
  std::string list;
  for (const auto& c : cols) list += (list.empty() ? "" : ", ") + c;
  std::string sql = "SELECT " + list + " FROM " + table + where + (cols.size() > 1 ? " ORDER BY 1, 2" : " ORDER BY 1");
  auto x = a.prepare(sql), y = b.prepare(sql);
  for (int64_t n = 1;; ++n) {
    bool more = x.step();
    if (more != y.step()) return table + ": row " + std::to_string(n) + " is in one only";
    if (!more) return "";
    for (int i = 0; i < x.columns(); ++i)
      if (!same_cell(x, y, i))
        return table + "." + cols[static_cast<size_t>(i)] + " of row " + std::to_string(n) + ": " + cell(x, i) +
               " against " + cell(y, i);
  }
}

// Where two server databases differ, table by table and column by column
// ("" when in nothing); the epoch aside when a restore started a new one.
std::string difference(Db& a, Db& b, bool but_epoch) {
  for (const auto& t : server::server_tables()) {
    auto cols = a.column_names(t);
    if (cols != b.column_names(t)) return t + ": not the same columns";
    std::string where = t == "_meta" && but_epoch ? " WHERE key <> 'epoch'" : "";
    if (auto d = table_difference(a, b, t, cols, where); !d.empty()) return d;
  }
  return "";
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int64_t epoch_of(Db& db) {
  auto q = db.prepare("SELECT value FROM _meta WHERE key = 'epoch'");
  return q.step() ? q.int64(0) : 0;
}

std::string integrity(Db& db) {
  auto q = db.prepare("PRAGMA integrity_check");
  return q.step() ? std::string(q.text(0)) : "";
}

// Each row of a synced table names its latest change in _changes, and each
// change a row of that number: true of every committed state, false of a
// copy that caught a push half way or mixed two moments.
void check_changes_match_rows(Db& db) {
  int64_t rows = 0, linked = 0, max_row_seq = 0;
  for (const auto& t : all_tables()) {
    std::string name(t.name);
    rows += db.query_int("SELECT count(*) FROM " + name + " WHERE _seq IS NOT NULL");
    linked += db.query_int("SELECT count(*) FROM " + name + " r JOIN _changes c ON c.seq = r._seq AND c.row_id = r.id");
    max_row_seq = std::max(max_row_seq, db.query_int("SELECT coalesce(max(_seq), 0) FROM " + name));
  }
  CHECK(rows > 0);
  CHECK(linked == rows);
  CHECK(db.query_int("SELECT count(*) FROM _changes") == rows);
  CHECK(db.query_int("SELECT coalesce(max(seq), 0) FROM _changes") == max_row_seq);
  CHECK(db.query_int("SELECT coalesce(max(seq), 0) FROM _log") <= max_row_seq);
}

// A backup under way is a .partial-PID file beside its name: none is left.
bool partial_left(const std::string& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".partial-") != std::string::npos) return true;
  return false;
}

// The demo park on a running server, and a backup of it taken once.
struct Park {
  ScratchDir dir;
  std::string db = dir.path + "/park.db";
  ServerProcess server{{"--demo"}, db};
  std::string backup;
};

Park& park() {
  static Park p;
  return p;
}

const std::string& park_backup() {
  Park& p = park();
  if (p.backup.empty()) {
    std::string file = p.dir.path + "/park-backup.db";
    auto r = gridwork({"backup", "--db", p.db, "--to", file}, p.dir.path);
    REQUIRE_MESSAGE(r.rc == 0, r.err);
    p.backup = file;
  }
  return p.backup;
}

// A tablet writing notes and pushing them until stopped: the server's
// writer busy while a backup reads.
struct Writer {
  explicit Writer(const std::string& url) : d(url, "worker03") {
    REQUIRE(d.sync.sync());
    auto q = d.db.prepare("SELECT id FROM households ORDER BY id LIMIT 20");
    while (q.step()) rows.emplace_back(q.text(0));
    REQUIRE(rows.size() == 20);
    thread = std::thread([this] { run(); });
  }
  ~Writer() { stop(); }
  void run() {
    for (int round = 0; !done; ++round) {
      for (const auto& id : rows)
        if (!d.replica.write(table("households"), id,
                             {{column("households", "notes"), Value{"round " + std::to_string(round)}}}))
          ++failures;
      if (d.sync.sync()) ++pushes;
      else ++failures;
    }
  }
  void stop() {
    done = true;
    if (thread.joinable()) thread.join();
  }
  // Waits until `n` more pushes are through (false after 20 s).
  bool more_pushes(int n) {
    int until = pushes + n;
    for (int i = 0; i < 2000 && pushes < until; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return pushes >= until;
  }

  Device d;
  std::vector<std::string> rows;
  std::atomic<bool> done{false};
  std::atomic<int> pushes{0}, failures{0};
  std::thread thread;
};

}  // namespace

TEST_SUITE("backup") {
  TEST_CASE("backup while the server writes: each copy whole and of one moment; with writers stopped, equal") {
    Park& p = park();
    {
      Writer w(p.server.url());
      REQUIRE(w.more_pushes(2));
      for (int i = 0; i < 2; ++i) {
        std::string file = p.dir.path + "/live-" + std::to_string(i) + ".db";
        int before = w.pushes;
        auto r = gridwork({"backup", "--db", p.db, "--to", file}, p.dir.path);
        REQUIRE_MESSAGE(r.rc == 0, r.err);
        CHECK(r.out.find("backed up ") == 0);
        CHECK(r.out.find("(VACUUM INTO; epoch ") != std::string::npos);
        CHECK_MESSAGE(w.pushes > before, "no push went through while the backup ran");
        SqliteDb copy(file, SqliteDb::Mode::read_only);
        CHECK(integrity(copy) == "ok");
        check_changes_match_rows(copy);
        CHECK(!partial_left(p.dir.path));
      }
      w.stop();
      CHECK(w.failures == 0);
    }
    // Writers stopped: the backup is the source, every table, column by column.
    std::string file = p.dir.path + "/still.db";
    auto r = gridwork({"backup", "--db", p.db, "--to", file}, p.dir.path);
    REQUIRE_MESSAGE(r.rc == 0, r.err);
    SqliteDb source(p.db), copy(file, SqliteDb::Mode::read_only);
    CHECK(integrity(copy) == "ok");
    CHECK(difference(source, copy, false) == "");
    CHECK(epoch_of(copy) == epoch_of(source));  // unchanged: a backup is not a restore
    CHECK(epoch_of(copy) > 0);
    CHECK(!fs::exists(file + "-wal"));  // one file, standing alone
    CHECK((fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);

    // Never over a file: the one there is left as it was.
    auto size = fs::file_size(file);
    auto again = gridwork({"backup", "--db", p.db, "--to", file}, p.dir.path);
    CHECK(again.rc == 2);
    CHECK(again.err.find("exists") != std::string::npos);
    CHECK(fs::file_size(file) == size);
  }

  TEST_CASE("restore into a new SQLite file: every row, a new larger epoch; epoch show and new") {
    const std::string& backup = park_backup();
    ScratchDir dir;
    const std::string target = dir.path + "/restored.db";
    auto r = gridwork({"restore", "--from", backup, "--db", target}, dir.path);
    REQUIRE_MESSAGE(r.rc == 0, r.err);
    CHECK(r.out.find("restored ") == 0);
    CHECK(r.out.find("new epoch ") != std::string::npos);
    int64_t restored_epoch = 0;
    {
      SqliteDb from(backup, SqliteDb::Mode::read_only), to(target);
      CHECK(difference(from, to, true) == "");
      restored_epoch = epoch_of(to);
      CHECK(restored_epoch > epoch_of(from));
      CHECK(r.out.find(std::to_string(restored_epoch)) != std::string::npos);
    }
    auto shown = gridwork({"epoch", "show", "--db", target}, dir.path);
    REQUIRE_MESSAGE(shown.rc == 0, shown.err);
    CHECK(shown.out.find("epoch " + std::to_string(restored_epoch) + " (") == 0);
    auto renewed = gridwork({"epoch", "new", "--db", target}, dir.path);
    REQUIRE_MESSAGE(renewed.rc == 0, renewed.err);
    {
      SqliteDb to(target);
      CHECK(epoch_of(to) > restored_epoch);
      CHECK(renewed.out.find("new epoch " + std::to_string(epoch_of(to))) == 0);
    }
    // The restored park serves: its accounts log in.
    ServerProcess restored({}, target);
    Device d(restored.url(), "worker03");
  }

  TEST_CASE("restore refuses what cannot be right, with nothing written") {
    const std::string& backup = park_backup();
    ScratchDir dir;
    const std::string target = dir.path + "/target.db";
    auto refused = [&](const std::string& from, const std::string& to, const std::string& why) {
      auto r = gridwork({"restore", "--from", from, "--db", to}, dir.path);
      CHECK_MESSAGE(r.rc == 2, from);
      CHECK_MESSAGE(r.err.find(why) != std::string::npos, r.err);
    };
    refused(dir.path + "/missing.db", target, "no file");
    {
      std::ofstream junk(dir.path + "/junk.db");
      for (int i = 0; i < 100; ++i) junk << "this is not a database, it is a text file\n";
    }
    refused(dir.path + "/junk.db", target, "not an SQLite file");
    {
      SqliteDb other(dir.path + "/other.db");
      other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('x')");
    }
    refused(dir.path + "/other.db", target, "not a Gridwork server database");
    const std::string newer = dir.path + "/newer.db";
    fs::copy_file(backup, newer);
    {
      SqliteDb db(newer);
      db.exec("UPDATE _meta SET value = 99 WHERE key = 'schema_version'");
    }
    refused(newer, target, "newer than this build's");
    CHECK(!fs::exists(target));  // none of them made the target

    // Into a database that holds rows: refused, not a byte of it changed.
    fs::copy_file(backup, target);
    const std::string before = file_bytes(target);
    refused(backup, target, "already holds rows");
    CHECK(file_bytes(target) == before);
    CHECK(!fs::exists(target + "-wal"));
  }
}

TEST_SUITE("postgres-backup") {
  TEST_CASE("PostgreSQL: a park's backup restored into it; its own backup restored into another database") {
    if (!postgres_available()) {
      MESSAGE("PostgreSQL 15 not found: skipped");
      return;
    }
    const std::string& backup = park_backup();
    ScratchDir dir;
    PgCluster pg;
    REQUIRE_MESSAGE(pg.ready(), pg.why());
    auto r = gridwork({"restore", "--from", backup, "--db", pg.url()}, dir.path);
    REQUIRE_MESSAGE(r.rc == 0, r.err);
    {
      SqliteDb from(backup, SqliteDb::Mode::read_only);
      ServerDb city(pg.url());
      CHECK(difference(from, city, true) == "");
      CHECK(epoch_of(city) > epoch_of(from));
    }
    // Refused into itself, now that it holds rows.
    auto again = gridwork({"restore", "--from", backup, "--db", pg.url()}, dir.path);
    CHECK(again.rc == 2);
    CHECK(again.err.find("already holds rows") != std::string::npos);

    // The city's backup: one SQLite file of its rows, its epoch unchanged.
    const std::string file = dir.path + "/city.db";
    auto b = gridwork({"backup", "--db", pg.url(), "--to", file}, dir.path);
    REQUIRE_MESSAGE(b.rc == 0, b.err);
    CHECK(b.out.find("(one REPEATABLE READ snapshot; epoch ") != std::string::npos);
    {
      SqliteDb copy(file, SqliteDb::Mode::read_only);
      ServerDb city(pg.url());
      CHECK(integrity(copy) == "ok");
      CHECK(epoch_of(copy) == epoch_of(city));
      for (const char* t : {"households", "residents", "_changes", "_log", "_meta"}) {
        std::string count = std::string("SELECT count(*) FROM ") + t;
        CHECK_MESSAGE(copy.query_int(count) == city.query_int(count), t);
      }
    }
    // Every row, column by column: restored from that file into another database.
    REQUIRE(pg.create_database("again"));
    auto r2 = gridwork({"restore", "--from", file, "--db", pg.url("again")}, dir.path);
    REQUIRE_MESSAGE(r2.rc == 0, r2.err);
    ServerDb city(pg.url()), second(pg.url("again"));
    CHECK(difference(city, second, true) == "");
    CHECK(epoch_of(second) > epoch_of(city));

    // epoch new on PostgreSQL, as after a promotion.
    int64_t was = epoch_of(second);
    auto e = gridwork({"epoch", "new", "--db", pg.url("again")}, dir.path);
    REQUIRE_MESSAGE(e.rc == 0, e.err);
    CHECK(epoch_of(second) > was);
  }
}
