// The case workflow (DESIGN §5) written out by hand, apart from the code's
// own table in shared/workflow.cpp: the expectations of the table-driven
// tests on shared/, the client core and the real server.
#pragma once

#include <string_view>

#include "shared/roles.hpp"
#include "shared/workflow.hpp"

namespace gw::test {

struct Rule {
  const char* action;
  const char* from;
  const char* to;
  const char* roles;  // w worker, c chief, k cadre, s supervisor
  const char* needs;  // n note, r resolution, s score, o route
};

// 上报 → 立案/不予受理 → 分流 → 处置 → 反馈 → 核查 (返工) → 结案 → 回访, with
// escalation to a department and the centre's deferral (缓办).
inline constexpr Rule kRules[] = {
    {"report", "", "reported", "wcks", ""},
    {"accept", "reported", "accepted", "cs", ""},
    {"reject", "reported", "rejected", "cs", "n"},
    {"dispatch", "accepted", "dispatched", "cs", "o"},
    {"escalate", "dispatched", "dispatched", "cs", "n"},
    {"escalate", "handling", "dispatched", "wck", "n"},
    {"start", "dispatched", "handling", "wck", ""},
    {"resolve", "handling", "resolved", "wck", "r"},
    {"verify", "resolved", "verified", "cs", ""},
    {"rework", "resolved", "handling", "cs", "n"},
    {"close", "verified", "closed", "s", ""},
    {"evaluate", "closed", "evaluated", "s", "s"},
    {"defer", "dispatched", "dispatched", "s", "n"},
    {"defer", "handling", "handling", "s", "n"},
};

inline const Rule* rule_for(std::string_view action, std::string_view from) {
  for (const auto& r : kRules)
    if (r.action == action && r.from == from) return &r;
  return nullptr;
}

inline char role_letter(Role r) {
  switch (r) {
    case Role::worker: return 'w';
    case Role::chief: return 'c';
    case Role::cadre: return 'k';
    case Role::supervisor: return 's';
    case Role::admin: return 'a';
  }
  return '?';
}

// Whether a holder of `roles` may take `action` on a case that is `from`.
inline bool may_take(RoleSet roles, std::string_view action, std::string_view from) {
  const Rule* r = rule_for(action, from);
  if (!r) return false;
  for (Role role : kAllRoles)
    if (roles.has(role) && std::string_view(r->roles).find(role_letter(role)) != std::string_view::npos) return true;
  return false;
}

}  // namespace gw::test
