#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

TEST_SUITE("replica") {
  TEST_CASE("a local edit writes the row, its clocks and the outbox together") {
    Park park;
    auto& d = park.device("worker", "w");
    auto id = d.replica->create(T("cases"), F(T("cases"), {{"grid_id", park.id("A")}, {"source", std::string("patrol")},
                                                          {"category", std::string("0302")}, {"severity", std::string("normal")},
                                                          {"title", std::string("噪音")}, {"status", std::string("reported")},
                                                          {"reported_at", kStart}}));
    REQUIRE(id);
    CHECK(d.replica->pending_count() == 1);
    CHECK(text(*d.replica, "cases", *id, "title") == "噪音");
    Row row;
    REQUIRE(d.replica->store().load(T("cases"), *id, row));
    CHECK(row.bucket == "grid:" + park.id("A"));
    CHECK(row.clocks[static_cast<size_t>(T("cases").index_of("title"))].hlc > 0);
    CHECK(row.clocks[static_cast<size_t>(T("cases").index_of("title"))].seq == 0);  // not confirmed yet
  }

  TEST_CASE("edits under one outer transaction land together or not at all") {
    Park park;
    auto& d = park.device("worker", "w");
    auto notes = [&](const char* key, const char* text) {
      return d.replica->write(T("households"), park.id(key), F(T("households"), {{"notes", std::string(text)}}));
    };
    REQUIRE(d.client->sync());
    {
      Txn txn(d.replica->store());
      REQUIRE(notes("Ah0", "一"));
      REQUIRE(notes("Ah1", "二"));
      // No commit: as when the second of two writes fails.
    }
    CHECK(d.replica->pending_count() == 0);
    CHECK(text(*d.replica, "households", park.id("Ah0"), "notes") == "null");
    {
      Txn txn(d.replica->store());
      REQUIRE(notes("Ah0", "一"));
      REQUIRE(notes("Ah1", "二"));
      txn.commit();
    }
    CHECK(d.replica->pending_count() == 2);
    CHECK(text(*d.replica, "households", park.id("Ah1"), "notes") == "二");
    REQUIRE(d.client->sync());
    CHECK(d.replica->pending_count() == 0);
  }

  TEST_CASE("bad input is refused locally and changes nothing") {
    Park park;
    auto& d = park.device("worker", "w");
    auto bad = d.replica->create(T("cases"), F(T("cases"), {{"title", std::string("缺字段")}}));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Code::missing);
    auto wrong = d.replica->create(T("cases"), F(T("cases"), {{"severity", std::string("cosmic")}}));
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().code == Code::bad_enum);
    CHECK(d.replica->pending_count() == 0);
    CHECK(d.db->query_int("SELECT count(*) FROM cases") == 0);
    REQUIRE(d.client->sync());
    auto immut = d.replica->write(T("households"), park.id("Ah0"), F(T("households"), {{"grid_id", park.id("B")}}));
    REQUIRE_FALSE(immut);
    CHECK(immut.error().code == Code::immutable);
  }

  TEST_CASE("push and pull round trip between two devices, within scope") {
    Park park;
    auto& w = park.device("worker", "w");
    auto& sup = park.device("supervisor", "s");
    auto& pw = park.device("pworker", "p");
    REQUIRE(w.client->sync());
    CHECK(w.db->query_int("SELECT count(*) FROM households") == 2);  // grid A only
    REQUIRE(w.replica->write(T("households"), park.id("Ah0"), F(T("households"), {{"head_name", std::string("陈新")}})));
    auto r = w.client->sync();
    REQUIRE(r);
    CHECK(r->pushed == 1);
    REQUIRE(sup.client->sync());
    REQUIRE(pw.client->sync());
    CHECK(text(*sup.replica, "households", park.id("Ah0"), "head_name") == "陈新");
    CHECK(text(*pw.replica, "households", park.id("Ah0"), "head_name") == "<absent>");
    CHECK(pw.db->query_int("SELECT count(*) FROM households") == 2);  // grid B only
    CHECK(sup.db->query_int("SELECT count(*) FROM households") == 6);
  }

  TEST_CASE("a lost answer resends the same batch; nothing is applied twice") {
    Park park;
    auto& w = park.device("worker", "w");
    REQUIRE(w.client->sync());
    REQUIRE(w.replica->write(T("households"), park.id("Ah1"), F(T("households"), {{"notes", std::string("漏水")}})));
    w.link->faults.drop_answer = 1.0;
    REQUIRE_FALSE(w.client->sync());
    CHECK(w.replica->pending_count() == 1);
    w.link->faults.drop_answer = 0;
    auto r = w.client->sync();
    REQUIRE(r);
    CHECK(r->pushed == 1);
    CHECK(w.replica->pending_count() == 0);
    CHECK(park.server_db.query_int("SELECT count(*) FROM _log WHERE author != 'server'") == 1);
    CHECK(park.server_db.query_int("SELECT count(*) FROM _batches") == 1);
  }

  TEST_CASE("a refused write stays visible with its reason and the row returns to the server's value") {
    Park park;
    auto& sup = park.device("supervisor", "s");
    auto& w = park.device("worker", "w");
    REQUIRE(sup.client->sync());
    REQUIRE(w.client->sync());
    // The worker may not write grid C: create a household there, offline.
    auto id = w.replica->create(T("households"), F(T("households"), {{"grid_id", park.id("C")}, {"address", std::string("外区")},
                                                                     {"head_name", std::string("某")}}));
    REQUIRE(id);
    auto r = w.client->sync();
    REQUIRE(r);
    CHECK(r->refused == 1);
    auto problems = w.replica->problems();
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].state == "rejected");
    CHECK(problems[0].code == "forbidden");
    CHECK(problems[0].reason.find("may not write grid") != std::string::npos);
    CHECK(text(*w.replica, "households", *id, "address") == "<absent>");
    CHECK(park.server_db.query_int("SELECT count(*) FROM households") == 6);
  }

  TEST_CASE("eviction never drops unsynced rows; they go after their push settles") {
    Park park;
    auto& w = park.device("worker", "w");
    auto& sup = park.device("supervisor", "s");
    REQUIRE(w.client->sync());
    REQUIRE(sup.client->sync());
    // The worker edits offline while the supervisor ends the assignment.
    park.wall += 1000;
    REQUIRE(w.replica->write(T("households"), park.id("Ah0"), F(T("households"), {{"notes", std::string("离线记录")}})));
    park.wall += 60'000;
    REQUIRE(sup.replica->write(T("assignments"), park.id("worker@A"),
                               F(T("assignments"), {{"active", int64_t{0}}, {"to_at", park.wall}})));
    REQUIRE(sup.client->sync());
    // Pull only: the bucket is evicted but the unsynced row stays.
    SyncReport rep;
    REQUIRE(w.client->pull(rep));
    CHECK(rep.evicted == 1);
    CHECK(w.db->query_int("SELECT count(*) FROM households") == 1);
    CHECK(text(*w.replica, "households", park.id("Ah0"), "notes") == "离线记录");
    // Now push: written before the assignment ended, so it is accepted, and
    // the row leaves the device.
    REQUIRE(w.client->sync());
    CHECK(w.replica->problems().empty());
    CHECK(w.db->query_int("SELECT count(*) FROM households") == 0);
    REQUIRE(sup.client->sync());
    CHECK(text(*sup.replica, "households", park.id("Ah0"), "notes") == "离线记录");
  }

  TEST_CASE("paging resumes after dropped exchanges and converges") {
    Park park;
    auto& sup = park.device("supervisor", "s");
    {
      Txn txn(park.server.store());
      for (int i = 0; i < 300; ++i)
        park.put("households", "bulk" + std::to_string(i),
                 {{"grid_id", park.id(i % 2 ? "A" : "C")}, {"address", "号" + std::to_string(i)}, {"head_name", std::string("户")}});
      txn.commit();
    }
    sup.client->pull_limit = 7;
    sup.link->faults = Faults{0.2, 0.2, 0.1, 0.1};
    int failures = 0;
    for (int i = 0; i < 500; ++i) {
      auto r = sup.client->sync();
      if (r && sup.db->query_int("SELECT count(*) FROM households") == 306) break;
      failures += !r;
    }
    CHECK(failures > 0);
    sup.link->faults = Faults{};
    REQUIRE(sup.client->sync());
    CHECK(sup.db->query_int("SELECT count(*) FROM households") == 306);
  }
}
