#include "client/core/grid_office.hpp"

#include <algorithm>
#include <set>

#include "shared/codec.hpp"
#include "shared/schema.hpp"
#include "shared/workflow.hpp"

namespace gw::client {
namespace {

std::string str(const Stmt& s, int i) { return s.is_null(i) ? std::string() : std::string(s.text(i)); }

std::string trimmed(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

constexpr std::string_view kPendingSql =
    "EXISTS(SELECT 1 FROM _outbox o WHERE o.tbl = ? AND o.row_id = {}.id AND o.state = 'pending')";

std::string pending_of(std::string_view alias) {
  std::string sql(kPendingSql);
  sql.replace(sql.find("{}"), 2, alias);
  return sql;
}

}  // namespace

// ---- the console -----------------------------------------------------------------

TakeoverConsole GridOffice::console() {
  TakeoverConsole c;
  GridMap grids = queries_.grids();
  c.active = takeovers(true, grids);
  c.ended = takeovers(false, grids);
  c.units = units(grids, c.active);
  c.responsibilities = responsibilities(grids);
  return c;
}

std::vector<TakeoverItem> GridOffice::takeovers(bool running, const GridMap& grids) {
  auto& db = replica_.store().db();
  auto s = db.prepare(
      "SELECT t.id, t.grid_id, t.department_id, t.reason, t.started_at, IFNULL(t.ended_at, 0), "
      "IFNULL(d.name, ''), IFNULL(u.name, ''), IFNULL(e.name, ''), " + pending_of("t") +
      " FROM takeovers t LEFT JOIN departments d ON d.id = t.department_id "
      "LEFT JOIN users u ON u.id = t.started_by LEFT JOIN users e ON e.id = t.ended_by WHERE t.ended_at IS " +
      (running ? "NULL ORDER BY t.started_at" : "NOT NULL ORDER BY t.ended_at DESC LIMIT 20"));
  s.bind(1, "takeovers");
  std::vector<TakeoverItem> out;
  while (s.step()) {
    TakeoverItem t{str(s, 0), str(s, 1), "", str(s, 2), str(s, 6), str(s, 3), str(s, 7), str(s, 8),
                   s.int64(4), s.int64(5), s.int64(9) != 0};
    if (auto g = grids.find(t.grid_id); g != grids.end()) t.grid_name = g->second.name;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<UnitGridItem> GridOffice::units(const GridMap& grids, const std::vector<TakeoverItem>& running) {
  auto& db = replica_.store().db();
  auto dept = db.prepare("SELECT name FROM departments WHERE id = ?");
  auto cadres = db.prepare("SELECT name, roles FROM users WHERE department_id = ? AND IFNULL(deleted, 0) = 0 "
                           "AND IFNULL(disabled, 0) = 0 ORDER BY username");
  auto workers = db.prepare(
      "SELECT DISTINCT u.name FROM assignments a JOIN users u ON u.id = a.user_id JOIN grids g ON g.id = a.grid_id "
      "WHERE a.kind = 'responsibility' AND a.active = 1 AND IFNULL(a.deleted, 0) = 0 AND (g.id = ?1 OR g.parent_id = ?1) "
      "ORDER BY u.username");
  auto open = db.prepare("SELECT COUNT(*) FROM cases c JOIN grids g ON g.id = c.grid_id WHERE (g.id = ?1 OR "
                         "g.parent_id = ?1) AND IFNULL(c.deleted, 0) = 0 AND c.status IN " +
                         std::string(kOpenCaseStatusesSql));
  std::vector<UnitGridItem> out;
  for (const auto& [id, g] : grids) {
    if (g.level != 2) continue;
    UnitGridItem u;
    u.grid = GridItem{g.id, g.code, g.name, g.kind, g.mode, g.level, false};
    u.department_id = g.department_id;
    dept.bind(1, g.department_id);
    if (dept.step()) u.department_name = str(dept, 0);
    dept.reset();
    cadres.bind(1, g.department_id);
    while (cadres.step())
      if (auto r = RoleSet::parse(cadres.text(1)); r && r->has(Role::cadre)) u.cadres.push_back(str(cadres, 0));
    cadres.reset();
    workers.bind(1, id);
    while (workers.step()) u.workers.push_back(str(workers, 0));
    workers.reset();
    open.bind(1, id);
    if (open.step()) u.open_cases = open.int64(0);
    open.reset();
    for (const auto& t : running)
      if (t.grid_id == id) u.takeover_id = t.id;
    out.push_back(std::move(u));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.grid.code < b.grid.code; });
  return out;
}

std::vector<ResponsibilityItem> GridOffice::responsibilities(const GridMap& grids) {
  auto s = replica_.store().db().prepare(
      "SELECT a.id, a.user_id, IFNULL(u.name, ''), a.grid_id, IFNULL(a.from_at, 0), " + pending_of("a") +
      ", IFNULL(u.username, '') FROM assignments a LEFT JOIN users u ON u.id = a.user_id WHERE a.kind = 'responsibility' AND a.active = 1 "
      "AND IFNULL(a.deleted, 0) = 0");
  s.bind(1, "assignments");
  std::vector<ResponsibilityItem> all;
  while (s.step())
    all.push_back(ResponsibilityItem{str(s, 0), str(s, 1), str(s, 2), str(s, 3), "", "", s.int64(4), s.int64(5) != 0, str(s, 6)});
  // A responsibility for a unit grid covers the grids below it: one line
  // per worker and unit grid, moved as one (move_responsibility).
  std::set<std::pair<std::string, std::string>> held;
  for (const auto& r : all) held.emplace(r.user_id, r.grid_id);
  std::vector<ResponsibilityItem> out;
  for (auto& r : all) {
    auto g = grids.find(r.grid_id);
    if (g != grids.end() && held.count({r.user_id, g->second.parent_id})) continue;
    if (g != grids.end()) {
      r.grid_code = g->second.code;
      r.grid_name = g->second.name;
    }
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.grid_code, a.user_name) < std::tie(b.grid_code, b.user_name);
  });
  return out;
}

// ---- the writes --------------------------------------------------------------------

Result<std::string> GridOffice::start_takeover(const Me& me, const std::string& unit_grid_id,
                                               const std::string& reason) {
  if (!me.office()) return Error{Code::forbidden, "only the service centre starts a takeover"};
  GridMap grids = queries_.grids();
  auto g = grids.find(unit_grid_id);
  if (g == grids.end()) return Error{Code::not_found, "no such grid on this tablet"};
  if (g->second.level != 2) return Error{Code::invalid, g->second.name + " is not a unit grid (单元网格)"};
  if (g->second.department_id.empty())
    return Error{Code::missing, g->second.name + " has no linked department to take it over"};
  std::string why = trimmed(reason);
  if (why.empty()) return Error{Code::missing, "a takeover needs a reason"};
  auto running = replica_.store().db().prepare("SELECT id FROM takeovers WHERE grid_id = ? AND ended_at IS NULL");
  running.bind(1, unit_grid_id);
  if (running.step() || g->second.mode == "takeover")
    return Error{Code::state, g->second.name + " is already under takeover; end that one first"};
  const TableSpec& t = *find_table("takeovers");
  return replica_.create(t, fields_of(t, {{"grid_id", unit_grid_id}, {"department_id", g->second.department_id},
                                          {"reason", why}, {"started_by", me.user_id}, {"started_at", now()}}));
}

Status GridOffice::end_takeover(const Me& me, const std::string& takeover_id) {
  if (!me.office()) return Error{Code::forbidden, "only the service centre ends a takeover"};
  auto s = replica_.store().db().prepare("SELECT ended_at FROM takeovers WHERE id = ?");
  s.bind(1, takeover_id);
  if (!s.step()) return Error{Code::not_found, "no such takeover on this tablet"};
  if (!s.is_null(0)) return Error{Code::state, "this takeover has already ended"};
  s.reset();  // reads let go before a write (FieldActions::record_visit says why)
  const TableSpec& t = *find_table("takeovers");
  auto p = replica_.write(t, takeover_id, fields_of(t, {{"ended_at", now()}, {"ended_by", me.user_id}}));
  if (!p) return p.error();
  return Status::ok();
}

Result<std::string> GridOffice::move_responsibility(const Me& me, const std::string& assignment_id,
                                                    const std::string& to_grid_id) {
  if (!me.office()) return Error{Code::forbidden, "only the service centre reassigns grids"};
  auto s = replica_.store().db().prepare(
      "SELECT user_id, grid_id FROM assignments WHERE id = ? AND kind = 'responsibility' AND active = 1 "
      "AND IFNULL(deleted, 0) = 0");
  s.bind(1, assignment_id);
  if (!s.step()) return Error{Code::not_found, "no standing responsibility with this id on this tablet"};
  std::string user(s.text(0)), from(s.text(1));
  s.reset();  // reads let go before a write (FieldActions::record_visit says why)
  GridMap grids = queries_.grids();
  if (!grids.count(to_grid_id)) return Error{Code::not_found, "no such grid on this tablet"};
  if (to_grid_id == from) return Error{Code::invalid, "the responsibility is already for this grid"};
  // The responsibilities for the grids below go with it (the new grid's
  // covers those below it).
  std::vector<std::string> ending{assignment_id};
  auto below = replica_.store().db().prepare(
      "SELECT a.id FROM assignments a JOIN grids g ON g.id = a.grid_id WHERE a.user_id = ? AND g.parent_id = ? "
      "AND a.kind = 'responsibility' AND a.active = 1 AND IFNULL(a.deleted, 0) = 0");
  below.bind(1, user).bind(2, from);
  while (below.step()) ending.emplace_back(below.text(0));
  const TableSpec& a = *find_table("assignments");
  int64_t at = now();
  // The ends and the start share one moment and one transaction: the
  // user's right passes from one grid to the other, never half, and what
  // they record later in the old one is fenced.
  sync::Txn txn(replica_.store());
  for (const auto& id : ending)
    if (auto p = replica_.write(a, id, fields_of(a, {{"active", int64_t{0}}, {"to_at", at}})); !p) return p.error();
  auto id = replica_.create(a, fields_of(a, {{"user_id", user}, {"grid_id", to_grid_id},
                                             {"kind", std::string("responsibility")}, {"active", int64_t{1}},
                                             {"from_at", at}}));
  if (id) txn.commit();
  return id;
}

}  // namespace gw::client
