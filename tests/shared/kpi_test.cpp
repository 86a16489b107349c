// KPIs on a fixture built by hand: every expected figure below was worked
// out on paper from the rows, not by running the code.
#include <doctest/doctest.h>

#include <string>

#include "shared/calendar.hpp"
#include "shared/ddl.hpp"
#include "shared/json.hpp"
#include "shared/kpi.hpp"
#include "shared/schema.hpp"

using namespace gw;

namespace {

// Unix ms of a China (UTC+8) date and time.
int64_t cst(int month, int day, int hour, int minute = 0) {
  return days_from_civil({2026, month, day}) * 86'400'000 + (hour * 60 + minute) * 60'000 - kChinaOffsetMs;
}

struct Park {
  SqliteDb db{":memory:"};
  Park() {
    for (const char* t : {"grids", "users", "departments", "cases", "patrols", "visits"})
      db.exec_ddl(create_table_sql(*find_table(t)));
    db.exec(R"(
      INSERT INTO grids (id, parent_id, level, code, name, kind) VALUES
        ('Z', NULL, 1, '1', '崇泰片', 'zone'),
        ('U1', 'Z', 2, '1-01', '一号单元', 'unit'), ('U2', 'Z', 2, '1-02', '二号单元', 'unit'),
        ('L1', 'U1', 3, '1-01-1', '一号责任网格', 'community'), ('L2', 'U2', 3, '1-02-1', '二号责任网格', 'enterprise');
      INSERT INTO departments (id, name) VALUES ('D1', '应急管理局');
      INSERT INTO users (id, username, name, roles, department_id) VALUES
        ('w1', 'worker01', '张伟', 'worker', NULL), ('w2', 'worker02', '李娜', 'worker', NULL),
        ('k1', 'cadre01', '王强', 'cadre', 'D1');
    )");
  }
  void add_case(const char* id, const char* grid, const char* status, int64_t reported, int64_t due,
                std::optional<int64_t> closed, const char* assignee, int rework, std::optional<int> score,
                bool deferred = false, const char* dept = nullptr, bool deleted = false) {
    auto s = db.prepare(
        "INSERT INTO cases (id, grid_id, source, category, severity, title, status, reported_at, due_at, closed_at, "
        "assignee_id, rework, score, deferred, department_id, route, deleted) "
        "VALUES (?, ?, 'patrol', '0302', 'normal', 't', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, id).bind(2, grid).bind(3, status).bind(4, reported).bind(5, due);
    if (closed) s.bind(6, *closed);
    s.bind(7, assignee).bind(8, rework);
    if (score) s.bind(9, *score);
    s.bind(10, int64_t{deferred});
    if (dept) s.bind(11, dept).bind(12, "department");
    s.bind(13, int64_t{deleted});
    s.run();
  }
  void add_patrol(const char* id, const char* grid, const char* worker, int64_t at, const char* status = "done",
                  std::optional<int64_t> metres = {}, std::optional<int64_t> inside_ms = {}) {
    auto s = db.prepare(
        "INSERT INTO patrols (id, grid_id, worker_id, started_at, status, distance_m, inside_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, id).bind(2, grid).bind(3, worker).bind(4, at).bind(5, status);
    if (metres) s.bind(6, *metres);
    if (inside_ms) s.bind(7, *inside_ms);
    s.run();
  }
  void add_visit(const char* id, const char* grid, const char* visitor, int64_t at) {
    db.prepare("INSERT INTO visits (id, grid_id, target_kind, target_id, visitor_id, visited_at, purpose) "
               "VALUES (?, ?, 'household', 'h', ?, ?, 'care')")
        .bind(1, id).bind(2, grid).bind(3, visitor).bind(4, at).run();
  }
};

// November 2026, as a worker's month is assessed.
struct November : Park {
  November();
};

November::November() {
  Park& p = *this;
  // c1 closed on time (48 h), c2 closed late (72 h) and scored 4, c3 deferred
  // and open, c4 open with two reworks, c7 a department's, closed on time
  // (24 h) and scored 5, c8 deferred but closed late anyway (216 h).
  p.add_case("c1", "L1", "closed", cst(11, 2, 10), cst(11, 5, 17, 30), cst(11, 4, 10), "w1", 1, {});
  p.add_case("c2", "L1", "evaluated", cst(11, 10, 9), cst(11, 12, 17, 30), cst(11, 13, 9), "w1", 0, 4);
  p.add_case("c3", "U1", "handling", cst(11, 17, 9), cst(11, 20, 17, 30), {}, "w1", 0, {}, true);
  p.add_case("c4", "L2", "handling", cst(11, 21, 9), cst(11, 25, 17, 30), {}, "w2", 2, {});
  p.add_case("c7", "L2", "evaluated", cst(11, 20, 8), cst(11, 27, 17, 30), cst(11, 21, 8), "k1", 0, 5, false, "D1");
  p.add_case("c8", "L1", "closed", cst(11, 20, 12), cst(11, 28, 17, 30), cst(11, 29, 12), "w1", 0, {}, true);
  // Not due in November, or not counted at all.
  p.add_case("c5", "L2", "rejected", cst(11, 14, 9), cst(11, 15, 17, 30), {}, "w2", 0, {});
  p.add_case("c6", "L2", "closed", cst(11, 28, 9), cst(12, 3, 17, 30), cst(11, 30, 9), "w2", 0, {});
  p.add_case("c9", "L1", "handling", cst(11, 8, 9), cst(11, 10, 17, 30), {}, "w1", 0, {}, false, nullptr, true);
  p.add_case("c0", "L1", "reported", cst(10, 31, 9), cst(10, 31, 23, 59), {}, "w1", 0, {});  // October
  // Patrols: p3 ends October 31 23:30 China time, p4 is November 30 23:30;
  // p2 is still running. Their tracks: p1 1,200 m, 30 min inside its grid;
  // p4 800 m, 10 min; p5 recorded none (no GPS); p2 and p3 do not count.
  p.add_patrol("p1", "L1", "w1", cst(11, 3, 9), "done", 1200, 30 * 60'000);
  p.add_patrol("p2", "L1", "w1", cst(11, 4, 9), "active", 300, 5 * 60'000);
  p.add_patrol("p3", "L2", "w2", cst(10, 31, 23, 30), "done", 700, 20 * 60'000);
  p.add_patrol("p4", "L2", "w2", cst(11, 30, 23, 30), "done", 800, 10 * 60'000);
  p.add_patrol("p5", "L2", "k1", cst(11, 15, 10));
  // Visits: v2 is December 1 00:30 China time (still November 30 in UTC).
  p.add_visit("v1", "L1", "w1", cst(11, 5, 10));
  p.add_visit("v2", "L2", "k1", cst(12, 1, 0, 30));
  p.add_visit("v3", "U2", "w2", cst(11, 6, 15));
}

const KpiRow& row(const KpiReport& r, const std::string& key) {
  for (const auto& x : r.rows)
    if (x.key == key) return x;
  FAIL("no row " << key);
  return r.total;
}

}  // namespace

TEST_SUITE("kpi") {
  TEST_CASE("totals of a month, by hand") {
    November p;
    auto r = compute_kpi(p.db, {"2026-11-01", "2026-11-30", KpiGroup::grid, {}});
    REQUIRE(r);
    const KpiRow& t = r->total;
    CHECK(t.due == 6);  // c1 c2 c3 c4 c7 c8
    CHECK(t.deferred == 1);  // c3; c8 was closed after all
    CHECK(t.closed == 4);
    CHECK(t.closed_on_time == 2);  // c1 c7
    CHECK(*t.close_rate() == doctest::Approx(0.8));     // 4 / (6 - 1)
    CHECK(*t.on_time_rate() == doctest::Approx(0.4));   // 2 / 5
    CHECK(t.rework == 3);
    CHECK(*t.mean_handling_hours() == doctest::Approx(90.0));  // (48 + 72 + 24 + 216) / 4
    CHECK(t.evaluated == 2);
    CHECK(*t.satisfaction() == doctest::Approx(4.5));
    CHECK(t.patrols == 3);  // p1 p4 p5
    CHECK(t.patrol_m == 2000);  // 1,200 + 800 + 0
    CHECK(t.patrol_inside_ms == 40 * 60'000);  // 30 + 10 minutes
    CHECK(t.visits == 2);   // v1 v3
  }

  TEST_CASE("by unit grid, by worker, by department") {
    November p;
    auto g = compute_kpi(p.db, {"2026-11-01", "2026-11-30", KpiGroup::grid, {}});
    REQUIRE(g);
    REQUIRE(g->rows.size() == 2);
    const KpiRow& u1 = row(*g, "U1");
    CHECK(u1.code == "1-01");
    CHECK(u1.name == "一号单元");
    CHECK(u1.due == 4);
    CHECK(u1.deferred == 1);
    CHECK(u1.closed == 3);
    CHECK(*u1.close_rate() == doctest::Approx(1.0));
    CHECK(*u1.on_time_rate() == doctest::Approx(1.0 / 3));
    CHECK(*u1.mean_handling_hours() == doctest::Approx(112.0));  // (48 + 72 + 216) / 3
    CHECK(u1.patrols == 1);
    CHECK(u1.patrol_m == 1200);
    CHECK(u1.patrol_inside_ms == 30 * 60'000);
    CHECK(u1.visits == 1);
    const KpiRow& u2 = row(*g, "U2");
    CHECK(u2.due == 2);
    CHECK(*u2.close_rate() == doctest::Approx(0.5));
    CHECK(u2.rework == 2);
    CHECK(*u2.satisfaction() == doctest::Approx(5.0));
    CHECK(u2.patrols == 2);
    CHECK(u2.patrol_m == 800);  // p4; p5 had no track
    CHECK(u2.patrol_inside_ms == 10 * 60'000);
    CHECK(u2.visits == 1);

    auto w = compute_kpi(p.db, {"2026-11-01", "2026-11-30", KpiGroup::worker, {}});
    REQUIRE(w);
    CHECK(row(*w, "w1").due == 4);
    CHECK(row(*w, "w1").code == "worker01");
    CHECK(row(*w, "w1").patrols == 1);
    CHECK(row(*w, "w2").due == 1);
    CHECK(row(*w, "w2").patrols == 1);
    CHECK(row(*w, "w2").patrol_m == 800);
    CHECK(row(*w, "k1").patrol_m == 0);
    CHECK(row(*w, "w2").visits == 1);
    CHECK(row(*w, "k1").closed_on_time == 1);
    CHECK(row(*w, "k1").visits == 0);

    auto d = compute_kpi(p.db, {"2026-11-01", "2026-11-30", KpiGroup::department, {}});
    REQUIRE(d);
    REQUIRE(d->rows.size() == 1);  // workers have no department: in the total only
    CHECK(d->rows[0].name == "应急管理局");
    CHECK(d->rows[0].due == 1);
    CHECK(d->rows[0].patrols == 1);
    CHECK(d->total.due == 6);
  }

  TEST_CASE("a grid filter, an empty period, and JSON and CSV") {
    November p;
    auto only = compute_kpi(p.db, {"2026-11-01", "2026-11-30", KpiGroup::grid, {"L2", "U2"}});
    REQUIRE(only);
    CHECK(only->total.due == 2);
    CHECK(only->rows.size() == 1);
    auto empty = compute_kpi(p.db, {"2027-01-01", "2027-01-31", KpiGroup::grid, {}});
    REQUIRE(empty);
    CHECK(empty->total.due == 0);
    CHECK_FALSE(empty->total.close_rate());  // undefined, not 0 %

    auto r = compute_kpi(p.db, {"2026-11-01", "2026-11-30", KpiGroup::grid, {}});
    REQUIRE(r);
    auto j = parse_json(kpi_json(*r));
    REQUIRE(j);
    CHECK(j->find("total")->find("close_rate")->as_double() == doctest::Approx(0.8));
    CHECK(j->find("rows")->as_array().size() == 2);
    CHECK(j->find("group")->as_string() == "grid");
    std::string csv = kpi_csv(*r);
    CHECK(csv.find("patrols,patrol_distance_m,patrol_inside_ms,visits") != std::string::npos);
    CHECK(csv.find("total,,,total,6,1,4,2,0.8000,0.4000,3,90.0000,3,2000,2400000,2,2,4.5000\r\n") != std::string::npos);
    CHECK(csv.find("grid,U1,1-01,一号单元,4,1,3,1,1.0000,0.3333,1,112.0000,1,1200,1800000,1,1,4.0000\r\n") !=
          std::string::npos);
    CHECK(j->find("total")->find("patrol_distance_m")->as_int() == 2000);
  }

  TEST_CASE("bad periods are refused with a reason") {
    November p;
    for (auto [from, to] : {std::pair{"2026-02-30", "2026-03-01"}, {"2026-1-01", "2026-01-31"},
                            {"2026-11-30", "2026-11-01"}, {"", "2026-11-01"}, {"2010-01-01", "2026-01-01"}}) {
      CAPTURE(from);
      auto r = compute_kpi(p.db, {from, to, KpiGroup::grid, {}});
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Code::invalid);
    }
  }
}
