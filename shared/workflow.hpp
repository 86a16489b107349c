// The case workflow's vocabulary (DESIGN §5): statuses in workflow order and
// the actions recorded in case_log. The rules of who may move a case where
// build on these names.
#pragma once

#include <span>
#include <string_view>
#include <vector>

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
    "verify", "rework",   "close",  "evaluate", "comment",  "assign",
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
// offers exactly these; the server will refuse the rest (issue 6).
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

std::span<const CaseMove> case_moves();
// The moves a holder of `roles` may make on a case in `status`, in table order.
std::vector<const CaseMove*> case_moves_for(RoleSet roles, std::string_view status);
const CaseMove* find_case_move(std::string_view action, std::string_view from);
// Open means still in someone's hands: not rejected, closed or evaluated.
bool case_is_open(std::string_view status);

}  // namespace gw
