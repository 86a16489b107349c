// The case workflow's vocabulary (DESIGN §5): statuses in workflow order and
// the actions recorded in case_log. The rules of who may move a case where
// build on these names.
#pragma once

#include <string_view>

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

}  // namespace gw
