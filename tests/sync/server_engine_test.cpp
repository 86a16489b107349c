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

  // Seed 64827 of the simulation, made small: an answer held back on the
  // way, delivered after the takeover's end evicted its grids, put their
  // cursors back over rows the tablet had deleted; the next takeover then
  // brought only the columns changed since, and rows stayed partial.
  TEST_CASE("a pull answer that arrives after its grids were evicted is dropped, and asked again") {
    Park park;
    auto& sup = park.device("supervisor", "s");
    auto& cadre = park.device("cadre", "c");
    auto takeover = [&] {
      park.wall += 1000;
      auto id = sup.replica->create(T("takeovers"), F(T("takeovers"), {{"grid_id", park.id("U")}, {"department_id", park.id("D")},
                                                                      {"reason", std::string("台风")}, {"started_by", park.id("supervisor")},
                                                                      {"started_at", park.wall}}));
      REQUIRE(sup.client->sync());
      return *id;
    };
    std::string t1 = takeover();
    REQUIRE(cadre.client->sync());
    REQUIRE(cadre.db->query_int("SELECT count(*) FROM households") == 4);
    // The late answer: asked while the grids were held, answered, held back.
    PullRequest asked = cadre.replica->pull_request(0);
    auto late = park.server.pull(Principal{park.id("cadre"), "dev-c"}, parse_json(encode(asked)).value());
    REQUIRE(late);
    CHECK(late->basis == asked.basis);
    park.wall += 1000;
    REQUIRE(sup.replica->write(T("takeovers"), t1, F(T("takeovers"), {{"ended_at", park.wall}, {"ended_by", park.id("supervisor")}})));
    REQUIRE(sup.client->sync());
    REQUIRE(cadre.client->sync());
    REQUIRE(cadre.db->query_int("SELECT count(*) FROM households") == 0);
    auto cursors = cadre.replica->cursors();
    CHECK_FALSE(cadre.replica->apply_pull(*late));
    CHECK(cadre.replica->cursors() == cursors);
    // Meanwhile a household of the grid changes; a new takeover brings it whole.
    park.wall += 1000;
    park.put("households", "Ah0", {{"notes", std::string("水位上涨")}});
    takeover();
    REQUIRE(cadre.client->sync());
    CHECK(cadre.db->query_int("SELECT count(*) FROM households") == 4);
    CHECK(cadre.db->query_int("SELECT count(*) FROM households WHERE grid_id IS NULL OR address IS NULL") == 0);
    CHECK(text(*cadre.replica, "households", park.id("Ah0"), "notes") == "水位上涨");
    // An answer to the cursors as they are applies; one without a basis (an
    // older server) too.
    PullRequest now = cadre.replica->pull_request(0);
    auto fresh = park.server.pull(Principal{park.id("cadre"), "dev-c"}, parse_json(encode(now)).value());
    REQUIRE(fresh);
    CHECK(cadre.replica->apply_pull(*fresh));
    fresh->basis.clear();
    CHECK(cadre.replica->apply_pull(*fresh));
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

  TEST_CASE("takeover notices: the cadres and the grid's workers are told; each marks only their own read") {
    Park park;
    auto& sup = park.device("supervisor", "s");
    auto& w = park.device("worker", "w");
    auto& cadre = park.device("cadre", "c");
    auto& other = park.device("pworker", "p");
    std::string t1 = *sup.replica->create(T("takeovers"), F(T("takeovers"), {{"grid_id", park.id("U")}, {"department_id", park.id("D")},
                                                                             {"reason", std::string("台风")}, {"started_by", park.id("supervisor")},
                                                                             {"started_at", park.wall}}));
    REQUIRE(sup.client->sync());
    for (auto* d : {&w, &cadre, &other}) REQUIRE(d->client->sync());
    // worker (A), pworker (B) work grids below U; the cadre takes it over.
    for (auto* d : {&w, &cadre, &other}) {
      CHECK(d->db->query_int("SELECT count(*) FROM notices WHERE title = 'takeover_started' AND ref_id = '" + t1 + "'") == 1);
      CHECK(d->db->query_int("SELECT count(*) FROM notices") == 1);  // their own only
    }
    CHECK(sup.db->query_int("SELECT count(*) FROM notices WHERE user_id = '" + park.id("supervisor") + "'") == 0);
    auto only_notice = [](Db& db) {
      auto q = db.prepare("SELECT id FROM notices");
      REQUIRE(q.step());
      return std::string(q.text(0));
    };
    std::string mine = only_notice(*w.db), theirs = only_notice(*cadre.db);
    REQUIRE(w.replica->write(T("notices"), mine, F(T("notices"), {{"read", int64_t{1}}})));
    // Forged: a worker marking the cadre's notice, or writing a notice of its own.
    REQUIRE(w.replica->write(T("notices"), theirs, F(T("notices"), {{"user_id", park.id("cadre")}, {"kind", std::string("takeover")},
                                                                    {"title", std::string("takeover_started")}, {"read", int64_t{1}}})));
    REQUIRE(w.replica->create(T("notices"), F(T("notices"), {{"user_id", park.id("cadre")}, {"kind", std::string("takeover")},
                                                             {"title", std::string("forged")}})));
    auto r = w.client->sync();
    REQUIRE(r);
    CHECK(r->pushed == 1);
    CHECK(r->refused == 2);
    for (const auto& p : w.replica->problems()) CHECK(p.code == "forbidden");
    CHECK(park.server_db.query_int("SELECT read FROM notices WHERE id = '" + mine + "'") == 1);
    CHECK(park.server_db.query_int("SELECT read FROM notices WHERE id = '" + theirs + "'") == 0);
    CHECK(park.server_db.query_int("SELECT count(*) FROM notices") == 3);
    // The end is told to the same people.
    park.wall += 1000;
    REQUIRE(sup.replica->write(T("takeovers"), t1, F(T("takeovers"), {{"ended_at", park.wall}, {"ended_by", park.id("supervisor")}})));
    REQUIRE(sup.client->sync());
    CHECK(park.server_db.query_int("SELECT count(*) FROM notices WHERE title = 'takeover_ended'") == 3);
  }

  TEST_CASE("a takeover is of a unit grid, by a real department") {
    Park park;
    auto& sup = park.device("supervisor", "s");
    auto start = [&](const char* grid, const std::string& dept) {
      return *sup.replica->create(T("takeovers"), F(T("takeovers"), {{"grid_id", park.id(grid)}, {"department_id", dept},
                                                                     {"reason", std::string("演练")}, {"started_by", park.id("supervisor")},
                                                                     {"started_at", park.wall}}));
    };
    start("A", park.id("D"));           // a level-3 grid
    start("U", park.id("no-such-dept"));  // no department
    REQUIRE(sup.client->sync());
    auto problems = sup.replica->problems();
    REQUIRE(problems.size() == 2);
    for (const auto& p : problems) CHECK(p.code == "invalid");
    CHECK(park.server_db.query_int("SELECT count(*) FROM takeovers") == 0);
    CHECK(park.server_db.query_int("SELECT count(*) FROM assignments WHERE kind = 'takeover'") == 0);
    CHECK(sup.db->query_int("SELECT count(*) FROM takeovers") == 0);  // the refused rows left the tablet too
  }

  TEST_CASE("grids new to a device come first, their open cases, most urgent, lead the first page") {
    Park park;
    auto& sup = park.device("supervisor", "s");
    auto& cadre = park.device("cadre", "c");
    REQUIRE(cadre.client->sync());
    // Households first, then cases: in sequence order the cases would come last.
    for (int i = 0; i < 30; ++i)
      park.put("households", "Bx" + std::to_string(i), {{"grid_id", park.id("B")}, {"address", std::string("新楼")},
                                                        {"head_name", std::string("户主")}});
    const char* severities[] = {"low", "urgent", "normal", "high"};
    for (int i = 0; i < 4; ++i)
      park.put("cases", "K" + std::to_string(i),
               {{"grid_id", park.id("B")}, {"source", std::string("patrol")}, {"category", std::string("0302")},
                {"severity", std::string(severities[i])}, {"title", std::string("事件") + std::to_string(i)},
                {"status", std::string("reported")}, {"reported_at", park.wall}});
    park.put("cases", "Kdone", {{"grid_id", park.id("B")}, {"source", std::string("patrol")}, {"category", std::string("0302")},
                                {"severity", std::string("urgent")}, {"title", std::string("已办结")},
                                {"status", std::string("closed")}, {"reported_at", park.wall}});
    REQUIRE(sup.replica->create(T("takeovers"), F(T("takeovers"), {{"grid_id", park.id("U")}, {"department_id", park.id("D")},
                                                                   {"reason", std::string("台风")}, {"started_by", park.id("supervisor")},
                                                                   {"started_at", park.wall}})));
    REQUIRE(sup.client->sync());
    // The cadre's first page of 10: the four open cases lead, most severe first.
    PullRequest req = cadre.replica->pull_request(10);
    auto answer = park.server.pull(Principal{park.id("cadre"), "dev-c"}, parse_json(encode(req)).value());
    REQUIRE(answer);
    REQUIRE(answer->patches.size() >= 4);
    std::vector<std::string> lead;
    for (size_t i = 0; i < 4; ++i) {
      REQUIRE(answer->patches[i].table->name == "cases");
      lead.push_back(answer->patches[i].row);
    }
    CHECK(lead == std::vector<std::string>{park.id("K1"), park.id("K3"), park.id("K2"), park.id("K0")});
    // Paging stays exact: the whole sync brings every row once, the closed case too.
    cadre.client->pull_limit = 10;
    REQUIRE(cadre.client->sync());
    CHECK(cadre.db->query_int("SELECT count(*) FROM cases") == 5);
    CHECK(cadre.db->query_int("SELECT count(*) FROM households") == 2 + 2 + 30);
    // Once begun, a grid does not lead again.
    req = cadre.replica->pull_request(10);
    answer = park.server.pull(Principal{park.id("cadre"), "dev-c"}, parse_json(encode(req)).value());
    REQUIRE(answer);
    CHECK(answer->patches.empty());
  }
}
