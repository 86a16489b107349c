#include <doctest/doctest.h>

#include "shared/ddl.hpp"
#include "shared/sqlite.hpp"

using namespace gw;

TEST_SUITE("ddl") {
  TEST_CASE("DDL derived from the specs round-trips through SQLite") {
    SqliteDb db(":memory:");
    for (const auto& t : all_tables()) {
      db.exec_ddl(create_table_sql(t, "_meta BLOB"));
      for (const auto& sql : create_index_sql(t)) db.exec(sql);
      // Read the table back as SQLite sees it and compare with the spec.
      auto info = db.prepare("SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid");
      info.bind(1, t.name);
      REQUIRE(info.step());
      CHECK(info.text(0) == "id");
      CHECK(info.int64(2) == 1);
      for (const auto& c : t.columns) {
        REQUIRE(info.step());
        CHECK(info.text(0) == c.name);
        CHECK(info.text(1) == db.ddl(sql_type(c.type)));
        CHECK(info.int64(2) == 0);
      }
      REQUIRE(info.step());
      CHECK(info.text(0) == "_meta");
      CHECK_FALSE(info.step());
    }
    // Re-running is harmless: replicas run it at every start.
    for (const auto& t : all_tables()) db.exec_ddl(create_table_sql(t, "_meta BLOB"));
    CHECK(db.query_int("SELECT count(*) FROM sqlite_schema WHERE type='table'") ==
          static_cast<int64_t>(all_tables().size()));
  }

  TEST_CASE("values of every type survive a write and a read") {
    SqliteDb db(":memory:");
    const auto& t = *find_table("cases");
    db.exec_ddl(create_table_sql(t));
    auto ins = db.prepare("INSERT INTO cases (id, title, score, confidential) VALUES (?, ?, ?, ?)");
    ins.bind(1, "0190b6f0-0000-7000-8000-000000000001").bind(2, "漏水 💧 'x'").bind(3, 5).bind(4, 1).run();
    auto sel = db.prepare("SELECT title, score, confidential, description FROM cases");
    REQUIRE(sel.step());
    CHECK(sel.text(0) == "漏水 💧 'x'");
    CHECK(std::get<int64_t>(sel.value(1)) == 5);
    CHECK(sel.int64(2) == 1);
    CHECK(is_null(sel.value(3)));
  }
}
