#include "shared/workflow.hpp"

namespace gw {
namespace {

constexpr RoleSet kReporters{Role::worker, Role::chief, Role::cadre, Role::supervisor};
constexpr RoleSet kTriage{Role::chief, Role::supervisor};
constexpr RoleSet kHandlers{Role::worker, Role::chief, Role::cadre};
constexpr RoleSet kCentre{Role::supervisor};

// DESIGN §5: 上报 → 立案/不予受理 → 分流 → 处置 → 反馈 → 核查 (返工) → 结案 → 回访.
// Escalation keeps the case dispatched but routes it to a department.
constexpr CaseMove kMoves[] = {
    {"report", "", "reported", kReporters},
    {"accept", "reported", "accepted", kTriage},
    {"reject", "reported", "rejected", kTriage, true},
    {"dispatch", "accepted", "dispatched", kTriage, false, false, false, true},
    {"escalate", "dispatched", "dispatched", kTriage, true},
    {"escalate", "handling", "dispatched", kHandlers, true},
    {"start", "dispatched", "handling", kHandlers},
    {"resolve", "handling", "resolved", kHandlers, false, true},
    {"verify", "resolved", "verified", kTriage},
    {"rework", "resolved", "handling", kTriage, true},
    {"close", "verified", "closed", kCentre},
    {"evaluate", "closed", "evaluated", kCentre, false, false, true},
    // 缓办: the centre postpones a case it cannot close in time for a reason
    // outside the handlers' hands; KPIs then leave it out of what was due.
    {"defer", "dispatched", "dispatched", kCentre, true},
    {"defer", "handling", "handling", kCentre, true},
};

// What each move writes besides status, last_action and status_note. A
// patch that writes any other workflow column is not that move.
struct MoveColumns {
  std::string_view action;
  std::string_view columns[3];
};
constexpr MoveColumns kMoveColumns[] = {
    {"report", {"rework"}},
    {"dispatch", {"route", "department_id", "assignee_id"}},
    {"escalate", {"route", "department_id"}},
    {"start", {"assignee_id"}},
    {"resolve", {"resolution"}},
    {"rework", {"rework"}},
    {"close", {"closed_at"}},
    {"evaluate", {"score"}},
    {"defer", {"deferred"}},
};

constexpr std::string_view kWorkflowColumns[] = {
    "status", "last_action", "status_note", "route",  "department_id", "assignee_id",
    "resolution", "score",   "rework",      "closed_at", "deferred",
};

bool blank(std::string_view s) { return s.find_first_not_of(" \t\n") == std::string_view::npos; }

}  // namespace

std::span<const CaseMove> case_moves() { return kMoves; }

std::vector<const CaseMove*> case_moves_for(RoleSet roles, std::string_view status) {
  std::vector<const CaseMove*> out;
  for (const auto& m : kMoves)
    if (m.from == status && m.roles.intersects(roles)) out.push_back(&m);
  return out;
}

const CaseMove* find_case_move(std::string_view action, std::string_view from) {
  for (const auto& m : kMoves)
    if (m.action == action && m.from == from) return &m;
  return nullptr;
}

bool case_is_open(std::string_view status) {
  return status != "rejected" && status != "closed" && status != "evaluated";
}

Status check_case_step(RoleSet roles, const CaseStep& step) {
  const CaseMove* move = find_case_move(step.action, step.from);
  if (!move) {
    std::string from = step.from.empty() ? "new" : std::string(step.from);
    return Error{Code::state, "a case that is " + from + " cannot take '" + std::string(step.action) + "'"};
  }
  if (!move->roles.intersects(roles))
    return Error{Code::forbidden, "role " + roles.to_string() + " may not " + std::string(step.action) +
                                      " a case (that is for " + move->roles.to_string() + ")"};
  if (move->needs_note && blank(step.note)) return Error{Code::missing, "give a reason"};
  if (move->needs_resolution && blank(step.resolution)) return Error{Code::missing, "say how it was resolved"};
  if (move->needs_score && (step.score < 1 || step.score > 5)) return Error{Code::missing, "give a score from 1 to 5"};
  if (move->needs_route && step.route != "grid" && step.route != "department")
    return Error{Code::missing, "choose grid or department"};
  return Status::ok();
}

Status check_new_case(RoleSet roles, std::string_view source, bool has_caller) {
  if (auto st = check_case_step(roles, {.action = "report"}); !st) return st;
  if (source == "hotline" && !roles.intersects(kCentre))
    return Error{Code::forbidden, "hotline calls are taken by the service centre (supervisor)"};
  if (has_caller && source != "hotline") return Error{Code::invalid, "only a hotline case has a caller"};
  return Status::ok();
}

bool is_case_workflow_column(std::string_view column) {
  for (auto c : kWorkflowColumns)
    if (c == column) return true;
  return false;
}

bool case_move_writes(std::string_view action, std::string_view column) {
  if (column == "status" || column == "last_action" || column == "status_note") return true;
  for (const auto& m : kMoveColumns)
    if (m.action == action)
      for (auto c : m.columns)
        if (!c.empty() && c == column) return true;
  return false;
}

}  // namespace gw
