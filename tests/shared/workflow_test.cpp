// Every (role, status, action) triple of the case workflow, checked against
// the rules written out by hand in tests/support/workflow_rules.hpp.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "shared/workflow.hpp"
#include "tests/support/workflow_rules.hpp"

using namespace gw;

namespace {

using test::kRules;
using test::rule_for;

CaseStep full_step(std::string_view action, std::string_view from) {
  return CaseStep{action, from, "理由", "已处理", "grid", 5};
}

}  // namespace

TEST_SUITE("workflow") {
  TEST_CASE("every (role, status, action): allowed ones pass, the rest say why") {
    int allowed = 0, refused = 0;
    std::vector<std::string_view> froms{""};
    for (auto s : kCaseStatusNames) froms.push_back(s);
    for (Role role : kAllRoles)
      for (auto from : froms)
        for (auto action : kCaseActionNames) {
          CAPTURE(role_name(role));
          CAPTURE(from);
          CAPTURE(action);
          const test::Rule* r = rule_for(action, from);
          bool may = test::may_take(RoleSet{role}, action, from);
          Status st = check_case_step(RoleSet{role}, full_step(action, from));
          CHECK(st.is_ok() == may);
          if (may) {
            ++allowed;
            continue;
          }
          ++refused;
          CHECK(st.error().code == (r ? Code::forbidden : Code::state));
          CHECK_FALSE(st.error().message.empty());
        }
    CHECK(allowed == 29);  // the letters in kRules' roles
    CHECK(refused == 5 * 10 * 14 - 29);
  }

  TEST_CASE("a move without its reason, result, score or route is refused as missing") {
    for (const auto& r : kRules) {
      for (char need : std::string_view(r.needs)) {
        CAPTURE(r.action);
        CAPTURE(need);
        CaseStep step = full_step(r.action, r.from);
        if (need == 'n') step.note = "  ";
        if (need == 'r') step.resolution = "";
        if (need == 's') step.score = 6;
        if (need == 'o') step.route = "elsewhere";
        Status st = check_case_step(RoleSet{Role::worker, Role::chief, Role::cadre, Role::supervisor}, step);
        REQUIRE_FALSE(st.is_ok());
        CHECK(st.error().code == Code::missing);
      }
    }
    // Nothing more is asked of the others.
    CHECK(check_case_step(RoleSet{Role::chief}, {.action = "accept", .from = "reported"}).is_ok());
  }

  TEST_CASE("the table and the move columns agree with the hand-written rules") {
    CHECK(case_moves().size() == std::size(kRules));
    for (const auto& m : case_moves()) {
      CAPTURE(m.action);
      const test::Rule* r = rule_for(m.action, m.from);
      REQUIRE(r);
      CHECK(m.to == std::string_view(r->to));
      CHECK(m.needs_note == (std::string_view(r->needs).find('n') != std::string_view::npos));
    }
    CHECK(case_move_writes("resolve", "resolution"));
    CHECK_FALSE(case_move_writes("resolve", "score"));
    CHECK(case_move_writes("evaluate", "score"));
    CHECK(case_move_writes("close", "closed_at"));
    CHECK_FALSE(case_move_writes("verify", "closed_at"));
    CHECK(case_move_writes("defer", "deferred"));
    CHECK(is_case_workflow_column("status"));
    CHECK_FALSE(is_case_workflow_column("description"));
  }

  TEST_CASE("who opens a case, and from where") {
    CHECK(check_new_case(RoleSet{Role::worker}, "patrol", false).is_ok());
    CHECK(check_new_case(RoleSet{Role::supervisor}, "hotline", true).is_ok());
    CHECK(check_new_case(RoleSet{Role::worker}, "hotline", true).error().code == Code::forbidden);
    CHECK(check_new_case(RoleSet{Role::supervisor}, "patrol", true).error().code == Code::invalid);
    CHECK(check_new_case(RoleSet{Role::admin}, "patrol", false).error().code == Code::forbidden);
  }
}
