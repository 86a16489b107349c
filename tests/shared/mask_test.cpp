// Masked numbers (DESIGN §8): which columns the schema masks, how, and for whom.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "shared/checks.hpp"
#include "shared/mask.hpp"

using namespace gw;

namespace {
const ColumnSpec& column(std::string_view table, std::string_view name) {
  const TableSpec* t = find_table(table);
  REQUIRE(t);
  const ColumnSpec* c = t->find(name);
  REQUIRE(c);
  return *c;
}
}  // namespace

TEST_SUITE("mask") {
  TEST_CASE("the schema masks every phone column and the residents' ID numbers, and nothing else") {
    std::set<std::string> masked;
    for (const auto& t : all_tables())
      for (const auto& c : t.columns) {
        if (c.check == &is_phone_text) CHECK_MESSAGE(c.mask == Mask::phone, t.name, ".", c.name);
        if (c.mask == Mask::none) continue;
        CHECK_MESSAGE(c.pii, t.name, ".", c.name, " is masked, so personal data");
        masked.insert(std::string(t.name) + "." + std::string(c.name));
      }
    CHECK(masked == std::set<std::string>{"departments.phone", "households.phone", "residents.id_number",
                                          "residents.phone", "enterprises.contact_phone", "cases.caller_phone"});
    CHECK(column("residents", "id_number").mask == Mask::id_number);
  }

  TEST_CASE("a phone keeps its first 3 and last 4, an ID number its first 4 and last 4") {
    const auto& phone = column("households", "phone");
    const auto& id = column("residents", "id_number");
    CHECK(mask_value(phone, "13812345678") == "138****5678");
    CHECK(mask_value(phone, "0595-22881234") == "059******1234");
    CHECK(mask_value(id, "35050219900101123X") == "3505**********123X");
    // Too short to keep 7 and hide 4: only the last 2 stay.
    CHECK(mask_value(phone, "22881234") == "******34");
    CHECK(mask_value(phone, "12345") == "*****");
    CHECK(mask_value(phone, "") == "");
    CHECK(mask_value(phone, "电话号码") == "****");  // never a valid number: hidden whole
    CHECK(mask_value(column("households", "head_name"), "张三") == "张三");  // not a masked column
  }

  TEST_CASE("only admins see the numbers in clear") {
    const auto& phone = column("cases", "caller_phone");
    CHECK(sees_numbers_in_clear(RoleSet{Role::admin}));
    CHECK(sees_numbers_in_clear(RoleSet{Role::supervisor, Role::admin}));
    for (Role r : {Role::worker, Role::chief, Role::cadre, Role::supervisor}) {
      CHECK_FALSE(sees_numbers_in_clear(RoleSet{r}));
      CHECK(shown_value(phone, RoleSet{r}, "13812345678") == "138****5678");
    }
    CHECK(shown_value(phone, RoleSet{Role::admin}, "13812345678") == "13812345678");
  }

  TEST_CASE("reveals: a user-bucketed audit table only its own user writes, nothing in it changes") {
    const TableSpec* t = find_table("reveals");
    REQUIRE(t);
    CHECK(t->bucket == BucketRule::user);
    CHECK(t->bucket_column == "user_id");
    CHECK(t->own_rows_only);
    for (const auto& c : t->columns) CHECK_MESSAGE(c.merge == Merge::immutable, c.name);
    CHECK(kSchemaVersion >= 4);
    CHECK(table_index(*t) == 14);  // appended: older stores keep their table indexes
  }
}
