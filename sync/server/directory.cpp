#include "sync/server/directory.hpp"

#include <algorithm>

namespace gw::sync {

namespace {
int64_t integer(const Value& v, int64_t fallback) {
  auto* i = std::get_if<int64_t>(&v);
  return i ? *i : fallback;
}
}  // namespace

std::optional<UserInfo> Directory::user(std::string_view user_id) {
  const TableSpec& t = *find_table("users");
  Row row;
  if (!store_.load(t, user_id, row)) return std::nullopt;
  auto at = [&](const char* c) -> const Value& { return row.values[static_cast<size_t>(t.index_of(c))]; };
  UserInfo u;
  u.id = std::string(user_id);
  u.username = text_or_empty(at("username"));
  u.roles = RoleSet::parse(text_or_empty(at("roles"))).value_or(RoleSet{});
  u.department_id = text_or_empty(at("department_id"));
  u.disabled = integer(at("disabled"), 0) != 0 || integer(at("deleted"), 0) != 0;
  return u;
}

std::optional<UserInfo> Directory::user_by_name(std::string_view username) {
  auto s = store_.db().prepare("SELECT id FROM users WHERE username = ?");
  s.bind(1, username);
  if (!s.step()) return std::nullopt;
  return user(std::string(s.text(0)));
}

void Directory::load_grids() {
  // Re-read each time: grids are few (62 in the demo park) and this keeps the
  // directory free of cache invalidation.
  parent_.clear();
  children_.clear();
  auto& s = kept(grids_q_, "SELECT id, parent_id FROM grids WHERE coalesce(deleted, 0) <> 1");
  while (s.step()) {
    std::string id(s.text(0)), parent(s.text(1));
    parent_[id] = parent;
    if (!parent.empty()) children_[parent].push_back(id);
  }
  s.reset();
}

std::vector<std::string> Directory::grid_and_descendants(std::string_view grid_id) {
  load_grids();
  std::vector<std::string> out{std::string(grid_id)};
  for (size_t i = 0; i < out.size(); ++i)
    if (auto it = children_.find(out[i]); it != children_.end())
      out.insert(out.end(), it->second.begin(), it->second.end());
  return out;
}

// Statements asked for every pushed patch are prepared once: preparing
// costs more than running them.
Stmt& Directory::kept(Stmt& s, std::string_view sql) {
  if (!s) s = store_.db().prepare(sql);
  s.reset();
  return s;
}

bool Directory::grid_exists(std::string_view grid_id) {
  auto& s = kept(grid_exists_q_, "SELECT 1 FROM grids WHERE id = ?");
  s.bind(1, grid_id);
  bool found = s.step();
  s.reset();
  return found;
}

std::vector<Directory::Span> Directory::spans(const UserInfo& u) {
  const TableSpec& t = *find_table("assignments");
  int c_grid = t.index_of("grid_id"), c_active = t.index_of("active"), c_from = t.index_of("from_at"),
      c_to = t.index_of("to_at"), c_deleted = t.index_of("deleted");
  std::vector<Span> out;
  auto& s = kept(assignments_q_, "SELECT id FROM assignments WHERE user_id = ?");
  s.bind(1, u.id);
  std::vector<std::string> ids;
  while (s.step()) ids.emplace_back(s.text(0));
  s.reset();
  Row row;
  for (const auto& id : ids) {
    if (!store_.load(t, id, row)) continue;
    if (integer(row.values[static_cast<size_t>(c_deleted)], 0)) continue;
    Span sp;
    sp.grid_id = text_or_empty(row.values[static_cast<size_t>(c_grid)]);
    sp.from = integer(row.values[static_cast<size_t>(c_from)], 0);
    sp.active = integer(row.values[static_cast<size_t>(c_active)], 0) != 0;
    sp.to = integer(row.values[static_cast<size_t>(c_to)], INT64_MAX);
    // Deactivated without an end time: it ended when `active` was cleared.
    if (!sp.active && sp.to == INT64_MAX) sp.to = Hlc::ms_of(row.clocks[static_cast<size_t>(c_active)].hlc);
    out.push_back(std::move(sp));
  }
  return out;
}

std::vector<std::string> Directory::readable_buckets(const UserInfo& u) {
  std::set<std::string> grids;
  if (u.office()) {
    auto s = store_.db().prepare("SELECT id FROM grids");
    while (s.step()) grids.emplace(s.text(0));
  } else {
    for (const auto& sp : spans(u))
      if (sp.active)
        for (auto& g : grid_and_descendants(sp.grid_id)) grids.insert(std::move(g));
  }
  std::vector<std::string> out{"user:" + u.id, std::string(kGlobalBucket)};
  if (u.roles.has(Role::admin)) out.emplace_back(kAdminBucket);
  if (u.office()) {
    // Supervisors reassign grids: they see everyone's assignments.
    auto s = store_.db().prepare("SELECT id FROM users WHERE id != ? ORDER BY id");
    s.bind(1, u.id);
    while (s.step()) out.push_back("user:" + std::string(s.text(0)));
  }
  for (const auto& g : grids) out.push_back("grid:" + g);
  return out;
}

GridRight Directory::grid_right(const UserInfo& u, std::string_view grid_id, int64_t at_ms) {
  if (u.office()) return GridRight::held;
  load_grids();
  // The grid and its ancestors: a right to a unit grid covers the grids below.
  std::vector<std::string> chain{std::string(grid_id)};
  for (auto it = parent_.find(grid_id); it != parent_.end() && !it->second.empty(); it = parent_.find(it->second)) {
    if (chain.size() > 8) break;  // a cycle in bad data must not hang the server
    chain.push_back(it->second);
  }
  GridRight best = GridRight::none;
  for (const auto& sp : spans(u)) {
    if (std::find(chain.begin(), chain.end(), sp.grid_id) == chain.end()) continue;
    if (at_ms >= sp.from && at_ms < sp.to) return GridRight::held;
    if (at_ms >= sp.to) best = GridRight::ended;
  }
  return best;
}

}  // namespace gw::sync
