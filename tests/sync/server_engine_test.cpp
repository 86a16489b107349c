#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

namespace {
std::string patch_json(const std::string& id, const std::string& row, HlcTime hlc, const std::string& origin,
                       const std::string& set, const std::string& extra = "") {
  return R"({"id":")" + id + R"(","table":"households","row":")" + row + R"(","hlc":)" + std::to_string(hlc) +
         R"(,"origin":")" + origin + R"(","set":)" + set + extra + "}";
}
Result<PushAnswer> push(Park& park, const std::string& user, const std::string& device, const std::string& batch,
                        const std::string& patches) {
  auto j = parse_json(R"({"batch":")" + batch + R"(","patches":[)" + patches + "]}");
  REQUIRE(j);
  return park.server.push(Principal{park.id(user), device}, std::move(*j));
}
}  // namespace

TEST_SUITE("server-engine") {
  TEST_CASE("a replayed batch gets the first answer and changes nothing") {
    Park park;
    std::string body = patch_json(park.gen.next(park.wall), park.id("Ah0"), Hlc::pack(park.wall, 1), "dev-w",
                                  R"({"notes":"一"})");
    std::string batch = park.gen.next(park.wall);
    auto a = push(park, "worker", "dev-w", batch, body);
    REQUIRE(a);
    CHECK(a->accepted.size() == 1);
    int64_t log = park.server_db.query_int("SELECT count(*) FROM _log");
    int64_t seq = park.server.last_seq();
    auto b = push(park, "worker", "dev-w", batch, body);
    REQUIRE(b);
    CHECK(b->accepted == a->accepted);
    CHECK(park.server_db.query_int("SELECT count(*) FROM _log") == log);
    CHECK(park.server.last_seq() == seq);
  }

  TEST_CASE("a malformed patch rejects only itself") {
    Park park;
    std::string good = patch_json(park.gen.next(park.wall), park.id("Ah0"), Hlc::pack(park.wall, 1), "dev-w",
                                  R"({"notes":"好"})");
    std::string typo = patch_json(park.gen.next(park.wall), park.id("Ah1"), Hlc::pack(park.wall, 2), "dev-w",
                                  R"({"members":"three"})");
    std::string foreign = patch_json(park.gen.next(park.wall), park.id("Ah1"), Hlc::pack(park.wall, 3), "dev-x",
                                     R"({"notes":"冒名"})");
    auto a = push(park, "worker", "dev-w", park.gen.next(park.wall), good + "," + typo + ",17," + foreign);
    REQUIRE(a);
    CHECK(a->accepted.size() == 1);
    REQUIRE(a->rejected.size() == 3);
    CHECK(a->rejected[0].code == Code::bad_type);
    CHECK(a->rejected[1].id == "#2");
    CHECK(a->rejected[2].code == Code::forbidden);
  }

  TEST_CASE("a clock far ahead is re-stamped with the server's time, and recorded") {
    Park park;
    std::string id = park.gen.next(park.wall);
    HlcTime future = Hlc::pack(park.wall + 2 * 3'600'000, 0);
    auto a = push(park, "worker", "dev-w", park.gen.next(park.wall),
                  patch_json(id, park.id("Ah0"), future, "dev-w", R"({"notes":"未来"})"));
    REQUIRE(a);
    REQUIRE(a->accepted.size() == 1);
    auto s = park.server_db.prepare("SELECT hlc, restamped_from FROM _log WHERE patch_id = ?");
    s.bind(1, id);
    REQUIRE(s.step());
    CHECK(s.int64(1) == future);
    CHECK(Hlc::ms_of(s.int64(0)) <= park.wall + 1);
  }

  TEST_CASE("concurrent writes to a review column open exactly one conflict; lww columns none") {
    Park park;
    auto& w = park.device("worker", "w");
    auto& sup = park.device("supervisor", "s");
    REQUIRE(w.client->sync());
    REQUIRE(sup.client->sync());
    REQUIRE(w.replica->write(T("households"), park.id("Ah0"),
                             F(T("households"), {{"head_name", std::string("张甲")}, {"notes", std::string("n1")}})));
    park.wall += 5;
    REQUIRE(sup.replica->write(T("households"), park.id("Ah0"),
                               F(T("households"), {{"head_name", std::string("张乙")}, {"notes", std::string("n2")}})));
    REQUIRE(w.client->sync());
    auto r = sup.client->sync();
    REQUIRE(r);
    CHECK(park.server_db.query_int("SELECT count(*) FROM conflicts WHERE col = 'head_name' AND status = 'open'") == 1);
    CHECK(park.server_db.query_int("SELECT count(*) FROM conflicts WHERE col = 'notes'") == 0);
    REQUIRE(w.client->sync());
    CHECK(text(*w.replica, "households", park.id("Ah0"), "head_name") == "张乙");  // the later write
    // The same write pushed again does not open another.
    CHECK(park.server_db.query_int("SELECT count(*) FROM conflicts") == 1);
  }

  TEST_CASE("takeover: cadres get the grids, a second takeover is refused, the end evicts them") {
    Park park;
    auto& sup = park.device("supervisor", "s");
    auto& cadre = park.device("cadre", "c");
    REQUIRE(cadre.client->sync());
    CHECK(cadre.db->query_int("SELECT count(*) FROM households") == 0);
    std::string t1 = *sup.replica->create(T("takeovers"), F(T("takeovers"), {{"grid_id", park.id("U")}, {"department_id", park.id("D")},
                                                                             {"reason", std::string("台风")}, {"started_by", park.id("supervisor")},
                                                                             {"started_at", park.wall}}));
    REQUIRE(sup.client->sync());
    REQUIRE(cadre.client->sync());
    CHECK(cadre.db->query_int("SELECT count(*) FROM households") == 4);  // grids A and B
    CHECK(cadre.db->query_int("SELECT count(*) FROM assignments WHERE kind = 'takeover' AND active = 1") == 3);
    CHECK(text(*cadre.replica, "grids", park.id("U"), "mode") == "takeover");
    // The cadre records in the taken-over grid.
    REQUIRE(cadre.replica->write(T("households"), park.id("Bh1"), F(T("households"), {{"notes", std::string("战时走访")}})));
    // A second takeover of the same grid is refused with a reason.
    park.wall += 1000;
    REQUIRE(sup.replica->create(T("takeovers"), F(T("takeovers"), {{"grid_id", park.id("U")}, {"department_id", park.id("D")},
                                                                   {"reason", std::string("重复")}, {"started_by", park.id("supervisor")},
                                                                   {"started_at", park.wall}})));
    REQUIRE(sup.client->sync());
    auto problems = sup.replica->problems();
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].code == "state");
    CHECK(problems[0].reason.find("already under takeover") != std::string::npos);
    // End it: the cadre pushes what it recorded, then loses the grids.
    park.wall += 1000;
    REQUIRE(sup.replica->write(T("takeovers"), t1, F(T("takeovers"), {{"ended_at", park.wall}, {"ended_by", park.id("supervisor")}})));
    REQUIRE(sup.client->sync());
    REQUIRE(cadre.client->sync());
    CHECK(cadre.db->query_int("SELECT count(*) FROM households") == 0);
    CHECK(text(*sup.replica, "grids", park.id("U"), "mode") == "normal");
    REQUIRE(sup.client->sync());
    CHECK(text(*sup.replica, "households", park.id("Bh1"), "notes") == "战时走访");
  }

  TEST_CASE("fencing: edits after the right ended are quarantined, earlier ones accepted") {
    Park park;
    auto& w = park.device("worker", "w");
    auto& sup = park.device("supervisor", "s");
    auto& admin = park.device("admin", "a");
    REQUIRE(w.client->sync());
    REQUIRE(sup.client->sync());
    park.wall += 1000;
    REQUIRE(w.replica->write(T("households"), park.id("Ah0"), F(T("households"), {{"notes", std::string("之前")}})));
    park.wall += 1000;
    int64_t end = park.wall;
    REQUIRE(sup.replica->write(T("assignments"), park.id("worker@A"), F(T("assignments"), {{"active", int64_t{0}}, {"to_at", end}})));
    REQUIRE(sup.client->sync());
    park.wall += 1000;
    REQUIRE(w.replica->write(T("households"), park.id("Ah1"), F(T("households"), {{"notes", std::string("之后")}})));
    auto r = w.client->sync();
    REQUIRE(r);
    CHECK(r->pushed == 1);
    CHECK(r->refused == 1);
    auto problems = w.replica->problems();
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].state == "quarantined");
    CHECK(park.server_db.query_int("SELECT count(*) FROM _log WHERE status = 'quarantined'") == 1);
    REQUIRE(admin.client->sync());
    CHECK(admin.db->query_int("SELECT count(*) FROM conflicts WHERE kind = 'quarantine' AND status = 'open'") == 1);
    CHECK(text(*admin.replica, "households", park.id("Ah1"), "notes") == "null");
    CHECK(text(*admin.replica, "households", park.id("Ah0"), "notes") == "之前");
  }
}
