// What the server does when certain rows are accepted (DESIGN §5, §6): a
// takeover hands a unit grid to its department and back, an assignment
// change moves a write right and fences the grid, a case routed to a
// department gives its cadres the grid. Each writes rows of its own as the
// server, in the same transaction as the patch that caused it, so a device
// never sees the cause without its effects.
#include "sync/server/server_engine.hpp"

#include <algorithm>

#include "shared/codec.hpp"
#include "shared/workflow.hpp"

namespace gw::sync {

namespace {

const Value& col(const TableSpec& t, const Row& r, std::string_view name) {
  return r.values[static_cast<size_t>(t.index_of(name))];
}

bool active_assignment(const TableSpec& a, const Row& r) {
  auto* v = std::get_if<int64_t>(&col(a, r, "active"));
  auto* d = std::get_if<int64_t>(&col(a, r, "deleted"));
  return r.exists && v && *v && !(d && *d);
}

}  // namespace

// ---- takeover (战时接管) ---------------------------------------------------------

// A new takeover is judged before it merges: one unit grid, its department
// real, and no other takeover of the grid running. Two supervisors who
// start the same takeover offline thus make one; the second is told why.
Verdict ServerEngine::check_new_takeover(const Patch& p) {
  const TableSpec& t = *p.table;
  auto text = [&](const char* c) {
    const Value* v = p.value_of(static_cast<uint16_t>(t.index_of(c)));
    return v ? text_or_empty(*v) : std::string();
  };
  const TableSpec& g = *find_table("grids");
  Row grid;
  std::string grid_id = text("grid_id");
  if (!store_.load(g, grid_id, grid)) return {Code::invalid, "unknown grid " + grid_id};
  auto* level = std::get_if<int64_t>(&col(g, grid, "level"));
  if (!level || *level != 2)
    return {Code::invalid, "a takeover is of a unit grid (单元网格); " + text_or_empty(col(g, grid, "name")) + " is not one"};
  Row dept;
  if (!store_.load(*find_table("departments"), text("department_id"), dept))
    return {Code::invalid, "unknown department " + text("department_id")};
  if (p.value_of(static_cast<uint16_t>(t.index_of("ended_at")))) return {};  // started and ended offline
  auto active = db_.prepare("SELECT id, started_at FROM takeovers WHERE grid_id = ? AND ended_at IS NULL");
  active.bind(1, grid_id);
  if (active.step())
    return {Code::state, text_or_empty(col(g, grid, "name")) + " is already under takeover (" +
                             std::string(active.text(0)) + "); end that one first"};
  return {};
}

Result<std::string> ServerEngine::start_takeover_at_server(const std::string& unit_grid_id, const std::string& reason,
                                                           const UserInfo& by) {
  if (!by.office()) return Error{Code::forbidden, by.username + " is not of the service centre"};
  const TableSpec& t = *find_table("takeovers");
  const TableSpec& g = *find_table("grids");
  Row grid;
  if (!store_.load(g, unit_grid_id, grid)) return Error{Code::not_found, "no grid " + unit_grid_id};
  std::string dept = text_or_empty(col(g, grid, "department_id"));
  if (dept.empty())
    return Error{Code::missing, text_or_empty(col(g, grid, "name")) + " has no linked department to take it over"};
  Patch p;
  p.table = &t;
  p.row = ids_.next(clock_.wall_ms());
  p.set = fields_of(t, {{"grid_id", unit_grid_id}, {"department_id", dept}, {"reason", reason},
                        {"started_by", by.id}, {"started_at", clock_.wall_ms()}});
  if (auto v = check_new_takeover(p); v.code != Code::ok) return Error{v.code, v.message};
  for (const auto& f : p.set)  // the reason's length, above all
    if (auto st = check_value(t, t.columns[f.col], f.value); !st) return st.error();
  if (auto st = check_required(t, p.set); !st) return st.error();
  write_as_server(t, p.row, p.set);
  return p.row;
}

Status ServerEngine::end_takeover_at_server(const std::string& takeover_id, const UserInfo& by) {
  if (!by.office()) return Error{Code::forbidden, by.username + " is not of the service centre"};
  const TableSpec& t = *find_table("takeovers");
  Row row;
  if (!store_.load(t, takeover_id, row)) return Error{Code::not_found, "no takeover " + takeover_id};
  if (!is_null(col(t, row, "ended_at"))) return Error{Code::state, "this takeover has already ended"};
  write_as_server(t, takeover_id, fields_of(t, {{"ended_at", clock_.wall_ms()}, {"ended_by", by.id}}));
  return Status::ok();
}

void ServerEngine::start_takeover(const std::string& takeover_id, const Row& row) {
  const TableSpec& t = *find_table("takeovers");
  std::string grid = text_or_empty(col(t, row, "grid_id"));
  std::string dept = text_or_empty(col(t, row, "department_id"));
  int64_t from = std::get<int64_t>(col(t, row, "started_at"));
  bump_epoch(grid, "takeover");
  std::vector<std::string> cadres = department_cadres(dept);
  for (const auto& g : directory_.grid_and_descendants(grid))
    for (const auto& u : cadres) assign(u, g, "takeover", {"takeover_id", takeover_id}, from);
  std::string words = grid_name(grid) + " 由" + department_name(dept) + "战时接管：" + text_or_empty(col(t, row, "reason"));
  for (const auto& u : takeover_audience(grid, cadres)) notify(u, "takeover", "takeover_started", words, {"takeovers", takeover_id});
}

void ServerEngine::end_takeover(const std::string& takeover_id, const Row& row) {
  const TableSpec& t = *find_table("takeovers");
  std::string grid = text_or_empty(col(t, row, "grid_id"));
  int64_t ended_at = std::get<int64_t>(col(t, row, "ended_at"));
  bump_epoch(grid, "normal");
  auto s = db_.prepare("SELECT id, user_id FROM assignments WHERE takeover_id = ? AND active = 1");
  s.bind(1, takeover_id);
  std::vector<std::string> ids, cadres;
  while (s.step()) {
    ids.emplace_back(s.text(0));
    if (std::find(cadres.begin(), cadres.end(), s.text(1)) == cadres.end()) cadres.emplace_back(s.text(1));
  }
  for (const auto& id : ids) end_assignment(id, ended_at);
  std::string words = grid_name(grid) + " 战时接管结束，恢复平时包联";
  for (const auto& u : takeover_audience(grid, cadres)) notify(u, "takeover", "takeover_ended", words, {"takeovers", takeover_id});
}

// Who hears of a takeover: the cadres who take the grid over, and the
// workers responsible for it and the grids below it, who keep working
// there beside them (组团作战).
std::vector<std::string> ServerEngine::takeover_audience(const std::string& grid, std::vector<std::string> cadres) {
  auto s = db_.prepare("SELECT DISTINCT user_id FROM assignments WHERE grid_id = ? AND kind = 'responsibility' "
                       "AND active = 1 AND coalesce(deleted, 0) <> 1");
  for (const auto& g : directory_.grid_and_descendants(grid)) {
    s.bind(1, g);
    while (s.step())
      if (std::find(cadres.begin(), cadres.end(), s.text(0)) == cadres.end()) cadres.emplace_back(s.text(0));
    s.reset();
  }
  return cadres;
}

// ---- assignments and epochs ------------------------------------------------------

// A supervisor's reassignment (平时 too): the grid's epoch counter moves (it
// reaches devices with the grid row; nothing decides by it — fencing is by
// the assignment's time span, in check(): patches the user recorded after
// the right ended are quarantined), and the user is told.
void ServerEngine::assignment_changed(const std::string& id, const Row& before, const Row& after) {
  const TableSpec& a = *find_table("assignments");
  std::string grid = text_or_empty(col(a, after, "grid_id"));
  bump_epoch(grid, std::nullopt);
  bool was = active_assignment(a, before), now = active_assignment(a, after);
  if (was == now) return;
  std::string user = text_or_empty(col(a, after, "user_id"));
  if (now) notify(user, "assignment", "assigned", "你负责的网格新增：" + grid_name(grid), {"assignments", id});
  else notify(user, "assignment", "unassigned", "你已不再负责网格：" + grid_name(grid), {"assignments", id});
}

void ServerEngine::bump_epoch(const std::string& grid_id, std::optional<std::string> mode) {
  const TableSpec& g = *find_table("grids");
  Row row;
  if (!store_.load(g, grid_id, row)) return;
  auto* epoch = std::get_if<int64_t>(&col(g, row, "epoch"));
  Fields f{{static_cast<uint16_t>(g.index_of("epoch")), Value{(epoch ? *epoch : 0) + 1}}};
  if (mode) f.push_back({static_cast<uint16_t>(g.index_of("mode")), Value{*mode}});
  write_as_server(g, grid_id, f);
}

void ServerEngine::assign(const std::string& user, const std::string& grid, std::string_view kind,
                          std::pair<const char*, std::string> ref, int64_t from) {
  const TableSpec& a = *find_table("assignments");
  Fields f;
  auto put = [&](const char* name, Value v) { add_field(f, a, name, std::move(v)); };
  put("user_id", user);
  put("grid_id", grid);
  put("kind", std::string(kind));
  put(ref.first, std::move(ref.second));
  put("active", int64_t{1});
  put("from_at", from);
  write_as_server(a, ids_.next(clock_.wall_ms()), f);
}

void ServerEngine::end_assignment(const std::string& id, int64_t at) {
  const TableSpec& a = *find_table("assignments");
  write_as_server(a, id, {{static_cast<uint16_t>(a.index_of("active")), Value{int64_t{0}}},
                          {static_cast<uint16_t>(a.index_of("to_at")), Value{at}}});
}

// ---- cases routed to a department ----------------------------------------------------

// A case routed to a department (分流 to 职能部门) is handled by its cadres:
// while the department has an open case in a grid, each of its cadres holds
// one `task` assignment to that grid (task_ref "cases:<department>"), which
// gives their devices the grid and the right to write it. Routing the last
// one elsewhere, or closing it, ends them.
void ServerEngine::route_case(const Row& before, const Row& after) {
  const TableSpec& t = *find_table("cases");
  auto routed = [&](const Row& r) -> std::optional<std::pair<std::string, std::string>> {
    if (!r.exists || text_or_empty(col(t, r, "route")) != "department") return std::nullopt;
    std::string dept = text_or_empty(col(t, r, "department_id"));
    if (dept.empty()) return std::nullopt;
    return std::pair{dept, text_or_empty(col(t, r, "grid_id"))};
  };
  auto was = routed(before), now = routed(after);
  if (was && was != now) department_task(was->first, was->second);
  if (now) department_task(now->first, now->second);
}

void ServerEngine::department_task(const std::string& dept, const std::string& grid) {
  auto open = db_.prepare(
      "SELECT 1 FROM cases WHERE grid_id = ? AND route = 'department' AND department_id = ? "
      "AND coalesce(deleted, 0) <> 1 AND status IN " + std::string(kOpenCaseStatusesSql) + " LIMIT 1");
  open.bind(1, grid).bind(2, dept);
  std::set<std::string> wanted;
  if (open.step())
    for (auto& u : department_cadres(dept)) wanted.insert(std::move(u));
  std::string ref = "cases:" + dept;
  auto held = db_.prepare(
      "SELECT id, user_id FROM assignments WHERE grid_id = ? AND kind = 'task' AND task_ref = ? AND active = 1");
  held.bind(1, grid).bind(2, ref);
  std::vector<std::string> to_end;
  while (held.step())
    if (!wanted.erase(std::string(held.text(1)))) to_end.emplace_back(held.text(0));
  int64_t now = clock_.wall_ms();
  for (const auto& id : to_end) end_assignment(id, now);
  for (const auto& u : wanted) assign(u, grid, "task", {"task_ref", ref}, now);
}

std::vector<std::string> ServerEngine::department_cadres(const std::string& department_id) {
  auto s = db_.prepare("SELECT id, roles FROM users WHERE department_id = ? AND coalesce(deleted, 0) <> 1 ORDER BY id");
  s.bind(1, department_id);
  std::vector<std::string> users;
  while (s.step()) {
    auto roles = RoleSet::parse(s.text(1));
    if (roles && roles->has(Role::cadre)) users.emplace_back(s.text(0));
  }
  return users;
}

// ---- notices -------------------------------------------------------------------------

// A notice in the user's own bucket: their devices show it at the next pull
// (within seconds for a device in a long-poll). `event` names it for the
// tablet's translations; `words` says it for any other reader.
void ServerEngine::notify(const std::string& user, std::string_view kind, std::string_view event,
                          const std::string& words, std::pair<std::string_view, std::string> ref) {
  const TableSpec& n = *find_table("notices");
  Fields f;
  auto put = [&](const char* name, Value v) { add_field(f, n, name, std::move(v)); };
  put("user_id", user);
  put("kind", std::string(kind));
  put("title", std::string(event));
  put("body", words.substr(0, 2000));
  put("ref_table", std::string(ref.first));
  put("ref_id", std::move(ref.second));
  put("read", int64_t{0});
  write_as_server(n, ids_.next(clock_.wall_ms()), f);
}

std::string ServerEngine::grid_name(const std::string& grid_id) {
  const TableSpec& g = *find_table("grids");
  Row row;
  return store_.load(g, grid_id, row) ? text_or_empty(col(g, row, "name")) : grid_id;
}

std::string ServerEngine::department_name(const std::string& department_id) {
  const TableSpec& d = *find_table("departments");
  Row row;
  return store_.load(d, department_id, row) ? text_or_empty(col(d, row, "name")) : department_id;
}

}  // namespace gw::sync
