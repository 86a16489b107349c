// Emergency takeover (战时接管) and reassignment over the real server, on
// client cores as the tablets run them (issue 7, DESIGN §6). cadre01's
// tablet syncs on its own, as in the field: its long-poll must bring the
// taken-over grid within seconds, not at the next three-minute sync.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "tests/client/core_fixture.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using namespace gw::client;
using namespace gw::test;

namespace {

using Clock = std::chrono::steady_clock;

std::string replica_path(const TempDir& dir, const char* user) { return dir.path + "/users/" + user + "/replica.db"; }

// Tables whose rows belong to a grid (the grid buckets).
constexpr const char* kGridTables[] = {"households", "residents", "enterprises", "patrols", "visits", "cases", "case_log"};

// Rows of a unit grid and the grids below it, in any store.
int64_t rows_of_unit(const std::string& db_path, const std::string& unit) {
  int64_t n = 0;
  for (const char* t : kGridTables)
    n += count(db_path, std::string("SELECT count(*) FROM ") + t +
                            " WHERE grid_id IN (SELECT id FROM grids WHERE id = '" + unit + "' OR parent_id = '" + unit +
                            "')");
  return n;
}

// Polls until `done` or the bound; how long it took.
double wait_for(const std::function<bool()>& done, double bound_s) {
  auto start = Clock::now();
  while (!done() && std::chrono::duration<double>(Clock::now() - start).count() < bound_s)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<ClientCore> open_syncing_app(const std::string& dir, const std::string& url) {
  CoreOptions o;
  o.data_dir = dir;
  o.server_url = url;
  o.auto_sync = true;  // planned syncs and the long-poll, as on a tablet
  return std::make_unique<ClientCore>(o);
}

bool has_notice(const Snapshot& s, const std::string& event, const std::string& grid_name) {
  if (!s.home) return false;
  for (const auto& n : s.home->notices)
    if (n.event == event && n.grid_name == grid_name) return true;
  return false;
}

const UnitGridItem* unit_in(const TakeoverConsole& c, const std::string& id) {
  for (const auto& u : c.units)
    if (u.grid.id == id) return &u;
  return nullptr;
}

// worker01's unit grid (unit grid 1), from its home.
GridItem unit_grid_of(ClientCore& worker) {
  auto home = settle(worker).home;
  REQUIRE(home);
  for (const auto& g : home->my_grids)
    if (g.level == 2) return g;
  FAIL("worker01 holds no unit grid");
  return {};
}

std::string first_grid_below(const std::string& db_path, const std::string& unit) {
  SqliteDb db(db_path);
  auto s = db.prepare("SELECT id FROM grids WHERE parent_id = ? ORDER BY code LIMIT 1");
  s.bind(1, unit);
  REQUIRE(s.step());
  return std::string(s.text(0));
}

std::string new_case(ClientCore& app, const std::string& grid, const char* title) {
  NewCase c;
  c.grid_id = grid;
  c.category = "0302";
  c.severity = "urgent";
  c.title = title;
  app.create_case(c);
  auto s = settle(app);
  REQUIRE_MESSAGE(first_error(app).empty(), title);
  REQUIRE(s.case_detail);
  return s.case_detail->item.id;
}

}  // namespace

TEST_CASE("takeover of unit grid 1: the cadres get it over the long-poll, record, and give it back losing nothing") {
  ServerProcess server({"--demo"});
  TempDir st, s2t, c1t, c2t, wt;
  auto sup = open_app(st.path, server.url());
  auto sup2 = open_app(s2t.path, server.url());  // a second centre tablet, offline for a while
  auto cadre1 = open_syncing_app(c1t.path, server.url());
  auto cadre2 = open_app(c2t.path, server.url());
  auto worker = open_app(wt.path, server.url());
  for (auto [app, user] : {std::pair{sup.get(), "supervisor01"}, {sup2.get(), "supervisor01"},
                           {cadre1.get(), "cadre01"}, {cadre2.get(), "cadre02"}, {worker.get(), "worker01"}}) {
    CAPTURE(user);
    REQUIRE(sign_in(*app, user).session.signed_in);
    synced(*app);
  }
  GridItem unit = unit_grid_of(*worker);
  std::string c1db = replica_path(c1t, "cadre01"), c2db = replica_path(c2t, "cadre02");
  const int64_t on_server = rows_of_unit(server.db_path(), unit.id);
  REQUIRE(on_server > 1000);
  CHECK(rows_of_unit(c1db, unit.id) == 0);

  // The console names who would take the grid over and who works it.
  sup->load_takeover_console();
  auto s = settle(*sup);
  REQUIRE(s.takeover);
  const UnitGridItem* u = unit_in(*s.takeover, unit.id);
  REQUIRE(u);
  CHECK_FALSE(u->department_name.empty());
  CHECK(u->cadres.size() == 2);
  CHECK(std::find(u->workers.begin(), u->workers.end(), settle(*worker).session.name) != u->workers.end());
  CHECK(u->takeover_id.empty());

  // A reason is required; nothing is written without one.
  sup->start_takeover(unit.id, "   ");
  settle(*sup);
  CHECK(first_error(*sup).rfind("error.missing", 0) == 0);
  CHECK(count(replica_path(st, "supervisor01"), "SELECT count(*) FROM takeovers") == 0);

  // Start: recorded on the tablet, then accepted by the server.
  sup->start_takeover(unit.id, "台风红色预警，启动战时接管");
  s = settle(*sup);
  REQUIRE(first_error(*sup).empty());
  REQUIRE(s.takeover->active.size() == 1);
  CHECK(s.takeover->active[0].pending);
  std::string takeover = s.takeover->active[0].id;
  s = synced(*sup);
  REQUIRE(s.takeover->active.size() == 1);
  CHECK_FALSE(s.takeover->active[0].pending);
  CHECK(unit_in(*s.takeover, unit.id)->takeover_id == takeover);

  // cadre01's tablet holds the whole unit grid within seconds, by itself.
  double took = wait_for([&] { return rows_of_unit(c1db, unit.id) == on_server; }, 20.0);
  CHECK(rows_of_unit(c1db, unit.id) == on_server);
  MESSAGE("cadre01 held unit grid 1 (" << on_server << " rows) " << took << " s after the push");
  CHECK(took < 20.0);
  wait_for([&] { return has_notice(cadre1->snapshot(), "takeover_started", unit.name); }, 10.0);
  s = settle(*cadre1);
  REQUIRE(s.home);
  CHECK(has_notice(s, "takeover_started", unit.name));
  REQUIRE(s.home->takeover_grids.size() == 1);
  CHECK(s.home->takeover_grids[0].id == unit.id);
  REQUIRE_FALSE(s.home->due_cases.empty());
  CHECK(s.home->due_cases.front().takeover);  // the taken-over grid's cases top the home

  // A second centre tablet that started the same takeover offline: refused
  // with a reason it shows, and no second takeover anywhere.
  sup2->start_takeover(unit.id, "重复发起");
  settle(*sup2);
  REQUIRE(first_error(*sup2).empty());  // it could not know yet
  s = synced(*sup2);
  REQUIRE(s.home);
  REQUIRE(s.home->problems.size() == 1);
  CHECK(s.home->problems[0].code == "state");
  CHECK(s.home->problems[0].reason.find("already under takeover") != std::string::npos);
  CHECK(count(server.db_path(), "SELECT count(*) FROM takeovers") == 1);
  CHECK(count(replica_path(s2t, "supervisor01"), "SELECT count(*) FROM takeovers") == 1);

  // The cadres record in the grid; worker01 keeps working beside them.
  std::string below = first_grid_below(server.db_path(), unit.id);
  std::string c1_case = new_case(*cadre1, below, "战时巡查：仓库围墙倒塌");
  synced(*cadre2);
  CHECK(rows_of_unit(c2db, unit.id) >= on_server);
  std::string c2_case = new_case(*cadre2, below, "战时走访：独居老人需转移");  // not synced before the end
  s = synced(*worker);
  CHECK(has_notice(s, "takeover_started", unit.name));
  std::string w_case = new_case(*worker, below, "平时网格员：排水沟堵塞");
  CHECK(synced(*worker).sync.pending == 0);
  wait_for([&] { return cadre1->snapshot().sync.pending == 0; }, 20.0);
  CHECK(cadre1->snapshot().sync.pending == 0);

  // End: the cadres push what they recorded, then lose the grids.
  sup->end_takeover(takeover);
  settle(*sup);
  REQUIRE(first_error(*sup).empty());
  s = synced(*sup);
  CHECK(s.takeover->active.empty());
  REQUIRE_FALSE(s.takeover->ended.empty());
  CHECK(s.takeover->ended[0].id == takeover);
  s = synced(*cadre2);
  CHECK(s.sync.pending == 0);
  CHECK(s.sync.problems == 0);
  CHECK(rows_of_unit(c2db, unit.id) == 0);
  took = wait_for([&] { return rows_of_unit(c1db, unit.id) == 0; }, 20.0);
  CHECK(rows_of_unit(c1db, unit.id) == 0);
  MESSAGE("cadre01 let unit grid 1 go " << took << " s after the end was pushed");
  wait_for([&] { return has_notice(cadre1->snapshot(), "takeover_ended", unit.name); }, 10.0);
  CHECK(has_notice(settle(*cadre1), "takeover_ended", unit.name));
  CHECK(count(server.db_path(), "SELECT count(*) FROM grids WHERE id = '" + unit.id + "' AND mode = 'normal'") == 1);
  CHECK(count(server.db_path(), "SELECT count(*) FROM assignments WHERE takeover_id = '" + takeover +
                                    "' AND active = 1") == 0);

  // Nothing recorded was lost: every case is on the server and on the
  // worker's tablet, who still holds the grid.
  for (const auto& id : {c1_case, c2_case, w_case}) {
    CAPTURE(id);
    CHECK(count(server.db_path(), "SELECT count(*) FROM cases WHERE id = '" + id + "'") == 1);
  }
  synced(*worker);
  for (const auto& id : {c1_case, c2_case, w_case})
    CHECK(count(replica_path(wt, "worker01"), "SELECT count(*) FROM cases WHERE id = '" + id + "'") == 1);
  CHECK(count(server.db_path(), "SELECT count(*) FROM _log WHERE status != 'accepted' AND tbl = 'cases'") == 0);
  // The app closes while its long-poll waits: at once, not after the
  // server's 25 s ceiling.
  auto closing = Clock::now();
  cadre1.reset();
  CHECK(std::chrono::duration<double>(Clock::now() - closing).count() < 10.0);
}

TEST_CASE("a worker reassigned away while offline: later edits are quarantined for review, earlier ones accepted") {
  ServerProcess server({"--demo"});
  TempDir st, wt, at;
  auto sup = open_app(st.path, server.url());
  auto worker = open_app(wt.path, server.url());
  auto admin = open_app(at.path, server.url());
  for (auto [app, user] : {std::pair{sup.get(), "supervisor01"}, {worker.get(), "worker01"}, {admin.get(), "admin01"}}) {
    REQUIRE(sign_in(*app, user).session.signed_in);
    synced(*app);
  }
  GridItem unit = unit_grid_of(*worker);
  std::string wdb = replica_path(wt, "worker01");
  std::string before_case = new_case(*worker, unit.id, "调整前：路灯损坏");  // offline from here on
  int64_t epoch = count(server.db_path(), "SELECT epoch FROM grids WHERE id = '" + unit.id + "'");

  // The centre moves worker01's responsibility to unit grid 2.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  sup->load_takeover_console();
  auto s = settle(*sup);
  REQUIRE(s.takeover);
  std::string assignment, other_unit;
  std::string worker_id = settle(*worker).session.user_id;
  for (const auto& r : s.takeover->responsibilities)
    if (r.user_id == worker_id && r.grid_id == unit.id) assignment = r.assignment_id;
  for (const auto& u : s.takeover->units)
    if (u.grid.id != unit.id && other_unit.empty()) other_unit = u.grid.id;
  REQUIRE_FALSE(assignment.empty());
  sup->move_responsibility(assignment, unit.id);  // to where it is already: refused, nothing written
  settle(*sup);
  CHECK(first_error(*sup).rfind("error.invalid", 0) == 0);
  sup->move_responsibility(assignment, other_unit);
  settle(*sup);
  REQUIRE(first_error(*sup).empty());
  CHECK(synced(*sup).sync.pending == 0);
  CHECK(count(server.db_path(), "SELECT epoch FROM grids WHERE id = '" + unit.id + "'") > epoch);

  // Still offline, the worker records again in the old grid, then syncs.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::string after_case = new_case(*worker, unit.id, "调整后：井盖缺失");
  s = synced(*worker);
  CHECK(s.sync.pending == 0);
  REQUIRE(s.home);
  // The case and its report log row, each kept with its reason.
  REQUIRE(s.home->problems.size() == 2);
  for (const auto& p : s.home->problems) {
    CHECK(p.state == "quarantined");
    CHECK(p.reason.find("had ended") != std::string::npos);
  }
  CHECK(std::any_of(s.home->problems.begin(), s.home->problems.end(),
                    [&](const ProblemItem& p) { return p.row == after_case; }));
  CHECK(count(server.db_path(), "SELECT count(*) FROM cases WHERE id = '" + before_case + "'") == 1);
  CHECK(count(server.db_path(), "SELECT count(*) FROM cases WHERE id = '" + after_case + "'") == 0);
  // Kept, not lost: the patch is in the server's log and in the admins' review queue.
  CHECK(count(server.db_path(), "SELECT count(*) FROM _log WHERE row_id = '" + after_case +
                                    "' AND status = 'quarantined'") >= 1);
  synced(*admin);
  CHECK(count(replica_path(at, "admin01"), "SELECT count(*) FROM conflicts WHERE kind = 'quarantine' AND row_id = '" +
                                               after_case + "' AND status = 'open'") == 1);
  // The worker is told, and their tablet now holds the new grid, not the old.
  CHECK(has_notice(s, "unassigned", unit.name));
  CHECK(rows_of_unit(wdb, unit.id) == 0);
  CHECK(rows_of_unit(wdb, other_unit) == rows_of_unit(server.db_path(), other_unit));
}
