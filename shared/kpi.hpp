// The figures a park is assessed by (考核, DESIGN §5), computed from the
// synced tables themselves, so the server's report and a supervisor's tablet
// offline give the same numbers for the same rows.
//
// A case counts in a period when its deadline (due_at) falls in it and it
// was not rejected: that is what was due (应结案). Of those:
//   deferred   postponed by the centre (缓办) and not closed
//   closed     closed or evaluated (closed_at set)
//   on time    closed no later than due_at
//   close rate    closed ÷ (due − deferred)          结案率
//   on-time rate  on time ÷ (due − deferred)         按期结案率
//   rework     returns for rework (返工) of those cases
//   handling   mean closed_at − reported_at of the closed ones, hours
//   satisfaction  mean call-back score (1–5) of the evaluated ones
// Patrols (done, by start time) and visits (by visit time) count in the
// period they happened; so do the patrols' distance and time inside their
// grid (patrols.distance_m, inside_ms, measured on the tablet at the end). Periods are China dates, both ends inclusive.
//
// Groups: `grid` is the unit grid (单元网格, level 2) a record's grid lies in,
// so a row is one worker's area; `worker` is the case's handler (assignee),
// the patrol's worker and the visitor; `department` is the department a case
// was routed to, and a patrol's or visit's user's department. Records with
// no group (a case nobody has taken yet, a worker with no department) count
// in the total only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "shared/error.hpp"
#include "shared/sqlite.hpp"

namespace gw {

enum class KpiGroup { grid, worker, department };

std::optional<KpiGroup> kpi_group_from_name(std::string_view name);
std::string_view kpi_group_name(KpiGroup g);

struct KpiQuery {
  std::string from, to;  // YYYY-MM-DD, China dates, both inclusive
  KpiGroup group = KpiGroup::grid;
  std::set<std::string> grids;  // only records of these grids; empty: all
};

struct KpiRow {
  std::string key;   // grid, user or department id; "" for the total
  std::string code;  // grid code or username; empty otherwise
  std::string name;
  int64_t due = 0, deferred = 0, closed = 0, closed_on_time = 0, rework = 0;
  int64_t handling_ms = 0;  // summed over the closed cases
  int64_t evaluated = 0, score_sum = 0;
  int64_t patrols = 0, visits = 0;
  // Of the done patrols: metres walked (their tracks' length) and time
  // inside the patrol's own grid (issue 23); a patrol with no track adds 0.
  int64_t patrol_m = 0, patrol_inside_ms = 0;

  // nullopt where the denominator is zero: "no case was due" is not 0%.
  std::optional<double> close_rate() const;
  std::optional<double> on_time_rate() const;
  std::optional<double> mean_handling_hours() const;
  std::optional<double> satisfaction() const;
};

struct KpiReport {
  KpiQuery query;
  int64_t from_ms = 0, to_ms = 0;  // [from_ms, to_ms)
  std::vector<KpiRow> rows;        // by code or name
  KpiRow total;
};

// Checks a query's dates: YYYY-MM-DD, real dates, from <= to, at most ten years.
Status check_kpi_query(const KpiQuery& q);

// Reads cases, patrols, visits, grids, users and departments of `db`.
Result<KpiReport> compute_kpi(Db& db, const KpiQuery& q);

std::string kpi_json(const KpiReport& r);
// One header line, then a row per group and a last row "total"; rates as
// fractions with four decimals, empty where undefined.
std::string kpi_csv(const KpiReport& r);
// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
// break. The KPI and audit exports write their fields through it.
std::string csv_field(std::string_view s);

}  // namespace gw
