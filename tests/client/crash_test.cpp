// client-crash (issue 10): a tablet that loses power. The real app
// (client-crash-driver: ClientCore on a data directory) signs in, records
// and syncs against the real server, and dies by SIGKILL mid-push, mid-pull,
// inside the apply of a pulled page, inside the write of a local record, and
// at seeded random moments while it syncs; started again on the same
// directory, it records a little more and finishes. Then every record it
// wrote is on the server exactly once, its last edit of a field is the value
// that stands, its outbox is empty, it holds what the server holds column by
// column, and its database files pass integrity_check.
// GRIDWORK_SEED=N runs one seed again.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/core/account.hpp"
#include "shared/codec.hpp"
#include "shared/value.hpp"
#include "sync/core/column_clock.hpp"
#include "tests/client/core_fixture.hpp"
#include "tests/server/fixture.hpp"
#include "tests/support/child_process.hpp"

using namespace gw;
using namespace gw::test;
namespace fs = std::filesystem;

namespace {

// The tablet's clock runs this far behind the server's: its times then come
// from the hybrid clock folding in the server's, where a restarted app must
// not stamp a time it has already used.
constexpr int64_t kBehindMs = 2 * 3'600'000;
// New visits the other tablet records before each kill: pages for the
// crashing tablet to pull and apply.
constexpr int kOtherVisits = 20;

uint64_t the_seed() {
  if (const char* s = std::getenv("GRIDWORK_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}() % 1'000'000;
}

// GRIDWORK_TEST_VERBOSE=1: what the driver said in every run.
bool verbose() {
  const char* v = std::getenv("GRIDWORK_TEST_VERBOSE");
  return v && *v == '1';
}

ServerProcess& server() {
  static ServerProcess s({"--demo"});
  return s;
}

Stmt bound(Db& db, const std::string& sql, const std::vector<std::string>& args) {
  auto q = db.prepare(sql);
  for (size_t i = 0; i < args.size(); ++i) q.bind(static_cast<int>(i + 1), args[i]);
  return q;
}

std::string text_of(Db& db, const std::string& sql, const std::vector<std::string>& args = {}) {
  auto q = bound(db, sql, args);
  return q.step() ? std::string(q.text(0)) : std::string();
}

int64_t int_of(Db& db, const std::string& sql, const std::vector<std::string>& args = {}) {
  auto q = bound(db, sql, args);
  return q.step() ? q.int64(0) : -1;
}

std::vector<std::string> texts_of(Db& db, const std::string& sql, const std::vector<std::string>& args = {}) {
  auto q = bound(db, sql, args);
  std::vector<std::string> out;
  while (q.step()) out.emplace_back(q.text(0));
  return out;
}

// What the test takes from the demo park: the crashing tablet's user (a
// part-timer with one community grid of ~900 households: a first sync of a
// few pages), households only that tablet edits, and a second part-timer
// of the same grid whose tablet records there too (households only it edits).
constexpr const char* kUser = "pworker022";

struct Park {
  std::string grid;                  // the crashing tablet's grid
  std::vector<std::string> mine;     // edited by the crashing tablet only
  std::string spare;                 // for the restart test
  std::string other_user;
  std::vector<std::string> theirs;   // edited by the other tablet only
};

Park look_up(const std::string& db_path) {
  SqliteDb db(db_path);
  Park p;
  std::string user = text_of(db, "SELECT id FROM users WHERE username = ?", {kUser});
  p.grid = text_of(db, "SELECT grid_id FROM assignments WHERE user_id = ? AND active = 1", {user});
  p.other_user = text_of(db,
                         "SELECT u.username FROM assignments a JOIN users u ON u.id = a.user_id WHERE a.grid_id = ? "
                         "AND a.active = 1 AND u.id != ? AND u.username LIKE 'pworker%' ORDER BY u.username",
                         {p.grid, user});
  REQUIRE_FALSE(p.other_user.empty());
  auto households = texts_of(db, "SELECT id FROM households WHERE grid_id = ? AND deleted IS NOT 1 ORDER BY id LIMIT 6",
                             {p.grid});
  REQUIRE(households.size() == 6);
  p.mine.assign(households.begin(), households.begin() + 3);
  p.spare = households[3];
  p.theirs.assign(households.begin() + 4, households.end());
  return p;
}

// ---- the other tablet: records in the crashing tablet's grids -------------------

struct OtherTablet {
  explicit OtherTablet(const Park& p) : park(p), dev(server().url(), p.other_user) {
    auto r = dev.sync.sync();  // its grid's rows, to edit them
    REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
  }

  void work(const std::string& tag) {
    const TableSpec& h = *find_table("households");
    const TableSpec& v = *find_table("visits");
    for (size_t j = 0; j < park.theirs.size(); ++j)
      REQUIRE(dev.replica.write(h, park.theirs[j], fields_of(h, {{"notes", tag + "n" + std::to_string(j)}})));
    for (int j = 0; j < kOtherVisits; ++j)
      REQUIRE(dev.replica.create(
          v, fields_of(v, {{"grid_id", park.grid}, {"target_kind", "household"},
                           {"target_id", park.theirs[static_cast<size_t>(j) % park.theirs.size()]},
                           {"visitor_id", dev.me.user_id}, {"visited_at", now_ms()}, {"purpose", "routine"},
                           {"notes", tag + "v" + std::to_string(j)}})));
    auto r = dev.sync.sync();
    REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
    REQUIRE(dev.replica.pending_count() == 0);
  }

  const Park& park;
  Device dev;
};

// ---- the crashing tablet ----------------------------------------------------------

struct Plan {
  std::string name;
  std::string kill = "none";
  int page = 1;
  long steps = 1;
  int rounds = 1;
  int kill_at_sync = 0;  // the test kills it this many syncs in (0: it does not)
  int delay_ms = 0;      // after that sync began
};

struct Tablet {
  TempDir dir;
  std::string data = dir.path + "/data";
  std::string journal = dir.path + "/journal";
  std::string user_dir = data + "/users/" + std::string(kUser);
  std::string replica = user_dir + "/replica.db";

  // Its exit status; what it printed goes to `transcript`.
  int run(const Park& park, const std::string& tag, const Plan& p, std::string& transcript) {
    std::string households;
    for (const auto& h : park.mine) households += (households.empty() ? "" : ",") + h;
    std::vector<std::string> args = {GRIDWORK_CRASH_DRIVER, "--server", server().url(), "--data", data,
                                     "--user", kUser, "--journal", journal, "--tag", tag,
                                     "--grid", park.grid, "--households", households, "--kill", p.kill,
                                     "--page", std::to_string(p.page), "--steps", std::to_string(p.steps),
                                     "--rounds", std::to_string(p.rounds), "--behind-ms", std::to_string(kBehindMs)};
    std::string log = dir.path + "/driver-" + tag + ".log";
    ChildProcess child(args, ChildOptions{.env = {}, .log = log, .pipe_stdout = true, .own_group = false});
    std::string line;
    int syncs = 0;
    // The driver ends itself within its own deadline (alarm): EOF comes.
    while (child.line(&line)) {
      transcript += line + "\n";
      if (line == "sync-start" && ++syncs == p.kill_at_sync) {
        std::this_thread::sleep_for(std::chrono::milliseconds(p.delay_ms));
        child.kill_hard();
        transcript += "(killed by the test)\n";
        return 128 + SIGKILL;
      }
    }
    int status = child.wait_for(std::chrono::seconds(60));
    std::ifstream err(log);
    std::stringstream text;
    text << err.rdbuf();
    if (!text.str().empty()) transcript += "stderr:\n" + text.str().substr(0, 4000);
    return status;
  }
};

// ---- what is checked after each restart ---------------------------------------------

struct JournalEntry {
  bool done = false;
  std::string tag, table, row, column;
};

std::vector<JournalEntry> read_journal(const std::string& path) {
  std::vector<JournalEntry> out;
  std::ifstream in(path);
  std::string what;
  JournalEntry e;
  while (in >> what >> e.tag >> e.table >> e.row >> e.column) {
    e.done = what == "done";
    out.push_back(e);
  }
  return out;
}

// A row as a file holds it, personal columns opened: values, and each
// column's time and writer.
struct RowImage {
  bool exists = false;
  std::vector<Value> values;
  std::vector<HlcTime> hlcs;
  std::vector<std::string> origins;
};

RowImage image(Db& db, const TableSpec& t, const std::string& id) {
  std::string sql = "SELECT ";
  for (const auto& c : t.columns)
    sql += "gw_open(" + std::string(c.name) + ", '" + std::string(t.name) + "." + std::string(c.name) + "'), ";
  sql += "_clk FROM " + std::string(t.name) + " WHERE id = ?";
  auto q = db.prepare(sql);
  q.bind(1, id);
  RowImage r;
  if (!q.step()) return r;
  r.exists = true;
  size_t n = t.columns.size();
  for (size_t i = 0; i < n; ++i) r.values.push_back(q.value(static_cast<int>(i)));
  for (const auto& clk : sync::unpack_clocks(q.blob(static_cast<int>(n)), n)) {
    r.hlcs.push_back(clk.hlc);
    r.origins.push_back(text_of(db, "SELECT name FROM _origins WHERE id = ?", {std::to_string(clk.origin)}));
  }
  return r;
}

// Every column of every row, tablet against server: "" when they agree.
std::string differences(Db& device, Db& srv, const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string out;
  for (const auto& [table, id] : rows) {
    const TableSpec& t = *find_table(table);
    RowImage d = image(device, t, id), s = image(srv, t, id);
    if (!d.exists || !s.exists) {
      out += table + " " + id + (d.exists ? " not on the server\n" : " not on the tablet\n");
      continue;
    }
    for (size_t c = 0; c < t.columns.size(); ++c) {
      // An int read back through gw_open and a text stay what they were:
      // compared as values, their clocks by time and writer.
      if (d.values[c] == s.values[c] && d.hlcs[c] == s.hlcs[c] && d.origins[c] == s.origins[c]) continue;
      out += table + "." + std::string(t.columns[c].name) + " of " + id + ": tablet " + value_to_string(d.values[c]) +
             " @" + std::to_string(d.hlcs[c]) + " by " + d.origins[c] + ", server " + value_to_string(s.values[c]) +
             " @" + std::to_string(s.hlcs[c]) + " by " + s.origins[c] + "\n";
    }
  }
  return out;
}

void check_files(const std::string& data) {
  for (const auto& f : fs::recursive_directory_iterator(data)) {
    if (!f.is_regular_file() || f.path().extension() != ".db") continue;
    SqliteDb db(f.path().string());
    CHECK_MESSAGE(text_of(db, "PRAGMA integrity_check") == "ok", f.path().string());
  }
}

// The tablet's chain of patches as the server holds it: every link once, no
// gap, each logged once and accepted; the tablet's outbox empty.
void check_outbox_and_chain(Db& device, Db& srv, const std::string& device_id) {
  CHECK_MESSAGE(int_of(device, "SELECT count(*) FROM _outbox") == 0,
                "left in the outbox: " << int_of(device, "SELECT count(*) FROM _outbox WHERE state = 'pending'")
                                       << " pending, " << int_of(device, "SELECT count(*) FROM _outbox WHERE state != 'pending'")
                                       << " refused");
  int64_t links = int_of(srv, "SELECT count(*) FROM _chain WHERE device = ?", {device_id});
  int64_t head = int_of(srv, "SELECT coalesce(max(n), 0) FROM _chain WHERE device = ?", {device_id});
  CHECK(links == head);
  CHECK(int_of(device, "SELECT coalesce((SELECT value FROM _meta WHERE key = 'chain_n'), 0)") == head);
  CHECK(int_of(srv, "SELECT count(*) FROM _log WHERE origin = ?", {device_id}) == links);
  CHECK(int_of(srv, "SELECT count(*) FROM _log WHERE origin = ? AND status != 'accepted'", {device_id}) == 0);
}

// Every journal record exactly once on the server if it was done (at most
// once if the kill came during it, and then on the tablet too); the last
// edit of each field is what stands. Returns the rows to compare.
std::vector<std::pair<std::string, std::string>> check_records(Db& device, Db& srv, const std::string& device_id,
                                                               const std::vector<JournalEntry>& journal) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::map<std::string, bool> done;
  std::vector<const JournalEntry*> order;  // first mention of each tag
  for (const auto& e : journal) {
    if (!done.count(e.tag)) order.push_back(&e);
    done[e.tag] = done[e.tag] || e.done;
  }
  std::map<std::string, std::string> made;  // tag -> the row a done creation named
  for (const auto& e : journal)
    if (e.done) made[e.tag] = e.row;
  // (table, row, column) -> the tags written there that the server logged, in order
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::string>> cells;
  for (const JournalEntry* e : order) {
    const std::string& tag = e->tag;
    std::string quoted = "\"" + tag + "\"";
    int64_t logged = int_of(srv, "SELECT count(*) FROM _log WHERE origin = ? AND instr(body, ?) > 0", {device_id, quoted});
    INFO("record " << tag << (done[tag] ? " (done)" : " (killed during it)"));
    if (done[tag]) CHECK(logged == 1);
    else CHECK(logged <= 1);
    if (e->row != "-") {  // an edit
      if (logged == 1) cells[{e->table, e->row, e->column}].push_back(tag);
      continue;
    }
    const std::string col = e->column, t = e->table;
    auto on_server = texts_of(srv, "SELECT id FROM " + t + " WHERE " + col + " = ?", {tag});
    int64_t on_tablet =
        int_of(device, "SELECT count(*) FROM " + t + " WHERE gw_open(" + col + ", '" + t + "." + col + "') = ?", {tag});
    CHECK(static_cast<int64_t>(on_server.size()) == logged);
    CHECK(on_tablet == static_cast<int64_t>(on_server.size()));
    if (done[tag]) CHECK((on_server.size() == 1 && on_server[0] == made[tag]));
    for (const auto& id : on_server) {
      rows.emplace_back(t, id);
      if (t == "cases")
        for (const auto& log : texts_of(srv, "SELECT id FROM case_log WHERE case_id = ?", {id})) rows.emplace_back("case_log", log);
    }
  }
  for (const auto& [cell, tags] : cells) {
    const auto& [table, row, column] = cell;
    std::string stands = text_of(srv, "SELECT " + column + " FROM " + table + " WHERE id = ?", {row});
    CHECK_MESSAGE(stands == tags.back(), table << "." << column << " of " << row << " holds " << stands
                                               << ", yet the tablet's last edit there was " << tags.back());
    rows.emplace_back(table, row);
  }
  return rows;
}

void check_tablet(const Tablet& tablet, const Park& park) {
  check_files(tablet.data);
  auto account = client::AccountFile(tablet.user_dir).load();
  REQUIRE(account);
  KeyedDb device(tablet.replica);
  REQUIRE(device.key);
  KeyedDb srv(server().db_path());
  check_outbox_and_chain(device.db, srv.db, account->device_id);
  auto rows = check_records(device.db, srv.db, account->device_id, read_journal(tablet.journal));
  // What the other tablet wrote came down whole, through every kill.
  for (const auto& h : park.theirs) rows.emplace_back("households", h);
  for (const auto& id : texts_of(srv.db, "SELECT id FROM visits WHERE grid_id = ? AND notes LIKE 'other-%'",
                                 {park.grid}))
    rows.emplace_back("visits", id);
  std::string diff = differences(device.db, srv.db, rows);
  CHECK_MESSAGE(diff.empty(), "the tablet and the server differ:\n" << diff.substr(0, 3000));
}

}  // namespace

TEST_CASE("an edit made after a restart with no sync between wins over the edit before it (clock behind)") {
  Park park = look_up(server().db_path());
  TempDir tablet;
  auto open = [&] {
    client::CoreOptions o;
    o.data_dir = tablet.path;
    o.server_url = server().url();
    o.auto_sync = false;
    o.auto_lock = false;
    o.wall = [] { return now_ms() - kBehindMs; };
    return std::make_unique<client::ClientCore>(o);
  };
  auto app = open();
  REQUIRE(sign_in(*app, kUser).session.signed_in);
  synced(*app);
  app->edit_target("household", park.spare, {{"notes", "before the restart"}});
  settle(*app);
  REQUIRE(first_error(*app).empty());
  // Closed (or killed: the file is the same) before the edit went up.
  app = open();
  REQUIRE(sign_in(*app, kUser).session.offline_unlock);
  app->edit_target("household", park.spare, {{"notes", "after the restart"}});
  settle(*app);
  REQUIRE(first_error(*app).empty());
  auto s = synced(*app);
  CHECK(s.sync.error.empty());
  CHECK(s.sync.pending == 0);
  SqliteDb srv(server().db_path());
  CHECK(text_of(srv, "SELECT notes FROM households WHERE id = ?", {park.spare}) == "after the restart");
}

TEST_CASE("a tablet killed mid-push, mid-pull, mid-apply, mid-write and at random loses nothing and doubles nothing") {
  const uint64_t seed = the_seed();
  MESSAGE("client-crash seed " << seed << " (GRIDWORK_SEED=" << seed << " runs it again)");
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  auto pick = [&](long lo, long hi) { return std::uniform_int_distribution<long>(lo, hi)(rng); };

  Park park = look_up(server().db_path());
  OtherTablet other(park);
  Tablet tablet;

  // Ticks (16 VM steps) measured under ASan: ~2,300 per page of a first
  // sync (7 pages), ~1,900 for the page of a round, ~48 for a round's four
  // records. The draws stay inside them; a kill that never comes fails.
  std::vector<Plan> plans = {
      // A new tablet's first sync: the whole of its grid, page by page.
      {"apply of the first sign-in's pages", "apply", static_cast<int>(pick(1, 4)), pick(1, 2200), 3},
      {"push answered, answer lost", "push-answered", 1, 1, 3},
      {"push in flight", "push-in-flight", 1, 1, 3},
      {"push racing the server", "push-racing", 1, pick(0, 40), 3},
      {"pull arrived, not applied", "pull-arrived", 1, 1, 3},
      {"apply of a pulled page", "apply", 1, pick(1, 1800), 3},
      {"write of a local record", "write", 1, pick(1, 45), 3},
  };
  for (int i = 0; i < 3; ++i)
    plans.push_back({"killed by the test at random", "none", 1, 1, 50, static_cast<int>(pick(1, 3)),
                     static_cast<int>(pick(0, 600))});

  for (size_t i = 0; i < plans.size(); ++i) {
    const Plan& p = plans[i];
    std::string tag = "crash-" + std::to_string(seed) + "-" + std::to_string(i);
    INFO("kill " << i << ": " << p.name << " (" << p.kill << " page " << p.page << " steps " << p.steps
                 << " at sync " << p.kill_at_sync << " +" << p.delay_ms << " ms)");
    other.work("other-" + std::to_string(seed) + "-" + std::to_string(i) + "-");

    std::string transcript;
    int killed = tablet.run(park, tag + "a", p, transcript);
    REQUIRE_MESSAGE(killed == 128 + SIGKILL, "the kill did not come (exit " << killed << "):\n" << transcript);
    if (verbose()) MESSAGE("kill " << i << " (" << p.name << "):\n" << transcript);
    transcript.clear();
    int again = tablet.run(park, tag + "b", Plan{"restart"}, transcript);
    REQUIRE_MESSAGE(again == 0, "the restarted tablet did not finish (exit " << again << "):\n" << transcript);
    if (verbose()) MESSAGE("restart " << i << ":\n" << transcript);
    check_tablet(tablet, park);
  }
}
