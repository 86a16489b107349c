// The case workflow's vocabulary (DESIGN §5): statuses in workflow order and
// the actions recorded in case_log. The rules of who may move a case where
// build on these names.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "shared/error.hpp"
#include "shared/roles.hpp"

namespace gw {

// Order matters: the rank of a status is its index; `state` merges of
// concurrent moves along the main line keep the further one.
inline constexpr std::string_view kCaseStatusNames[] = {
    "reported", "accepted", "rejected", "dispatched", "handling",
    "resolved", "verified", "closed",   "evaluated",
};

inline constexpr std::string_view kCaseActionNames[] = {
    "report", "accept",   "reject", "dispatch", "escalate", "start", "resolve",
    "verify", "rework",   "close",  "evaluate", "comment",  "assign", "defer",
};

// Index of a status in kCaseStatusNames, or -1.
constexpr int case_status_rank(std::string_view status) {
  int i = 0;
  for (auto s : kCaseStatusNames) {
    if (s == status) return i;
    ++i;
  }
  return -1;
}

// One legal move of the case workflow: who may take `action` on a case in
// status `from`, where it goes, and what the move must carry. The client
// offers exactly these; the server refuses the rest.
struct CaseMove {
  std::string_view action;
  std::string_view from;  // "" for report: the case is being created
  std::string_view to;    // the same as from for a comment
  RoleSet roles;
  bool needs_note = false;        // a reason: rejection, rework, escalation
  bool needs_resolution = false;  // resolve: what was done
  bool needs_score = false;       // evaluate: satisfaction 1..5
  bool needs_route = false;       // dispatch: grid team or department
};

// What one step carries: the action, the status its author saw, and the
// fields a move may need. Read from a form on the tablet or from a pushed
// patch on the server, and judged by the same check_case_step().
struct CaseStep {
  std::string_view action = {};
  std::string_view from = {};  // "" for report
  std::string_view note = {};
  std::string_view resolution = {};
  std::string_view route = {};
  int score = 0;
};

// ok, or why not in words the actor can act on: Code::state (no such move
// from this status), Code::forbidden (the move is not this role's) or
// Code::missing (a reason, result, score or route is absent).
Status check_case_step(RoleSet roles, const CaseStep& step);

// Whether a holder of `roles` may open a case from `source` (patrol, visit,
// hotline, assigned), with a caller's details or not: hotline calls (民声热线)
// are taken by the service centre, and only they carry a caller.
Status check_new_case(RoleSet roles, std::string_view source, bool has_caller);

// The columns of `cases` that only a move writes (status, the move's own
// record, and what each action sets), and whether `action` may write one.
bool is_case_workflow_column(std::string_view column);
bool case_move_writes(std::string_view action, std::string_view column);

std::span<const CaseMove> case_moves();
// The moves a holder of `roles` may make on a case in `status`, in table order.
std::vector<const CaseMove*> case_moves_for(RoleSet roles, std::string_view status);
const CaseMove* find_case_move(std::string_view action, std::string_view from);
// Open means still in someone's hands: not rejected, closed or evaluated.
bool case_is_open(std::string_view status);
// The same, as an SQL list for `status IN ...`.
inline constexpr std::string_view kOpenCaseStatusesSql =
    "('reported', 'accepted', 'dispatched', 'handling', 'resolved', 'verified')";

}  // namespace gw
