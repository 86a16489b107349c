#include "shared/kpi.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <variant>

#include "shared/calendar.hpp"
#include "shared/json.hpp"

namespace gw {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kMaxDays = 3660;  // ten years: a report, not a scan of all time

std::optional<int64_t> parse_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k)
    for (size_t i = starts[k]; i < starts[k] + lens[k]; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v[k] = v[k] * 10 + (s[i] - '0');
    }
  CivilDate d{v[0], v[1], v[2]};
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.year < 1970) return std::nullopt;
  int64_t days = days_from_civil(d);
  if (civil_from_days(days) != d) return std::nullopt;  // 2026-02-30 and the like
  return days;
}

// What the report needs of the grid tree and the people, read once.
struct Names {
  struct GridInfo {
    std::string parent, code, name;
    int level = 0;
  };
  struct UserInfo {
    std::string username, name, department;
  };
  std::map<std::string, GridInfo, std::less<>> grids;
  std::map<std::string, UserInfo, std::less<>> users;
  std::map<std::string, std::string, std::less<>> departments;

  explicit Names(Db& db) {
    auto g = db.prepare("SELECT id, coalesce(parent_id, ''), level, code, name FROM grids");
    while (g.step())
      grids[std::string(g.text(0))] = {std::string(g.text(1)), std::string(g.text(3)), std::string(g.text(4)),
                                       static_cast<int>(g.int64(2))};
    auto u = db.prepare("SELECT id, username, name, coalesce(department_id, '') FROM users");
    while (u.step())
      users[std::string(u.text(0))] = {std::string(u.text(1)), std::string(u.text(2)), std::string(u.text(3))};
    auto d = db.prepare("SELECT id, name FROM departments");
    while (d.step()) departments[std::string(d.text(0))] = std::string(d.text(1));
  }

  // The unit grid (level 2) a grid lies in; a zone stands for itself.
  std::string unit_of(const std::string& grid) const {
    auto it = grids.find(grid);
    if (it == grids.end() || it->second.level <= 2) return grid;
    return it->second.parent;
  }
  std::string department_of(const std::string& user) const {
    auto it = users.find(user);
    return it == users.end() ? std::string() : it->second.department;
  }
};

class Tally {
 public:
  Tally(const Names& names, KpiGroup group) : names_(names), group_(group) {}

  // The total, and the group's row when the record has a group.
  template <class F>
  void add(const std::string& key, F&& f) {
    f(total_);
    if (!key.empty()) f(row(key));
  }

  KpiReport finish(KpiReport r) {
    for (auto& [key, row] : rows_) r.rows.push_back(std::move(row));
    std::sort(r.rows.begin(), r.rows.end(), [](const KpiRow& a, const KpiRow& b) {
      return std::tie(a.code, a.name, a.key) < std::tie(b.code, b.name, b.key);
    });
    r.total = std::move(total_);
    r.total.name = "total";
    return r;
  }

 private:
  KpiRow& row(const std::string& key) {
    auto [it, fresh] = rows_.try_emplace(key);
    if (fresh) name(it->second, key);
    return it->second;
  }
  void name(KpiRow& r, const std::string& key) const {
    r.key = key;
    switch (group_) {
      case KpiGroup::grid:
        if (auto g = names_.grids.find(key); g != names_.grids.end()) r.code = g->second.code, r.name = g->second.name;
        break;
      case KpiGroup::worker:
        if (auto u = names_.users.find(key); u != names_.users.end()) r.code = u->second.username, r.name = u->second.name;
        break;
      case KpiGroup::department:
        if (auto d = names_.departments.find(key); d != names_.departments.end()) r.name = d->second;
        break;
    }
  }
  const Names& names_;
  KpiGroup group_;
  std::map<std::string, KpiRow> rows_;
  KpiRow total_;
};

std::optional<double> ratio(int64_t num, int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

std::optional<KpiGroup> kpi_group_from_name(std::string_view name) {
  if (name == "grid") return KpiGroup::grid;
  if (name == "worker") return KpiGroup::worker;
  if (name == "department") return KpiGroup::department;
  return std::nullopt;
}

std::string_view kpi_group_name(KpiGroup g) {
  switch (g) {
    case KpiGroup::grid: return "grid";
    case KpiGroup::worker: return "worker";
    case KpiGroup::department: return "department";
  }
  return "grid";
}

std::optional<double> KpiRow::close_rate() const { return ratio(closed, due - deferred); }
std::optional<double> KpiRow::on_time_rate() const { return ratio(closed_on_time, due - deferred); }
std::optional<double> KpiRow::satisfaction() const { return ratio(score_sum, evaluated); }
std::optional<double> KpiRow::mean_handling_hours() const {
  auto r = ratio(handling_ms, closed);
  if (r) *r /= static_cast<double>(kHourMs);
  return r;
}

Status check_kpi_query(const KpiQuery& q) {
  auto from = parse_day(q.from), to = parse_day(q.to);
  if (!from) return Error{Code::invalid, "'from' must be a date YYYY-MM-DD, got '" + q.from + "'"};
  if (!to) return Error{Code::invalid, "'to' must be a date YYYY-MM-DD, got '" + q.to + "'"};
  if (*to < *from) return Error{Code::invalid, "'to' (" + q.to + ") is before 'from' (" + q.from + ")"};
  if (*to - *from >= kMaxDays) return Error{Code::invalid, "a report covers at most ten years"};
  return Status::ok();
}

Result<KpiReport> compute_kpi(Db& db, const KpiQuery& q) {
  if (auto st = check_kpi_query(q); !st) return st.error();
  KpiReport r;
  r.query = q;
  r.from_ms = *parse_day(q.from) * kDayMs - kChinaOffsetMs;
  r.to_ms = (*parse_day(q.to) + 1) * kDayMs - kChinaOffsetMs;
  Names names(db);
  Tally tally(names, q.group);
  auto wanted = [&](std::string_view grid) { return q.grids.empty() || q.grids.count(std::string(grid)); };
  auto key = [&](const std::string& grid, const std::string& user, const std::string& department) {
    switch (q.group) {
      case KpiGroup::grid: return names.unit_of(grid);
      case KpiGroup::worker: return user;
      case KpiGroup::department: return department;
    }
    return std::string();
  };

  auto cases = db.prepare(
      "SELECT grid_id, status, due_at, reported_at, closed_at, coalesce(deferred, 0), coalesce(rework, 0), score, "
      "coalesce(assignee_id, ''), coalesce(department_id, '') FROM cases "
      "WHERE due_at >= ? AND due_at < ? AND status != 'rejected' AND coalesce(deleted, 0) <> 1");
  cases.bind(1, r.from_ms).bind(2, r.to_ms);
  while (cases.step()) {
    std::string grid(cases.text(0));
    if (!wanted(grid)) continue;
    std::string_view status = cases.text(1);
    bool closed = status == "closed" || status == "evaluated";
    int64_t due_at = cases.int64(2), reported_at = cases.int64(3);
    bool has_closed_at = !cases.is_null(4);
    int64_t closed_at = cases.int64(4);
    bool deferred = cases.int64(5) != 0 && !closed;
    int64_t rework = cases.int64(6);
    bool scored = !cases.is_null(7);
    int64_t score = cases.int64(7);
    tally.add(key(grid, std::string(cases.text(8)), std::string(cases.text(9))), [&](KpiRow& row) {
      ++row.due;
      row.deferred += deferred;
      row.rework += rework;
      if (closed) {
        ++row.closed;
        if (has_closed_at) {
          row.closed_on_time += closed_at <= due_at;
          row.handling_ms += closed_at - reported_at;
        }
      }
      if (scored) {
        ++row.evaluated;
        row.score_sum += score;
      }
    });
  }

  auto count_work = [&](std::string_view sql, int64_t KpiRow::*field) {
    auto s = db.prepare(sql);
    s.bind(1, r.from_ms).bind(2, r.to_ms);
    while (s.step()) {
      std::string grid(s.text(0)), user(s.text(1));
      if (!wanted(grid)) continue;
      tally.add(key(grid, user, names.department_of(user)), [&](KpiRow& row) { ++(row.*field); });
    }
  };
  auto patrols = db.prepare(
      "SELECT grid_id, worker_id, coalesce(distance_m, 0), coalesce(inside_ms, 0) FROM patrols "
      "WHERE status = 'done' AND started_at >= ? AND started_at < ? AND coalesce(deleted, 0) <> 1");
  patrols.bind(1, r.from_ms).bind(2, r.to_ms);
  while (patrols.step()) {
    std::string grid(patrols.text(0)), user(patrols.text(1));
    if (!wanted(grid)) continue;
    int64_t metres = patrols.int64(2), inside = patrols.int64(3);
    tally.add(key(grid, user, names.department_of(user)), [&](KpiRow& row) {
      ++row.patrols;
      row.patrol_m += metres;
      row.patrol_inside_ms += inside;
    });
  }
  count_work("SELECT grid_id, visitor_id FROM visits WHERE visited_at >= ? AND visited_at < ? "
             "AND coalesce(deleted, 0) <> 1",
             &KpiRow::visits);
  return tally.finish(std::move(r));
}

namespace {

// The figures of a row in report order: JSON and CSV both list these.
using Figure = std::variant<int64_t, std::optional<double>>;
std::vector<std::pair<const char*, Figure>> figures(const KpiRow& r) {
  return {{"due", r.due},
          {"deferred", r.deferred},
          {"closed", r.closed},
          {"closed_on_time", r.closed_on_time},
          {"close_rate", r.close_rate()},
          {"on_time_rate", r.on_time_rate()},
          {"rework", r.rework},
          {"mean_handling_hours", r.mean_handling_hours()},
          {"patrols", r.patrols},
          {"patrol_distance_m", r.patrol_m},
          {"patrol_inside_ms", r.patrol_inside_ms},
          {"visits", r.visits},
          {"evaluated", r.evaluated},
          {"satisfaction", r.satisfaction()}};
}

Json row_json(const KpiRow& r) {
  Json j = Json::object();
  j.set("key", r.key);
  j.set("code", r.code);
  j.set("name", r.name);
  for (auto& [name, f] : figures(r)) {
    if (auto* n = std::get_if<int64_t>(&f)) j.set(name, *n);
    else if (auto& rate = std::get<std::optional<double>>(f)) j.set(name, *rate);
    else j.set(name, nullptr);
  }
  return j;
}

std::string fixed4(std::optional<double> v) {
  if (!v) return {};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", *v);
  return buf;
}

}  // namespace

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string kpi_json(const KpiReport& r) {
  Json j = Json::object();
  j.set("from", r.query.from);
  j.set("to", r.query.to);
  j.set("group", std::string(kpi_group_name(r.query.group)));
  Json rows = Json::array();
  for (const auto& row : r.rows) rows.push(row_json(row));
  j.set("rows", std::move(rows));
  j.set("total", row_json(r.total));
  return j.dump();
}

std::string kpi_csv(const KpiReport& r) {
  std::string out = "group,key,code,name";
  for (auto& [name, f] : figures(r.total)) out += std::string(",") + name;
  out += "\r\n";
  auto line = [&](std::string_view group, const KpiRow& row) {
    out += std::string(group) + "," + csv_field(row.key) + "," + csv_field(row.code) + "," + csv_field(row.name);
    for (auto& [name, f] : figures(row)) {
      auto* n = std::get_if<int64_t>(&f);
      out += "," + (n ? std::to_string(*n) : fixed4(std::get<std::optional<double>>(f)));
    }
    out += "\r\n";
  };
  for (const auto& row : r.rows) line(kpi_group_name(r.query.group), row);
  line("total", r.total);
  return out;
}

}  // namespace gw
