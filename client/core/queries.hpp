// The read side of the client: view models built from the replica's tables
// with plain SQL. Runs on the store thread; every method returns a fresh,
// immutable snapshot for the screens.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "client/core/views.hpp"
#include "shared/roles.hpp"
#include "shared/sqlite.hpp"

namespace gw::client {

struct Me {
  std::string user_id;
  RoleSet roles;
  bool office() const { return roles.has(Role::supervisor) || roles.has(Role::admin); }
};

struct GridRow {
  std::string id, parent_id, code, name, kind, mode, department_id;
  int level = 0;
};

using GridMap = std::unordered_map<std::string, GridRow>;

// A level-3 grid shares its unit grid's takeover and linked department
// (DESIGN §6): the grid's own value, else its parent's.
bool in_takeover(const GridMap& grids, const std::string& grid_id);
std::string linked_department(const GridMap& grids, const std::string& grid_id);

class Queries {
 public:
  explicit Queries(Db& db) : db_(db) {}

  HomeView home(const Me& me, int64_t now_ms);
  Catalog catalog(const Me& me);
  TargetList targets(const Me& me, const TargetQuery& q);
  // A household's members (nothing for an enterprise), numbers masked for me,
  // and the target's latest visits.
  TargetDetail target_detail(const Me& me, const std::string& kind, const std::string& id);
  CaseList cases(const Me& me, const CaseFilter& f, int64_t now_ms);
  std::optional<CaseDetail> case_detail(const Me& me, const std::string& id, int64_t now_ms);
  // Columns of a record with an open conflict (DESIGN §7): a worker sees
  // the field is contested before editing it. `*`: a held patch.
  std::vector<std::string> contested(std::string_view table, const std::string& row_id);
  std::optional<PatrolView> patrol(const std::string& id);
  DispatchQueue dispatch_queue(const Me& me, const std::string& stage, int64_t now_ms);
  KpiView kpi(const std::string& from, const std::string& to, const std::string& group);
  GridMapView grid_map(const Me& me, int64_t now_ms);

  // Grids by id, and the ids of the grids the user holds with everything
  // below them (a unit grid's responsibility covers its level-3 grids).
  GridMap grids();
  std::vector<std::string> held_grids(const Me& me, bool with_descendants);
  std::string user_name(const std::string& id);

 private:
  std::vector<NoticeItem> unread_notices(const Me& me, const GridMap& grids);
  // The target's latest visits, newest first; their photos are the store's.
  std::vector<PastVisit> past_visits(const std::string& kind, const std::string& id);
  std::vector<CaseItem> case_items(const std::string& where, const std::vector<std::string>& args, int64_t now_ms,
                                   int limit);
  // The grid map's pins (open cases with a fix) and places (enterprises with a point).
  void map_pins(const std::unordered_map<std::string, bool>& open_overdue, std::vector<MapPin>* out);
  void map_places(std::vector<MapPlace>* out);
  Db& db_;
};

// When a case is due: its due_at, or else its category's limit from the
// report time (the takeover limit in a grid under takeover).
int64_t case_due_at(const std::string& category, int64_t reported_at, bool takeover);
// Midnight of the day of t in China (UTC+8), as Unix ms.
int64_t china_day_start(int64_t t);

}  // namespace gw::client
