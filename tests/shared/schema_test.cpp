#include <doctest/doctest.h>

#include <set>
#include <string>

#include "shared/schema.hpp"

using namespace gw;

TEST_SUITE("schema") {
  TEST_CASE("tables and columns have unique names and sane specs") {
    std::set<std::string_view> tables;
    for (const auto& t : all_tables()) {
      CHECK(tables.insert(t.name).second);
      std::set<std::string_view> cols;
      for (const auto& c : t.columns) {
        CHECK_MESSAGE(cols.insert(c.name).second, t.name, ".", c.name);
        CHECK(c.name != "id");
        if (!c.one_of.empty()) CHECK(c.type == ColType::text);
      }
      CHECK_FALSE(t.writers.empty());
      if (t.bucket == BucketRule::grid || t.bucket == BucketRule::user) {
        // A row's bucket never changes: the bucket column is set once.
        const auto* b = t.find(t.bucket_column);
        REQUIRE_MESSAGE(b, t.name);
        CHECK(b->required);
        CHECK(b->merge == Merge::immutable);
      }
      CHECK(find_table(t.name) == &t);
      CHECK(&all_tables()[static_cast<size_t>(table_index(t))] == &t);
    }
    CHECK(find_table("nope") == nullptr);
  }

  TEST_CASE("the fixed points of DESIGN §10 exist with their policies") {
    struct Want { const char* table; const char* column; };
    for (Want w : {Want{"grids", "parent_id"}, {"grids", "level"}, {"grids", "code"}, {"grids", "name"},
                   {"grids", "kind"}, {"grids", "mode"}, {"grids", "department_id"}, {"users", "username"},
                   {"users", "name"}, {"users", "roles"}, {"users", "department_id"}, {"departments", "name"},
                   {"assignments", "user_id"}, {"assignments", "grid_id"}, {"assignments", "kind"},
                   {"assignments", "active"}, {"households", "grid_id"}, {"households", "address"},
                   {"households", "head_name"}, {"households", "phone"}, {"cases", "grid_id"},
                   {"cases", "category"}, {"cases", "severity"}, {"cases", "title"}, {"cases", "description"},
                   {"cases", "status"}, {"cases", "reporter_id"}, {"case_log", "case_id"},
                   {"case_log", "action"}, {"case_log", "note"}, {"takeovers", "grid_id"},
                   {"takeovers", "department_id"}, {"takeovers", "reason"}, {"takeovers", "started_at"},
                   {"takeovers", "ended_at"}, {"conflicts", "tbl"}, {"conflicts", "row_id"},
                   {"conflicts", "col"}, {"conflicts", "status"}, {"conflicts", "resolution"},
                   {"conflicts", "value"}}) {
      const auto* t = find_table(w.table);
      REQUIRE_MESSAGE(t, w.table);
      CHECK_MESSAGE(t->find(w.column), w.table, ".", w.column);
    }
    auto merge = [](const char* t, const char* c) { return find_table(t)->find(c)->merge; };
    CHECK(merge("households", "head_name") == Merge::review);
    CHECK(merge("households", "phone") == Merge::review);
    CHECK(merge("households", "address") == Merge::review);
    CHECK(merge("cases", "description") == Merge::review);
    CHECK(merge("cases", "status") == Merge::state);
  }

  TEST_CASE("personal data is marked") {
    for (auto [t, c] : {std::pair{"households", "phone"}, {"households", "head_name"}, {"residents", "id_number"},
                        {"residents", "name"}, {"residents", "phone"}, {"enterprises", "contact_phone"}})
      CHECK_MESSAGE(find_table(t)->find(c)->pii, t, ".", c);
    CHECK_FALSE(find_table("cases")->find("title")->pii);
  }

  TEST_CASE("roles parse and print") {
    auto r = RoleSet::parse("worker,chief");
    REQUIRE(r);
    CHECK(r->has(Role::worker));
    CHECK(r->has(Role::chief));
    CHECK_FALSE(r->has(Role::admin));
    CHECK(r->to_string() == "worker,chief");
    CHECK_FALSE(RoleSet::parse("worker,pirate"));
  }
}
