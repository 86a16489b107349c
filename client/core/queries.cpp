#include "client/core/queries.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "client/core/checklists.hpp"
#include "client/core/reveals.hpp"
#include "client/core/tuning.hpp"
#include "shared/categories.hpp"
#include "shared/json.hpp"
#include "shared/kpi.hpp"
#include "shared/uuid.hpp"
#include "shared/workflow.hpp"

namespace gw::client {
namespace {

std::string str(const Stmt& s, int i) { return s.is_null(i) ? std::string() : std::string(s.text(i)); }

constexpr std::string_view kLive = "IFNULL(deleted, 0) = 0";

// The outer ring of a GeoJSON Polygon, as (lon, lat); empty when the text
// is not one.
std::vector<std::pair<double, double>> polygon_ring(const std::string& text) {
  std::vector<std::pair<double, double>> ring;
  auto j = parse_json(text);
  const Json* coords = j ? j->find("coordinates") : nullptr;
  if (!coords || !coords->is_array() || coords->as_array().empty() || !coords->as_array()[0].is_array()) return ring;
  for (const auto& pt : coords->as_array()[0].as_array()) {
    if (!pt.is_array() || pt.as_array().size() < 2) return {};
    const auto& xy = pt.as_array();
    if (!xy[0].is_number() || !xy[1].is_number()) return {};
    ring.emplace_back(xy[0].as_double(), xy[1].as_double());
  }
  return ring;
}

// Most urgent first: takeover grids, then red, yellow, green, then the
// nearest due time.
bool more_urgent(const CaseItem& a, const CaseItem& b) {
  if (a.takeover != b.takeover) return a.takeover;
  if (a.light != b.light) return a.light > b.light;
  return a.due_at < b.due_at;
}

}  // namespace

int64_t china_day_start(int64_t t) {
  constexpr int64_t kDay = 86'400'000;
  int64_t local = t + kChinaOffsetMs;
  return local - ((local % kDay) + kDay) % kDay - kChinaOffsetMs;
}

int64_t case_due_at(const std::string& category, int64_t reported_at, bool takeover) {
  const CategorySpec* c = find_category(category);
  if (!c) return 0;
  return WorkCalendar::china().due_at(reported_at, takeover ? c->takeover_limit : c->limit);
}

bool in_takeover(const GridMap& grids, const std::string& grid_id) {
  auto g = grids.find(grid_id);
  if (g == grids.end()) return false;
  if (g->second.mode == "takeover") return true;
  auto p = grids.find(g->second.parent_id);
  return p != grids.end() && p->second.mode == "takeover";
}

std::string linked_department(const GridMap& grids, const std::string& grid_id) {
  auto g = grids.find(grid_id);
  if (g == grids.end()) return {};
  if (!g->second.department_id.empty()) return g->second.department_id;
  auto p = grids.find(g->second.parent_id);
  return p == grids.end() ? std::string() : p->second.department_id;
}

GridMap Queries::grids() {
  GridMap out;
  auto s = db_.prepare(
      "SELECT id, parent_id, code, name, kind, IFNULL(mode, 'normal'), department_id, level FROM grids WHERE " +
      std::string(kLive));
  while (s.step())
    out.emplace(str(s, 0), GridRow{str(s, 0), str(s, 1), str(s, 2), str(s, 3), str(s, 4), str(s, 5), str(s, 6),
                                   static_cast<int>(s.int64(7))});
  return out;
}

std::vector<std::string> Queries::held_grids(const Me& me, bool with_descendants) {
  std::vector<std::string> held;
  auto s = db_.prepare("SELECT DISTINCT grid_id FROM assignments WHERE user_id = ? AND active = 1 AND " +
                       std::string(kLive));
  s.bind(1, me.user_id);
  while (s.step()) held.push_back(str(s, 0));
  if (!with_descendants) return held;
  auto all = grids();
  std::unordered_set<std::string> set(held.begin(), held.end());
  // Grids are three levels deep: two passes reach every descendant.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& [id, g] : all)
      if (!g.parent_id.empty() && set.count(g.parent_id)) set.insert(id);
  return {set.begin(), set.end()};
}

std::string Queries::user_name(const std::string& id) {
  auto s = db_.prepare("SELECT name FROM users WHERE id = ?");
  s.bind(1, id);
  return s.step() ? str(s, 0) : std::string();
}

std::vector<CaseItem> Queries::case_items(const std::string& where, const std::vector<std::string>& args,
                                          int64_t now_ms, int limit) {
  auto all = grids();
  auto s = db_.prepare(
      "SELECT c.id, c.grid_id, c.category, c.severity, c.title, c.status, c.reported_at, c.due_at, "
      "EXISTS(SELECT 1 FROM _outbox o WHERE o.tbl = 'cases' AND o.row_id = c.id AND o.state = 'pending') "
      "FROM cases c WHERE IFNULL(c.deleted, 0) = 0" +
      (where.empty() ? std::string() : " AND " + where) + " ORDER BY c.reported_at DESC LIMIT " +
      std::to_string(limit));
  for (size_t i = 0; i < args.size(); ++i) s.bind(static_cast<int>(i + 1), args[i]);
  std::vector<CaseItem> out;
  while (s.step()) {
    CaseItem c;
    c.id = str(s, 0);
    c.grid_id = str(s, 1);
    c.category = str(s, 2);
    c.severity = str(s, 3);
    c.title = str(s, 4);
    c.status = str(s, 5);
    c.reported_at = s.int64(6);
    c.pending = s.int64(8) != 0;
    if (auto g = all.find(c.grid_id); g != all.end()) c.grid_name = g->second.name;
    c.takeover = in_takeover(all, c.grid_id);
    if (const CategorySpec* cat = find_category(c.category)) c.category_name = std::string(cat->name_zh);
    c.due_at = s.is_null(7) ? case_due_at(c.category, c.reported_at, c.takeover) : s.int64(7);
    if (case_is_open(c.status) && c.due_at > 0) {
      c.light = WorkCalendar::light(c.reported_at, c.due_at, now_ms);
      c.overdue = c.light == Light::red;
    }
    out.push_back(std::move(c));
  }
  return out;
}

HomeView Queries::home(const Me& me, int64_t now_ms) {
  HomeView h;
  auto all = grids();
  auto held = held_grids(me, false);
  std::unordered_set<std::string> held_set(held.begin(), held.end());
  for (const auto& id : held) {
    auto g = all.find(id);
    if (g == all.end()) continue;
    GridItem item{g->second.id, g->second.code, g->second.name, g->second.kind, g->second.mode, g->second.level, true};
    if (item.mode == "takeover") h.takeover_grids.push_back(item);
    h.my_grids.push_back(std::move(item));
  }
  std::sort(h.my_grids.begin(), h.my_grids.end(), [](auto& a, auto& b) { return a.code < b.code; });

  auto a = db_.prepare("SELECT id, grid_id, kind, IFNULL(task_ref, ''), IFNULL(to_at, 0) FROM assignments "
                       "WHERE user_id = ? AND active = 1 AND " + std::string(kLive) + " ORDER BY kind, grid_id");
  a.bind(1, me.user_id);
  while (a.step()) {
    AssignmentItem it{str(a, 0), str(a, 1), "", str(a, 2), str(a, 3), a.int64(4)};
    // The server's standing task for a department's routed cases: what it
    // means, not its reference ("cases:<department>").
    if (it.kind == "task" && it.task.rfind("cases:", 0) == 0) {
      it.kind = "department_cases";
      it.task.clear();
    }
    if (auto g = all.find(it.grid_id); g != all.end()) it.grid_name = g->second.name;
    h.assignments.push_back(std::move(it));
  }

  // A field user's due cases are those of the grids they hold and those
  // given to them; the centre's staff see every open case.
  std::string where = "c.status IN " + std::string(kOpenCaseStatusesSql);
  std::vector<std::string> args;
  if (!me.office()) {
    auto scope = held_grids(me, true);
    where += " AND (c.assignee_id = ? OR c.grid_id IN (" + bind_list(scope.size()) + "))";
    args.push_back(me.user_id);
    args.insert(args.end(), scope.begin(), scope.end());
  }
  h.due_cases = case_items(where, args, now_ms, tuning::kMaxListRows);
  std::sort(h.due_cases.begin(), h.due_cases.end(), more_urgent);
  if (h.due_cases.size() > 50) h.due_cases.resize(50);

  h.notices = unread_notices(me, all);  // the grids home read already

  auto p = db_.prepare("SELECT id FROM patrols WHERE worker_id = ? AND status = 'active' AND " + std::string(kLive) +
                       " ORDER BY started_at DESC LIMIT 1");
  p.bind(1, me.user_id);
  if (p.step()) h.active_patrol_id = str(p, 0);
  int64_t today = china_day_start(now_ms);
  auto pc = db_.prepare("SELECT COUNT(*) FROM patrols WHERE worker_id = ? AND started_at >= ?");
  pc.bind(1, me.user_id).bind(2, today);
  if (pc.step()) h.patrols_today = pc.int64(0);
  auto vc = db_.prepare("SELECT COUNT(*) FROM visits WHERE visitor_id = ? AND visited_at >= ?");
  vc.bind(1, me.user_id).bind(2, today);
  if (vc.step()) h.visits_today = vc.int64(0);
  return h;
}

std::vector<NoticeItem> Queries::unread_notices(const Me& me, const GridMap& all) {
  auto s = db_.prepare(
      "SELECT n.id, n.kind, n.title, IFNULL(gw_open(n.body, 'notices.body'), ''), IFNULL(n.ref_table, ''), IFNULL(n.ref_id, ''), "
      "IFNULL(t.grid_id, a.grid_id), IFNULL(t.reason, '') FROM notices n "
      "LEFT JOIN takeovers t ON n.ref_table = 'takeovers' AND t.id = n.ref_id "
      "LEFT JOIN assignments a ON n.ref_table = 'assignments' AND a.id = n.ref_id "
      "WHERE n.user_id = ? AND IFNULL(n.read, 0) = 0 ORDER BY n.id DESC LIMIT 20");
  s.bind(1, me.user_id);
  std::vector<NoticeItem> out;
  while (s.step()) {
    NoticeItem n{str(s, 0), str(s, 1), str(s, 2), str(s, 3), "", str(s, 7), 0};
    if (auto g = all.find(str(s, 6)); g != all.end()) n.grid_name = g->second.name;
    n.at = uuid_v7_ms(n.id);  // notices are made once, with a time-ordered id
    out.push_back(std::move(n));
  }
  return out;
}

// Every grid with its ring and what colours it on the map.
// Open cases with a fix, as pins (issue 23). The tablet holds only the cases
// of the grids its user may see, so every row here is one they may see.
void Queries::map_pins(const std::unordered_map<std::string, bool>& open_overdue, std::vector<MapPin>* out) {
  auto s = db_.prepare("SELECT id, title, severity, status, grid_id, fix FROM cases WHERE fix IS NOT NULL AND " +
                       std::string(kLive) + " AND status IN " + std::string(kOpenCaseStatusesSql));
  while (s.step()) {
    auto open = open_overdue.find(str(s, 0));
    auto fix = geo::parse_fix(str(s, 5));
    if (open == open_overdue.end() || !fix) continue;  // a bad fix is no pin, never a failed map
    out->push_back(MapPin{str(s, 0), str(s, 1), str(s, 2), str(s, 3), str(s, 4), fix->at_point, open->second});
  }
}

// Enterprises at their points (issue 23).
void Queries::map_places(std::vector<MapPlace>* out) {
  auto s = db_.prepare("SELECT id, name, industry, point FROM enterprises WHERE point IS NOT NULL AND " +
                       std::string(kLive) + " ORDER BY name");
  while (s.step())
    if (auto fix = geo::parse_fix(str(s, 3)))
      out->push_back(MapPlace{str(s, 0), str(s, 1), str(s, 2), fix->at_point});
}

GridMapView Queries::grid_map(const Me& me, int64_t now_ms) {
  GridMapView v;
  auto all = grids();
  auto held = held_grids(me, true);
  std::unordered_set<std::string> mine(held.begin(), held.end());
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // grid -> open, overdue
  std::unordered_map<std::string, bool> open_overdue;          // open case -> overdue, for its pin
  for (const auto& c : case_items("c.status IN " + std::string(kOpenCaseStatusesSql), {}, now_ms, 1 << 30)) {
    auto& n = counts[c.grid_id];
    ++n.first;
    n.second += c.overdue;
    open_overdue.emplace(c.id, c.overdue);
  }
  map_pins(open_overdue, &v.pins);
  map_places(&v.places);
  auto s = db_.prepare("SELECT id, polygon FROM grids WHERE " + std::string(kLive));
  bool first = true;
  while (s.step()) {
    auto g = all.find(str(s, 0));
    if (g == all.end()) continue;
    const GridRow& r = g->second;
    MapGrid m{r.id, r.parent_id, r.code, r.name, r.kind, r.mode, r.level, polygon_ring(str(s, 1)), 0, 0,
              in_takeover(all, r.id), mine.count(r.id) > 0};
    if (auto n = counts.find(r.id); n != counts.end()) std::tie(m.open_cases, m.overdue_cases) = n->second;
    for (const auto& [x, y] : m.ring) {
      v.west = first ? x : std::min(v.west, x);
      v.east = first ? x : std::max(v.east, x);
      v.south = first ? y : std::min(v.south, y);
      v.north = first ? y : std::max(v.north, y);
      first = false;
    }
    v.grids.push_back(std::move(m));
  }
  // A unit grid shows the cases of the grids below it too.
  for (auto& m : v.grids)
    if (m.level == 2)
      for (const auto& [id, n] : counts)
        if (auto g = all.find(id); g != all.end() && g->second.parent_id == m.id) {
          m.open_cases += n.first;
          m.overdue_cases += n.second;
        }
  std::sort(v.grids.begin(), v.grids.end(),
            [](const MapGrid& a, const MapGrid& b) { return std::tie(a.level, a.code) < std::tie(b.level, b.code); });
  return v;
}

Catalog Queries::catalog(const Me& me) {
  Catalog c;
  auto all = grids();
  auto held = held_grids(me, true);
  std::unordered_set<std::string> held_set(held.begin(), held.end());
  for (const auto& [id, g] : all)
    c.grids.push_back(GridItem{g.id, g.code, g.name, g.kind, g.mode, g.level, held_set.count(id) > 0});
  std::sort(c.grids.begin(), c.grids.end(), [](const GridItem& a, const GridItem& b) {
    return std::tie(b.mine, a.code) < std::tie(a.mine, b.code);
  });
  for (const auto& cat : categories())
    c.categories.push_back(CategoryItem{std::string(cat.code), std::string(cat.name_zh), std::string(cat.name_en),
                                        std::string(cat.code.substr(0, 2)), cat.dispute});
  return c;
}

TargetList Queries::targets(const Me& me, const TargetQuery& q) {
  TargetList out;
  out.query = q;
  std::string like = "%" + q.text + "%";
  // Few conflicts, many targets: the contested ones read once.
  std::unordered_set<std::string> contested;
  auto c = db_.prepare("SELECT row_id FROM conflicts WHERE status = 'open' AND tbl IN ('households', 'enterprises')");
  while (c.step()) contested.emplace(c.text(0));
  auto run = [&](const std::string& sql, const char* kind) {
    auto s = db_.prepare(sql);
    s.bind(1, like);
    while (s.step()) {
      ++out.total;
      if (static_cast<int>(out.items.size()) >= q.limit) continue;
      const bool household = std::string_view(kind) == "household";
      out.items.push_back(TargetItem{str(s, 0), kind, str(s, 1), str(s, 2), str(s, 3), contested.count(str(s, 0)) > 0,
                                     masked_number(me, household ? "households" : "enterprises", str(s, 0),
                                                   household ? "phone" : "contact_phone", str(s, 4))});
    }
  };
  if (q.kind.empty() || q.kind == "household")
    // Names and addresses are sealed on the tablet (DESIGN §8): read, searched
    // and sorted through gw_open (data_key.hpp).
    run("SELECT id, grid_id, head, addr || ' ' || IFNULL(building, '') || '-' || IFNULL(room, ''), phone FROM "
        "(SELECT id, grid_id, building, room, gw_open(head_name, 'households.head_name') AS head, "
        "gw_open(address, 'households.address') AS addr, gw_open(phone, 'households.phone') AS phone FROM households WHERE IFNULL(deleted, 0) = 0) "
        "WHERE (head || ' ' || addr || ' ' || IFNULL(building, '')) LIKE ?1 ORDER BY addr, room",
        "household");
  if (q.kind.empty() || q.kind == "enterprise")
    run("SELECT id, grid_id, name, address || ' · ' || IFNULL(industry, ''), "
        "gw_open(contact_phone, 'enterprises.contact_phone') FROM enterprises "
        "WHERE IFNULL(deleted, 0) = 0 AND (name || ' ' || address) LIKE ?1 ORDER BY name",
        "enterprise");
  return out;
}

TargetDetail Queries::target_detail(const Me& me, const std::string& kind, const std::string& id) {
  TargetDetail d{id, kind, {}, past_visits(kind, id)};
  if (kind != "household") return d;
  auto s = db_.prepare(
      "SELECT id, gw_open(name, 'residents.name'), IFNULL(relation, ''), IFNULL(gender, ''), IFNULL(birth_year, 0), "
      "gw_open(id_number, 'residents.id_number'), gw_open(phone, 'residents.phone') "
      "FROM residents WHERE household_id = ? AND " + std::string(kLive) +
      " ORDER BY relation = '户主' DESC, birth_year, id");
  s.bind(1, id);
  while (s.step()) {
    std::string rid = str(s, 0);
    d.residents.push_back(ResidentItem{rid, str(s, 1), str(s, 2), str(s, 3), static_cast<int>(s.int64(4)),
                                       masked_number(me, "residents", rid, "id_number", str(s, 5)),
                                       masked_number(me, "residents", rid, "phone", str(s, 6))});
  }
  return d;
}

std::vector<PastVisit> Queries::past_visits(const std::string& kind, const std::string& id) {
  // rowid breaks a tie of the same millisecond: the later written first.
  auto s = db_.prepare(
      "SELECT v.id, v.purpose, IFNULL(v.notes, ''), IFNULL(u.name, ''), v.visited_at FROM visits v "
      "LEFT JOIN users u ON u.id = v.visitor_id WHERE v.target_kind = ? AND v.target_id = ? AND IFNULL(v.deleted, 0) = 0 "
      "ORDER BY v.visited_at DESC, v.rowid DESC LIMIT ?");
  s.bind(1, kind).bind(2, id).bind(3, int64_t{tuning::kPastVisits});
  std::vector<PastVisit> out;
  while (s.step()) out.push_back(PastVisit{str(s, 0), str(s, 1), str(s, 2), str(s, 3), s.int64(4), {}});
  return out;
}

CaseList Queries::cases(const Me& me, const CaseFilter& f, int64_t now_ms) {
  (void)me;  // the replica holds only what the user may read
  CaseList out;
  out.filter = f;
  std::string where = "1 = 1";
  std::vector<std::string> args;
  if (f.status == "open") {
    where += " AND c.status IN " + std::string(kOpenCaseStatusesSql);
  } else if (!f.status.empty()) {
    where += " AND c.status = ?";
    args.push_back(f.status);
  }
  if (!f.grid_id.empty()) {
    where += " AND (c.grid_id = ? OR c.grid_id IN (SELECT id FROM grids WHERE parent_id = ?))";
    args.push_back(f.grid_id);
    args.push_back(f.grid_id);
  }
  if (!f.category.empty()) {
    where += " AND c.category LIKE ?";
    args.push_back(f.category + "%");
  }
  if (f.disputes_only) where += " AND c.category LIKE '03%'";
  out.items = case_items(where, args, now_ms, tuning::kMaxListRows);
  if (f.overdue_only)
    std::erase_if(out.items, [](const CaseItem& c) { return !c.overdue; });
  return out;
}

std::optional<CaseDetail> Queries::case_detail(const Me& me, const std::string& id, int64_t now_ms) {
  auto items = case_items("c.id = ?", {id}, now_ms, 1);
  if (items.empty()) return std::nullopt;
  CaseDetail d;
  d.item = std::move(items.front());
  auto s = db_.prepare(
      "SELECT IFNULL(description, ''), IFNULL(location, ''), IFNULL(gw_open(parties, 'cases.parties'), ''), IFNULL(route, ''), "
      "IFNULL(department_id, ''), IFNULL(assignee_id, ''), IFNULL(reporter_id, ''), IFNULL(resolution, ''), "
      "source, IFNULL(confidential, 0), IFNULL(score, 0), IFNULL(rework, 0), "
      "IFNULL(gw_open(caller_name, 'cases.caller_name'), ''), IFNULL(gw_open(caller_phone, 'cases.caller_phone'), ''), "
      "IFNULL(deferred, 0) FROM cases WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  d.description = str(s, 0);
  d.location = str(s, 1);
  d.parties = str(s, 2);
  d.route = str(s, 3);
  std::string dept = str(s, 4), assignee = str(s, 5), reporter = str(s, 6);
  d.resolution = str(s, 7);
  d.source = str(s, 8);
  d.confidential = s.int64(9) != 0;
  d.score = static_cast<int>(s.int64(10));
  d.rework = static_cast<int>(s.int64(11));
  d.caller_name = str(s, 12);
  d.caller_phone = masked_number(me, "cases", id, "caller_phone", str(s, 13));
  d.deferred = s.int64(14) != 0;
  if (!dept.empty()) {
    auto q = db_.prepare("SELECT name FROM departments WHERE id = ?");
    q.bind(1, dept);
    if (q.step()) d.department_name = str(q, 0);
  }
  d.assignee_name = assignee.empty() ? std::string() : user_name(assignee);
  // A confidential reporter is hidden from everyone but the centre (DESIGN §5);
  // the server already leaves it out of other roles' pulls.
  if (!d.confidential || me.roles.has(Role::supervisor) || reporter == me.user_id)
    d.reporter_name = user_name(reporter);
  if (auto parties = parse_json(d.parties); parties && parties->is_array()) {
    std::string names;
    for (const auto& p : parties->as_array())
      if (p.is_string()) names += (names.empty() ? "" : "、") + p.as_string();
    d.parties = names;
  }
  auto log = db_.prepare(
      "SELECT action, IFNULL(from_status, ''), IFNULL(to_status, ''), IFNULL(u.name, ''), IFNULL(note, ''), at, l.id "
      "FROM case_log l LEFT JOIN users u ON u.id = l.actor_id WHERE l.case_id = ? ORDER BY at, l.id");
  log.bind(1, id);
  while (log.step())
    d.log.push_back(
        CaseLogItem{str(log, 0), str(log, 1), str(log, 2), str(log, 3), str(log, 4), log.int64(5), str(log, 6)});
  for (const CaseMove* m : case_moves_for(me.roles, d.item.status))
    d.actions.push_back(CaseActionItem{std::string(m->action), std::string(m->to), m->needs_note,
                                       m->needs_resolution, m->needs_score, m->needs_route});
  d.contested = contested("cases", id);
  return d;
}

std::vector<std::string> Queries::contested(std::string_view table, const std::string& row_id) {
  auto s = db_.prepare("SELECT DISTINCT col FROM conflicts WHERE tbl = ? AND row_id = ? AND status = 'open' ORDER BY col");
  s.bind(1, table).bind(2, row_id);
  std::vector<std::string> out;
  while (s.step()) out.emplace_back(s.text(0));
  return out;
}

DispatchQueue Queries::dispatch_queue(const Me& me, const std::string& stage, int64_t now_ms) {
  DispatchQueue q;
  q.stage = stage;
  // The statuses that wait for a triage step (accept, dispatch, verify, close,
  // evaluate) this user's roles may take.
  std::vector<std::string> waiting;
  for (std::string_view st : {"reported", "accepted", "resolved", "verified", "closed"})
    if (!case_moves_for(me.roles, st).empty()) waiting.emplace_back(st);
  std::string in = "(";
  for (size_t k = 0; k < waiting.size(); ++k) in += (k ? ", '" : "'") + waiting[k] + "'";
  in += ")";
  if (waiting.empty()) return q;
  auto counts = db_.prepare("SELECT status, COUNT(*) FROM cases WHERE IFNULL(deleted, 0) = 0 AND status IN " + in +
                            " GROUP BY status");
  std::map<std::string, int64_t> by_status;
  while (counts.step()) by_status[str(counts, 0)] = counts.int64(1);
  for (const auto& st : waiting) q.stages.emplace_back(st, by_status[st]);
  std::vector<std::string> args;
  std::string where = "c.status IN " + in;
  if (!stage.empty()) {
    where += " AND c.status = ?";
    args.push_back(stage);
  }
  for (auto& c : case_items(where, args, now_ms, tuning::kMaxListRows)) {
    auto moves = case_moves_for(me.roles, c.status);
    std::string next = moves.empty() ? std::string() : std::string(moves.front()->action);
    q.items.push_back(DispatchItem{std::move(c), std::move(next)});
  }
  std::stable_sort(q.items.begin(), q.items.end(),
                   [](const DispatchItem& a, const DispatchItem& b) { return more_urgent(a.item, b.item); });
  return q;
}

KpiView Queries::kpi(const std::string& from, const std::string& to, const std::string& group) {
  KpiView v;
  v.from = from;
  v.to = to;
  v.group = group;
  auto g = kpi_group_from_name(group);
  if (!g) {
    v.error = "group must be grid, worker or department";
    return v;
  }
  auto r = compute_kpi(db_, KpiQuery{from, to, *g, {}});
  if (!r) {
    v.error = r.error().message;
    return v;
  }
  auto bar = [](const KpiRow& row, std::string label) {
    KpiBar b;
    b.label = std::move(label);
    b.due = row.due;
    b.closed = row.closed;
    b.closed_on_time = row.closed_on_time;
    b.deferred = row.deferred;
    b.rework = row.rework;
    b.patrols = row.patrols;
    b.visits = row.visits;
    b.evaluated = row.evaluated;
    b.patrol_m = row.patrol_m;
    b.patrol_inside_ms = row.patrol_inside_ms;
    b.close_rate = row.close_rate().value_or(-1);
    b.on_time_rate = row.on_time_rate().value_or(-1);
    b.mean_handling_hours = row.mean_handling_hours().value_or(-1);
    b.satisfaction = row.satisfaction().value_or(-1);
    return b;
  };
  for (const auto& row : r->rows)
    v.rows.push_back(bar(row, row.code.empty() || *g == KpiGroup::worker ? row.name : row.code + " " + row.name));
  v.total = bar(r->total, "");
  return v;
}

std::optional<PatrolView> Queries::patrol(const std::string& id) {
  auto s = db_.prepare(
      "SELECT p.id, p.grid_id, IFNULL(g.name, ''), IFNULL(g.kind, ''), p.status, p.started_at, IFNULL(p.ended_at, 0), "
      "IFNULL(p.checklist, '[]'), IFNULL(p.findings, 0), IFNULL(p.notes, '') "
      "FROM patrols p LEFT JOIN grids g ON g.id = p.grid_id WHERE p.id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  PatrolView v{str(s, 0), str(s, 1), str(s, 2), str(s, 3), str(s, 4), s.int64(5), s.int64(6), {},
               static_cast<int>(s.int64(8)), str(s, 9), {}};  // photos: the store's (PhotoStore)
  for (const auto& item : checklist_for(v.grid_kind))
    v.checklist.push_back(ChecklistEntry{std::string(item.key), std::string(item.category), CheckMark::unchecked, "", ""});
  auto marks = parse_json(str(s, 7));
  if (marks && marks->is_array())
    for (const auto& m : marks->as_array()) {
      const Json* item = m.find("item");
      if (!item || !item->is_string()) continue;
      for (auto& e : v.checklist) {
        if (e.item != item->as_string()) continue;
        const Json* mark = m.find("mark");
        std::string mk = mark && mark->is_string() ? mark->as_string() : "";
        e.mark = mk == "ok" ? CheckMark::ok : mk == "problem" ? CheckMark::problem : CheckMark::unchecked;
        if (const Json* n = m.find("note"); n && n->is_string()) e.note = n->as_string();
        if (const Json* c = m.find("case_id"); c && c->is_string()) e.case_id = c->as_string();
      }
    }
  return v;
}

}  // namespace gw::client
