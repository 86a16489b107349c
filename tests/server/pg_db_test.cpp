// PostgreSQL behind the storage seam (server/pg_db.hpp), on a real throwaway
// cluster: what the engine writes reads back as SQLite would give it, the
// `?` parameters land where they stand, and a database restarted under a
// connection is reconnected to at the next transaction.
#include <doctest/doctest.h>

#include "server/pg_db.hpp"
#include "shared/sqlite.hpp"
#include "tests/support/pg_cluster.hpp"

namespace gw::test {

using server::PgDb;

TEST_SUITE_BEGIN("postgres-db");

TEST_CASE("? parameters are numbered outside strings, quoted names and comments") {
  CHECK(server::numbered_params("SELECT a FROM t WHERE b = ? AND c IN (?,?)") ==
        "SELECT a FROM t WHERE b = $1 AND c IN ($2,$3)");
  CHECK(server::numbered_params("SELECT '?', \"a?\" FROM t WHERE x = ? -- why?\n AND y = ?") ==
        "SELECT '?', \"a?\" FROM t WHERE x = $1 -- why?\n AND y = $2");
  CHECK(server::numbered_params("SELECT 'it''s ?' WHERE z = ?") == "SELECT 'it''s ?' WHERE z = $1");
}

// The same statements on both engines, and the same values out of each.
void round_trip(Db& db) {
  db.exec_ddl("CREATE TABLE t (id TEXT PRIMARY KEY, n {int}, r {real}, s TEXT, b {blob}, m {any})");
  std::string bytes("\x00\x01\xff\\x", 5);
  auto ins = db.prepare("INSERT INTO t (id, n, r, s, b, m) VALUES (?, ?, ?, ?, ?, ?)");
  ins.bind(1, "a").bind(2, int64_t{1796533075319}).bind(3, 0.1).bind(4, "漏水 'x' ?").bind_blob(5, bytes.data(), bytes.size());
  ins.bind(6, int64_t{7});
  ins.run();
  CHECK(db.changes() == 1);
  ins.bind(1, "b").bind(2, nullptr).bind(3, -2.5).bind(4, "").bind(5, nullptr).bind(6, "text");
  ins.run();
  auto sel = db.prepare("SELECT n, r, s, b, m FROM t WHERE id = ?");
  sel.bind(1, "a");
  REQUIRE(sel.step());
  CHECK(sel.type(0) == ColumnType::integer);
  CHECK(sel.int64(0) == 1796533075319);
  CHECK(sel.real(1) == 0.1);
  CHECK(sel.text(2) == "漏水 'x' ?");
  CHECK(sel.type(3) == ColumnType::blob);
  CHECK(sel.blob(3) == bytes);
  CHECK(sel.int64(4) == 7);
  CHECK_FALSE(sel.step());
  sel.reset();
  sel.bind(1, "b");
  REQUIRE(sel.step());
  CHECK(sel.is_null(0));
  CHECK(sel.text(2).empty());
  CHECK(sel.is_null(3));
  CHECK(sel.text(4) == "text");
  sel.reset();
  CHECK(db.query_int("SELECT sum(n) FROM t") == 1796533075319);
  CHECK(db.query_int("SELECT count(*) FROM t WHERE s > ''") == 1);
  auto upd = db.prepare("UPDATE t SET n = coalesce(n, 0) + ? WHERE id IN (?, ?)");
  upd.bind(1, 1).bind(2, "a").bind(3, "b").run();
  CHECK(db.changes() == 2);
  CHECK(db.column_names("t") == std::vector<std::string>{"id", "n", "r", "s", "b", "m"});
  CHECK(db.column_names("no_such_table").empty());
  // Ids sort byte-wise, as on every tablet: upper case before lower case.
  db.prepare("INSERT INTO t (id) VALUES (?)").bind(1, "B").run();
  auto order = db.prepare("SELECT id FROM t ORDER BY id");
  std::string ids;
  while (order.step()) ids += order.text(0);
  CHECK(ids == "Bab");
}

TEST_CASE("values round-trip the same on SQLite and on PostgreSQL") {
  SqliteDb lite(":memory:");
  round_trip(lite);
  PgCluster pg;
  REQUIRE_MESSAGE(pg.ready(), pg.why());
  PgDb db(pg.url());
  round_trip(db);
}

TEST_CASE("a transaction rolled back leaves nothing; a failed one says why and can be rolled back") {
  PgCluster pg;
  REQUIRE_MESSAGE(pg.ready(), pg.why());
  PgDb db(pg.url());
  db.exec_ddl("CREATE TABLE t (id TEXT PRIMARY KEY, n {int})");
  {
    Transaction txn(db);
    CHECK(db.in_transaction());
    db.prepare("INSERT INTO t VALUES (?, ?)").bind(1, "a").bind(2, 1).run();
  }
  CHECK_FALSE(db.in_transaction());
  CHECK(db.query_int("SELECT count(*) FROM t") == 0);
  {
    Transaction txn(db);
    db.prepare("INSERT INTO t VALUES (?, ?)").bind(1, "a").bind(2, 1).run();
    auto again = db.prepare("INSERT INTO t VALUES (?, ?)");
    again.bind(1, "a").bind(2, 2);
    try {
      again.run();
      FAIL("a duplicate key was taken");
    } catch (const DbError& e) {
      CHECK(e.kind() == DbError::Kind::constraint);
    }
  }
  CHECK(db.query_int("SELECT count(*) FROM t") == 0);
  // A failure swallowed inside a transaction: its COMMIT is refused, not a silent rollback.
  db.begin_write();
  db.prepare("INSERT INTO t VALUES (?, ?)").bind(1, "b").bind(2, 1).run();
  CHECK_THROWS_AS(db.exec("SELECT no_such_column FROM t"), DbError);
  CHECK_THROWS_AS(db.commit(), DbError);
  CHECK_FALSE(db.in_transaction());
  CHECK(db.query_int("SELECT count(*) FROM t") == 0);
  CHECK(db.where() == pg.url());
}

TEST_CASE("a connection lost inside a transaction fails its commit; it is not made anew under it") {
  PgCluster pg;
  REQUIRE_MESSAGE(pg.ready(), pg.why());
  PgDb db(pg.url());
  db.exec_ddl("CREATE TABLE t (id TEXT PRIMARY KEY)");
  db.begin_write();
  db.prepare("INSERT INTO t VALUES (?)").bind(1, "lost").run();
  pg.stop_fast();
  REQUIRE(pg.start());
  CHECK_THROWS_AS(db.prepare("INSERT INTO t VALUES (?)").bind(1, "after").run(), DbError);
  CHECK_THROWS_AS(db.commit(), DbError);
  CHECK(db.query_int("SELECT count(*) FROM t") == 0);  // outside the transaction: a new connection
}

TEST_CASE("a database restarted under the connection is reconnected at the next transaction") {
  PgCluster pg;
  REQUIRE_MESSAGE(pg.ready(), pg.why());
  PgDb db(pg.url());
  db.exec_ddl("CREATE TABLE t (id TEXT PRIMARY KEY)");
  auto count = db.prepare("SELECT count(*) FROM t");
  REQUIRE(count.step());
  count.reset();
  pg.stop_fast();
  REQUIRE(pg.start());
  CHECK_THROWS_AS(db.query_int("SELECT 1"), DbError);  // the old connection is gone...
  Transaction txn(db);                                   // ...and a new one is made here
  db.prepare("INSERT INTO t VALUES (?)").bind(1, "x").run();
  txn.commit();
  REQUIRE(count.step());
  CHECK(count.int64(0) == 1);
}

TEST_CASE("a database that sorts text by a locale is refused with the way to make one that does not") {
  PgCluster pg;
  REQUIRE_MESSAGE(pg.ready(), pg.why());
  // ICU ships with Debian's PostgreSQL, whatever locales the system has.
  REQUIRE(pg.psql("CREATE DATABASE loc TEMPLATE template0 LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'zh'"));
  try {
    PgDb db(pg.url("loc"));
    FAIL("a locale-sorted database was taken");
  } catch (const DbError& e) {
    CHECK(e.kind() == DbError::Kind::mismatch);
    CHECK(std::string(e.what()).find("--locale=C") != std::string::npos);
  }
}

TEST_SUITE_END();

}  // namespace gw::test
