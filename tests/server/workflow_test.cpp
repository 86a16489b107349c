// The case workflow on the real server (DESIGN §5): steps are written
// straight into device replicas, as an old or altered client could, so the
// server's own judgement is what is tested.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <tuple>

#include "shared/codec.hpp"
#include "shared/workflow.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/workflow_rules.hpp"

using namespace gw;
using namespace gw::test;

namespace {

const TableSpec& T(const char* n) { return *find_table(n); }

std::string text_of(Db& db, const std::string& sql, const std::string& arg = {}) {
  auto s = db.prepare(sql);
  if (!arg.empty()) s.bind(1, arg);
  return s.step() && !s.is_null(0) ? std::string(s.text(0)) : std::string();
}

// Where the workflow tests work: a level-3 grid of worker01's unit grid 1,
// and the department linked to that unit grid (cadre01, cadre02).
struct Place {
  std::string unit, grid, department;
};

Place place_of(Device& worker01) {
  REQUIRE(worker01.sync.sync());
  Place p;
  p.unit = text_of(worker01.db,
                   "SELECT a.grid_id FROM assignments a JOIN grids g ON g.id = a.grid_id "
                   "WHERE a.user_id = ? AND a.active = 1 AND g.level = 2",
                   worker01.me.user_id);
  p.grid = text_of(worker01.db, "SELECT id FROM grids WHERE parent_id = ? ORDER BY code LIMIT 1", p.unit);
  p.department = text_of(worker01.db, "SELECT department_id FROM grids WHERE id = ?", p.unit);
  REQUIRE_FALSE(p.grid.empty());
  REQUIRE_FALSE(p.department.empty());
  return p;
}

// The target a step names: its rule's, or for a step with no rule from
// here, where that action leads elsewhere (or nowhere).
std::string_view target_of(std::string_view action, std::string_view from) {
  if (const Rule* r = rule_for(action, from)) return r->to;
  for (const auto& r : kRules)
    if (r.action == action) return r.to;
  return from;
}

// A step with everything any rule for its action needs.
Fields step_fields(const Place& at, std::string_view action, std::string_view from) {
  const TableSpec& t = T("cases");
  Fields f = fields_of(t, {{"status", std::string(target_of(action, from))}, {"last_action", std::string(action)}});
  std::string needs;
  for (const auto& r : kRules)
    if (r.action == action) needs += r.needs;
  if (needs.find('n') != std::string::npos) add_field(f, t, "status_note", std::string("理由"));
  if (needs.find('r') != std::string::npos) add_field(f, t, "resolution", std::string("已处理"));
  if (needs.find('s') != std::string::npos) add_field(f, t, "score", int64_t{4});
  if (needs.find('o') != std::string::npos || action == "escalate") {
    add_field(f, t, "route", std::string("department"));
    add_field(f, t, "department_id", at.department);
  }
  if (action == "close") add_field(f, t, "closed_at", now_ms());
  return f;
}

std::string new_case(Device& d, const Place& at, const std::string& title) {
  const TableSpec& t = T("cases");
  int64_t now = now_ms();
  auto id = d.replica.create(t, fields_of(t, {{"grid_id", at.grid}, {"source", std::string("patrol")},
                                              {"category", std::string("0302")}, {"severity", std::string("normal")},
                                              {"title", title}, {"status", std::string("reported")},
                                              {"last_action", std::string("report")}, {"reporter_id", d.me.user_id},
                                              {"reported_at", now}, {"due_at", now + 86'400'000}}));
  REQUIRE_MESSAGE(id, id.error().message);
  return *id;
}

void step(Device& d, const Place& at, const std::string& id, std::string_view action, std::string_view from) {
  auto p = d.replica.write(T("cases"), id, step_fields(at, action, from));
  REQUIRE_MESSAGE(p, p.error().message);
}

// The legal path from reported to each status, and who takes each step:
// 's' supervisor01, 'c' chief01 (who also works the grid).
const std::map<std::string_view, std::vector<std::pair<char, std::string_view>>> kPaths = {
    {"reported", {}},
    {"rejected", {{'s', "reject"}}},
    {"accepted", {{'s', "accept"}}},
    {"dispatched", {{'s', "accept"}, {'s', "dispatch"}}},
    {"handling", {{'s', "accept"}, {'s', "dispatch"}, {'c', "start"}}},
    {"resolved", {{'s', "accept"}, {'s', "dispatch"}, {'c', "start"}, {'c', "resolve"}}},
    {"verified", {{'s', "accept"}, {'s', "dispatch"}, {'c', "start"}, {'c', "resolve"}, {'s', "verify"}}},
    {"closed", {{'s', "accept"}, {'s', "dispatch"}, {'c', "start"}, {'c', "resolve"}, {'s', "verify"}, {'s', "close"}}},
    {"evaluated",
     {{'s', "accept"}, {'s', "dispatch"}, {'c', "start"}, {'c', "resolve"}, {'s', "verify"}, {'s', "close"},
      {'s', "evaluate"}}},
};

struct Walk {
  std::string id;
  std::string_view target;
  size_t done = 0;  // steps of the path taken so far
};

// Takes every case along its path, the supervisor's and the chief's steps
// in turns, syncing between; every step must be accepted.
void walk(Device& sup, Device& chief, const Place& at, std::vector<Walk>& cases) {
  for (int round = 0; round < 4; ++round)
    for (auto [who, d] : {std::pair{'s', &sup}, std::pair{'c', &chief}}) {
      REQUIRE(d->sync.sync());
      for (auto& w : cases) {
        const auto& path = kPaths.at(w.target);
        while (w.done < path.size() && path[w.done].first == who) {
          auto status = text_of(d->db, "SELECT status FROM cases WHERE id = ?", w.id);
          step(*d, at, w.id, path[w.done].second, status);
          ++w.done;
        }
      }
      auto r = d->sync.sync();
      REQUIRE(r);
      CHECK(r->refused == 0);
    }
  for (auto& w : cases) CHECK(w.done == kPaths.at(w.target).size());
}

struct Actor {
  const char* username;
  RoleSet roles;
};

const Actor kActors[] = {
    {"worker01", RoleSet{Role::worker}},       {"chief01", RoleSet{Role::chief, Role::worker}},
    {"cadre01", RoleSet{Role::cadre}},         {"supervisor01", RoleSet{Role::supervisor}},
    {"admin01", RoleSet{Role::admin}},
};

}  // namespace

TEST_SUITE("workflow on the server") {
  TEST_CASE("every (role, status, action): the server takes the allowed steps and refuses the rest with a reason") {
    auto& s = demo_server();
    Device worker(s.url(), "worker01"), sup(s.url(), "supervisor01"), chief(s.url(), "chief01");
    Place at = place_of(worker);
    REQUIRE(sup.sync.sync());

    // A case per actor, status and action, each brought to its status.
    std::map<std::tuple<std::string, std::string_view, std::string_view>, std::string> cases;
    std::vector<Walk> walks;
    for (const auto& a : kActors)
      for (auto status : kCaseStatusNames)
        for (auto action : kCaseActionNames) {
          std::string id = new_case(sup, at, std::string(a.username) + " " + std::string(action));
          cases[{a.username, status, action}] = id;
          walks.push_back({id, status});
        }
    walk(sup, chief, at, walks);

    int accepted = 0, refused = 0;
    for (const auto& a : kActors) {
      CAPTURE(a.username);
      Device d(s.url(), a.username);
      REQUIRE(d.sync.sync());
      std::map<std::string, std::pair<std::string_view, std::string_view>> attempt;  // patch id -> status, action
      for (auto status : kCaseStatusNames)
        for (auto action : kCaseActionNames) {
          const std::string& id = cases.at({a.username, status, action});
          REQUIRE_MESSAGE(text_of(d.db, "SELECT status FROM cases WHERE id = ?", id) == status,
                          a.username, " holds ", id, " in ", status);
          auto p = d.replica.write(T("cases"), id, step_fields(at, action, status));
          REQUIRE(p);
          attempt[p->id] = {status, action};
        }
      // A new case: report from nothing.
      auto fresh = d.replica.create(
          T("cases"), fields_of(T("cases"), {{"grid_id", at.grid}, {"source", std::string("patrol")},
                                             {"category", std::string("0302")}, {"severity", std::string("normal")},
                                             {"title", std::string("新报")}, {"status", std::string("reported")},
                                             {"last_action", std::string("report")}, {"reporter_id", d.me.user_id},
                                             {"reported_at", now_ms()}}));
      REQUIRE(fresh);
      REQUIRE(d.sync.sync());
      std::map<std::string, sync::OutboxEntry> problems;
      for (auto& e : d.replica.problems()) problems[e.id] = e;
      for (const auto& [patch, what] : attempt) {
        auto [status, action] = what;
        CAPTURE(status);
        CAPTURE(action);
        bool may = may_take(a.roles, action, status);
        auto it = problems.find(patch);
        CHECK((it == problems.end()) == may);
        if (may) {
          ++accepted;
        } else if (it != problems.end()) {
          ++refused;
          CHECK(it->second.state == "rejected");
          CHECK((it->second.code == "state" || it->second.code == "forbidden"));
          CHECK_FALSE(it->second.reason.empty());
        }
      }
      bool reporter = may_take(a.roles, "report", "");
      CHECK((text_of(d.db, "SELECT count(*) FROM _outbox WHERE state = 'rejected' AND row_id = ?", *fresh) == "0") ==
            reporter);
    }
    // What the hand-written rules allow these five users (chief01 also works).
    int expected = 0;
    for (const auto& a : kActors)
      for (auto status : kCaseStatusNames)
        for (auto action : kCaseActionNames) expected += may_take(a.roles, action, status);
    CHECK(accepted == expected);
    CHECK(accepted + refused == 5 * 9 * 14);

    // The server holds each case where the allowed step took it, and the
    // refused ones where they were.
    ServerDb server(s.db_path());
    for (const auto& [key, id] : cases) {
      auto [user, status, action] = key;
      const Actor* a = nullptr;
      for (const auto& x : kActors)
        if (x.username == user) a = &x;
      std::string want(may_take(a->roles, action, status) ? target_of(action, status) : status);
      CHECK_MESSAGE(text_of(server, "SELECT status FROM cases WHERE id = ?", id) == want, user, " ", status, " ",
                    action);
    }
  }
}

namespace {

Raw kpi_as(Device& d, const std::string& query, const char* accept = "application/json") {
  return raw(demo_server().url(), "GET", "/v1/reports/kpi?" + query, "",
             {{"Authorization", "Bearer " + d.me.token}, {"Accept", accept}});
}

// Writes a step and its log row, as the tablet does.
void logged_step(Device& d, const Place& at, const std::string& id, const char* action, const char* from,
                 const char* to) {
  step(d, at, id, action, from);
  const TableSpec& l = T("case_log");
  auto r = d.replica.create(l, fields_of(l, {{"case_id", id}, {"grid_id", at.grid}, {"action", std::string(action)},
                                             {"from_status", std::string(from)}, {"to_status", std::string(to)},
                                             {"actor_id", d.me.user_id}, {"note", std::string("理由")},
                                             {"at", now_ms()}}));
  REQUIRE(r);
}

}  // namespace

TEST_SUITE("workflow on the server") {
  TEST_CASE("KPI report: supervisors see the park, chiefs their zone, others none; JSON and CSV; bad periods") {
    auto& s = demo_server();
    Device sup(s.url(), "supervisor01"), chief(s.url(), "chief01"), worker(s.url(), "worker01");
    const std::string period = "from=2025-01-01&to=2027-12-31&group=grid";
    auto all = kpi_as(sup, period);
    REQUIRE(all.status == 200);
    CHECK(all.json.find("rows")->as_array().size() == 12);  // the park's unit grids
    int64_t park_due = all.json.find("total")->find("due")->as_int();
    CHECK(park_due > 100);

    auto zone = kpi_as(chief, period);
    REQUIRE(zone.status == 200);
    REQUIRE(chief.sync.sync());
    std::set<std::string> mine;
    auto q = chief.db.prepare(
        "SELECT a.grid_id FROM assignments a JOIN grids g ON g.id = a.grid_id WHERE a.active = 1 AND g.level = 2");
    while (q.step()) mine.emplace(q.text(0));
    REQUIRE_FALSE(mine.empty());
    for (const auto& row : zone.json.find("rows")->as_array()) CHECK(mine.count(row.find("key")->as_string()));
    int64_t zone_due = zone.json.find("total")->find("due")->as_int();
    CHECK(zone_due > 0);
    CHECK(zone_due < park_due);

    auto csv = kpi_as(sup, period, "text/csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.body.rfind("group,key,code,name,due,", 0) == 0);
    CHECK(csv.body.find("\r\ntotal,,,total," + std::to_string(park_due) + ",") != std::string::npos);

    CHECK(kpi_as(worker, period).status == 403);
    CHECK(error_code(kpi_as(worker, period)) == "forbidden");
    CHECK(kpi_as(sup, "from=2026-02-30&to=2026-03-01").status == 400);
    CHECK(kpi_as(sup, "from=2026-03-01&to=2026-02-01").status == 400);
    CHECK(kpi_as(sup, "from=2026-03-01&to=2026-03-31&group=street").status == 400);
    CHECK(raw(s.url(), "GET", "/v1/reports/kpi?" + period, "").status == 401);
  }

  TEST_CASE("a confidential hotline call: the centre sees who called, the grid's worker does not") {
    auto& s = demo_server();
    Device worker(s.url(), "worker01"), sup(s.url(), "supervisor01");
    Place at = place_of(worker);
    REQUIRE(sup.sync.sync());
    const TableSpec& t = T("cases");
    auto hotline = [&](bool confidential) {
      auto id = sup.replica.create(
          t, fields_of(t, {{"grid_id", at.grid}, {"source", std::string("hotline")}, {"category", std::string("0102")},
                           {"severity", std::string("normal")}, {"title", std::string("夜间施工噪音")},
                           {"status", std::string("reported")}, {"last_action", std::string("report")},
                           {"reporter_id", sup.me.user_id}, {"caller_name", std::string("陈女士")},
                           {"caller_phone", std::string("13800001111")}, {"confidential", int64_t{confidential}},
                           {"reported_at", now_ms()}}));
      REQUIRE(id);
      const TableSpec& l = T("case_log");
      REQUIRE(sup.replica.create(l, fields_of(l, {{"case_id", *id}, {"grid_id", at.grid},
                                                  {"action", std::string("report")},
                                                  {"to_status", std::string("reported")},
                                                  {"actor_id", sup.me.user_id}, {"at", now_ms()}})));
      return *id;
    };
    std::string secret = hotline(true), open = hotline(false);
    auto r = sup.sync.sync();
    REQUIRE(r);
    CHECK(r->refused == 0);

    REQUIRE(worker.sync.sync());
    auto who = [](Device& d, const std::string& id) {
      return text_of(d.db, "SELECT IFNULL(reporter_id, '') || '|' || IFNULL(caller_name, '') || '|' || "
                           "IFNULL(caller_phone, '') || '|' || title FROM cases WHERE id = ?", id);
    };
    CHECK(who(worker, secret) == "|||夜间施工噪音");
    CHECK(text_of(worker.db, "SELECT IFNULL(actor_id, 'hidden') FROM case_log WHERE case_id = ?", secret) == "hidden");
    CHECK(who(worker, open) == sup.me.user_id + "|陈女士|13800001111|夜间施工噪音");
    Device other(s.url(), "supervisor01");
    REQUIRE(other.sync.sync());
    CHECK(who(other, secret) == sup.me.user_id + "|陈女士|13800001111|夜间施工噪音");

    // Only the centre takes hotline calls.
    auto forged = worker.replica.create(
        t, fields_of(t, {{"grid_id", at.grid}, {"source", std::string("hotline")}, {"category", std::string("0102")},
                         {"severity", std::string("normal")}, {"title", std::string("冒充热线")},
                         {"status", std::string("reported")}, {"reporter_id", worker.me.user_id},
                         {"reported_at", now_ms()}}));
    REQUIRE(forged);
    REQUIRE(worker.sync.sync());
    CHECK(text_of(worker.db, "SELECT code FROM _outbox WHERE row_id = ?", *forged) == "forbidden");
  }

  TEST_CASE("a case routed to a department reaches its cadres, and leaves them when it closes") {
    auto& s = demo_server();
    Device worker(s.url(), "worker01"), sup(s.url(), "supervisor01"), cadre(s.url(), "cadre01");
    Place at = place_of(worker);
    REQUIRE(sup.sync.sync());
    // A grid of unit grid 1 with no open case of the department yet.
    at.grid = text_of(sup.db,
                      "SELECT g.id FROM grids g WHERE g.parent_id = ? AND NOT EXISTS (SELECT 1 FROM cases c WHERE "
                      "c.grid_id = g.id AND c.route = 'department' AND c.status IN " +
                          std::string(kOpenCaseStatusesSql) + ") ORDER BY g.code DESC LIMIT 1",
                      at.unit);
    REQUIRE_FALSE(at.grid.empty());
    REQUIRE(cadre.sync.sync());
    CHECK(text_of(cadre.db, "SELECT count(*) FROM cases WHERE grid_id = ?", at.grid) == "0");

    std::string id = new_case(sup, at, "危化品仓库消防通道堵塞");
    logged_step(sup, at, id, "accept", "reported", "accepted");
    logged_step(sup, at, id, "dispatch", "accepted", "dispatched");
    REQUIRE(sup.sync.sync());

    REQUIRE(cadre.sync.sync());
    CHECK(text_of(cadre.db, "SELECT status FROM cases WHERE id = ?", id) == "dispatched");
    CHECK(text_of(cadre.db, "SELECT count(*) FROM assignments WHERE kind = 'task' AND active = 1 AND grid_id = ?",
                  at.grid) == "1");
    logged_step(cadre, at, id, "start", "dispatched", "handling");
    logged_step(cadre, at, id, "resolve", "handling", "resolved");
    auto r = cadre.sync.sync();
    REQUIRE(r);
    CHECK(r->refused == 0);

    REQUIRE(sup.sync.sync());
    logged_step(sup, at, id, "verify", "resolved", "verified");
    logged_step(sup, at, id, "close", "verified", "closed");
    REQUIRE(sup.sync.sync());
    REQUIRE(cadre.sync.sync());
    CHECK(text_of(cadre.db, "SELECT count(*) FROM assignments WHERE kind = 'task' AND active = 1 AND grid_id = ?",
                  at.grid) == "0");
    CHECK(text_of(cadre.db, "SELECT count(*) FROM cases WHERE grid_id = ?", at.grid) == "0");  // evicted
    ServerDb server(s.db_path());
    CHECK(text_of(server, "SELECT status FROM cases WHERE id = ?", id) == "closed");
  }
}

TEST_SUITE("workflow on the server") {
  TEST_CASE("two offline steps from the same status both arrive; the state policy settles them and admins see it") {
    auto& s = demo_server();
    Device worker(s.url(), "worker01"), sup(s.url(), "supervisor01"), chief(s.url(), "chief01"),
        admin(s.url(), "admin01");
    Place at = place_of(worker);
    std::string id = new_case(worker, at, "厂区门口车辆乱停");
    REQUIRE(worker.sync.sync());
    REQUIRE(sup.sync.sync());
    REQUIRE(chief.sync.sync());

    // Both saw it reported; the chief accepts it, the centre rejects it.
    logged_step(chief, at, id, "accept", "reported", "accepted");
    logged_step(sup, at, id, "reject", "reported", "rejected");
    for (Device* d : {&chief, &sup}) {
      auto r = d->sync.sync();
      REQUIRE(r);
      CHECK(r->refused == 0);
    }
    // A worker's step on the same stale view is still not a worker's step.
    logged_step(worker, at, id, "accept", "reported", "accepted");
    auto w = worker.sync.sync();
    REQUIRE(w);
    CHECK(w->refused == 2);

    ServerDb server(s.db_path());
    std::string settled = text_of(server, "SELECT status FROM cases WHERE id = ?", id);
    CHECK(settled == "rejected");  // the further status along the workflow, DESIGN §3
    for (Device* d : {&worker, &sup, &chief}) {
      REQUIRE(d->sync.sync());
      CHECK(text_of(d->db, "SELECT status FROM cases WHERE id = ?", id) == settled);
      // One step each of the chief and the centre; the worker's refused one is not a step.
      CHECK(text_of(d->db, "SELECT count(*) FROM case_log WHERE case_id = ?", id) == "2");
    }
    REQUIRE(admin.sync.sync());
    CHECK(text_of(admin.db, "SELECT kind || ' ' || col || ' ' || status FROM conflicts WHERE row_id = ?", id) ==
          "state status open");

    // The admin keeps the chief's acceptance over the precedence; a new
    // status of their own is no choice for a workflow state.
    const TableSpec& ct = *find_table("conflicts");
    std::string conflict = text_of(admin.db, "SELECT id FROM conflicts WHERE row_id = ?", id);
    std::string ours = text_of(admin.db, "SELECT ours FROM conflicts WHERE row_id = ?", id);
    std::string side = ours.find("\"accepted\"") != std::string::npos ? "ours" : "theirs";
    auto decide = [&](const char* how, const char* value) {
      REQUIRE(admin.replica.write(ct, conflict,
                                  fields_of(ct, {{"status", std::string("resolved")}, {"resolution", std::string(how)},
                                                 {"value", std::string("{\"value\":\"") + value + "\"}"},
                                                 {"resolved_by", admin.me.user_id}, {"resolved_at", now_ms()}})));
      auto r = admin.sync.sync();
      REQUIRE(r);
      return r->refused;
    };
    CHECK(decide("custom", "closed") == 1);
    for (const auto& p : admin.replica.problems()) admin.replica.dismiss(p.id);
    CHECK(decide(side.c_str(), "accepted") == 0);
    CHECK(text_of(server, "SELECT status FROM cases WHERE id = ?", id) == "accepted");
    for (Device* d : {&worker, &sup, &chief, &admin}) {
      REQUIRE(d->sync.sync());
      CHECK(text_of(d->db, "SELECT status FROM cases WHERE id = ?", id) == "accepted");
    }
    // The centre's rejection lost: the supervisor is told.
    CHECK(sup.count("SELECT count(*) FROM notices WHERE title = 'conflict_resolved'") == 1);
  }
}
