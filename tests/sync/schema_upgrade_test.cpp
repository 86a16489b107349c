// A store made by an older build opens in this one with its rows, clocks and
// unsynced records (columns are only appended, shared/schema.hpp); a store of
// a newer build, or of a spec with other columns, is refused.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "fixture.hpp"
#include "shared/ddl.hpp"
#include "tests/support/test_device.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;
using gw::test::TestDevice;

namespace {

struct TempFile {
  TempFile() {
    char tmpl[] = "/tmp/gridwork-store-XXXXXX";
    dir = mkdtemp(tmpl);
    path = dir + "/replica.db";
  }
  ~TempFile() { std::filesystem::remove_all(dir); }
  std::string dir, path;
};

// The cases columns of schema version 1: all but the four version 2 added
// and the fix version 6 added.
constexpr size_t kV1CaseColumns = 24;

}  // namespace

TEST_SUITE("schema upgrade") {
  TEST_CASE("a version 1 store gains the new columns; its rows, clocks and unsynced records stay") {
    Park park;
    TempFile f;
    const TableSpec& cases = T("cases");
    REQUIRE(cases.columns.size() == kV1CaseColumns + 5);
    CHECK(cases.columns.back().name == "fix");
    CHECK(cases.columns[kV1CaseColumns].name == "last_action");
    std::string id;
    HlcTime title_hlc = 0;
    {
      TestDevice old(f.path, "dev-old", [&] { return park.wall; }, 11);
      auto made = old.replica.create(
          cases, F(cases, {{"grid_id", park.id("A")}, {"source", std::string("patrol")},
                           {"category", std::string("0302")}, {"severity", std::string("normal")},
                           {"title", std::string("楼道堆物")}, {"status", std::string("reported")},
                           {"reported_at", kStart}}));
      REQUIRE(made);
      id = *made;
      Row row;
      REQUIRE(old.replica.store().load(cases, id, row));
      title_hlc = row.clocks[static_cast<size_t>(cases.index_of("title"))].hlc;
      // What a version 1 build left: no version 2 columns, no clocks for them.
      for (size_t c = kV1CaseColumns; c < cases.columns.size(); ++c)
        old.db.exec("ALTER TABLE cases DROP COLUMN " + std::string(cases.columns[c].name));
      old.db.exec("UPDATE cases SET _clk = substr(_clk, 1, " +
                  std::to_string(kV1CaseColumns * kPackedClockBytes) + ")");
      old.db.exec("UPDATE _meta SET value = 1 WHERE key = 'schema_version'");
    }
    TestDevice dev(f.path, "dev-old", [&] { return park.wall; }, 11);
    CHECK(dev.db.query_int("SELECT value FROM _meta WHERE key = 'schema_version'") == kSchemaVersion);
    CHECK(dev.db.query_int("SELECT count(*) FROM pragma_table_info('cases') WHERE name = 'closed_at'") == 1);
    Row row;
    REQUIRE(dev.replica.store().load(cases, id, row));
    CHECK(text(dev.replica, "cases", id, "title") == "楼道堆物");
    CHECK(row.clocks[static_cast<size_t>(cases.index_of("title"))].hlc == title_hlc);
    CHECK(row.clocks[static_cast<size_t>(cases.index_of("closed_at"))].hlc == 0);
    CHECK(dev.replica.pending_count() == 1);

    // The record made before the update still reaches the server, and the
    // new columns take writes.
    LoopbackTransport link(park.server, Principal{park.id("worker"), "dev-old"});
    SyncClient client(dev.replica, link);
    REQUIRE(client.sync());
    CHECK(dev.replica.pending_count() == 0);
    Row held;
    REQUIRE(park.server.store().load(cases, id, held));
    CHECK(value_to_string(held.values[static_cast<size_t>(cases.index_of("title"))]) == "楼道堆物");
  }

  TEST_CASE("a version 3 store gains the reveals and attachments tables, and a reveal recorded on it reaches the server") {
    Park park;
    TempFile f;
    const TableSpec& reveals = T("reveals");
    {
      TestDevice old(f.path, "dev-old", [&] { return park.wall; }, 12);
      old.db.exec("DROP TABLE reveals");
      old.db.exec("DROP TABLE attachments");
      old.db.exec("UPDATE _meta SET value = 3 WHERE key = 'schema_version'");
    }
    TestDevice dev(f.path, "dev-old", [&] { return park.wall; }, 12);
    CHECK(dev.db.query_int("SELECT value FROM _meta WHERE key = 'schema_version'") == kSchemaVersion);
    CHECK(dev.db.query_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'reveals'") == 1);
    CHECK(dev.db.query_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'attachments'") == 1);
    auto made = dev.replica.create(
        reveals, F(reveals, {{"user_id", park.id("worker")}, {"device", std::string("dev-old")},
                             {"tbl", std::string("households")}, {"row_id", park.id("Ah0")},
                             {"col", std::string("phone")}, {"at", kStart}}));
    REQUIRE(made);
    LoopbackTransport link(park.server, Principal{park.id("worker"), "dev-old"});
    SyncClient client(dev.replica, link);
    REQUIRE(client.sync());
    CHECK(dev.replica.pending_count() == 0);
    Row held;
    CHECK(park.server.store().load(reveals, *made, held));
  }

  TEST_CASE("a store of a newer build, or with columns this build does not have in that place, is refused") {
    TempFile newer, renamed;
    for (const auto* f : {&newer, &renamed}) TestDevice made(f->path, "dev", [] { return kStart; }, 3);
    {
      SqliteDb db(newer.path);
      db.exec("UPDATE _meta SET value = 99 WHERE key = 'schema_version'");
    }
    {
      SqliteDb db(renamed.path);
      db.exec("ALTER TABLE cases RENAME COLUMN title TO headline");
    }
    for (const auto* f : {&newer, &renamed}) {
      SqliteDb db(f->path);
      Hlc clock([] { return kStart; });
      try {
        Replica r(db, "dev", clock, 3);
        FAIL("opened a store of another schema: " << f->path);
      } catch (const DbError& e) {
        CHECK(e.kind() == DbError::Kind::mismatch);
        CHECK(std::string(e.what()).find(f == &newer ? "newer" : "headline") != std::string::npos);
      }
      // Refused before anything was written.
      CHECK(db.query_int("SELECT value FROM _meta WHERE key = 'schema_version'") == (f == &newer ? 99 : kSchemaVersion));
    }
  }
}
