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
};

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

}  // namespace gw
