// Conflicts decided (DESIGN §7), peers in one process over loopback: the
// server checks a decision, writes the chosen value over both sides, tells
// the loser, merges or refuses a held patch, and every device converges.
#include <doctest/doctest.h>

#include "tests/sync/fixture.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

namespace {

// One head_name conflict on household Ah0: the worker's 张甲 arrives
// first, the supervisor's 张乙 second.
std::string contest(Park& park) {
  auto& w = park.device("worker", "w");
  auto& sup = park.device("supervisor", "s");
  REQUIRE(w.client->sync());
  REQUIRE(sup.client->sync());
  REQUIRE(w.replica->write(T("households"), park.id("Ah0"), F(T("households"), {{"head_name", std::string("张甲")}})));
  park.wall += 5;
  REQUIRE(sup.replica->write(T("households"), park.id("Ah0"), F(T("households"), {{"head_name", std::string("张乙")}})));
  REQUIRE(w.client->sync());
  REQUIRE(sup.client->sync());
  auto s = park.server_db.prepare("SELECT id FROM conflicts WHERE col = 'head_name' AND status = 'open'");
  REQUIRE(s.step());
  return std::string(s.text(0));
}

Fields decision(Park& park, const char* how, const std::string& value_json) {
  return F(T("conflicts"), {{"status", std::string("resolved")}, {"resolution", std::string(how)},
                            {"value", "{\"value\":" + value_json + "}"}, {"resolved_by", park.id("admin")},
                            {"resolved_at", park.wall}});
}

std::string only_problem(Replica& r) {
  auto p = r.problems();
  REQUIRE(p.size() == 1);
  return p[0].code + ": " + p[0].reason;
}

void dismiss_all(Replica& r) {
  for (const auto& p : r.problems()) r.dismiss(p.id);
}

}  // namespace

TEST_SUITE("conflict-decisions") {
  TEST_CASE("the conflict row carries the base, both sides with author and device; workers see no values") {
    Park park;
    std::string c = contest(park);
    auto s = park.server_db.prepare("SELECT base, ours, theirs, device, author_id, grid_id FROM conflicts WHERE id = ?");
    s.bind(1, c);
    REQUIRE(s.step());
    CHECK(std::string(s.text(0)).find("\"value\":\"户主A\"") != std::string::npos);
    CHECK(std::string(s.text(1)).find("\"value\":\"张甲\"") != std::string::npos);
    CHECK(std::string(s.text(1)).find("\"author\":\"" + park.id("worker") + "\"") != std::string::npos);
    CHECK(std::string(s.text(2)).find("\"value\":\"张乙\"") != std::string::npos);
    CHECK(std::string(s.text(2)).find("\"origin\":\"dev-s\"") != std::string::npos);
    CHECK(std::string(s.text(3)) == "dev-s");
    CHECK(std::string(s.text(4)) == park.id("supervisor"));
    CHECK(std::string(s.text(5)) == park.id("A"));
    auto& w = park.device("worker", "w");
    auto& admin = park.device("admin", "a");
    REQUIRE(w.client->sync());
    REQUIRE(admin.client->sync());
    CHECK(text(*w.replica, "conflicts", c, "col") == "head_name");
    CHECK(text(*w.replica, "conflicts", c, "theirs") == "null");
    CHECK(text(*w.replica, "conflicts", c, "base") == "null");
    CHECK(text(*admin.replica, "conflicts", c, "theirs") != "null");
    // pworker's grid (B) is not the conflict's: it never sees it.
    auto& p = park.device("pworker", "p");
    REQUIRE(p.client->sync());
    CHECK(text(*p.replica, "conflicts", c, "col") == "<absent>");
  }

  TEST_CASE("a decision writes the chosen value over both sides everywhere and tells the loser") {
    Park park;
    std::string c = contest(park);
    auto& w = park.device("worker", "w");
    auto& sup = park.device("supervisor", "s");
    auto& admin = park.device("admin", "a");
    REQUIRE(admin.client->sync());
    park.wall += 1000;
    REQUIRE(admin.replica->write(T("conflicts"), c, decision(park, "ours", "\"张甲\"")));
    REQUIRE(admin.client->sync());
    CHECK(admin.replica->problems().empty());
    for (Device* d : {&w, &sup, &admin}) {
      REQUIRE(d->client->sync());
      CHECK(text(*d->replica, "households", park.id("Ah0"), "head_name") == "张甲");
      CHECK(text(*d->replica, "conflicts", c, "status") == "resolved");
    }
    // The supervisor's 张乙 lost: told what replaced it; the worker's stood.
    CHECK(sup.db->query_int("SELECT count(*) FROM notices WHERE title = 'conflict_resolved' AND body LIKE '%张乙%张甲%'") ==
          1);
    CHECK(w.db->query_int("SELECT count(*) FROM notices WHERE title = 'conflict_resolved'") == 0);
    // The decision is one write by the admin, logged.
    CHECK(park.server_db.query_int("SELECT count(*) FROM _log WHERE tbl = 'households' AND author = '" +
                                   park.id("admin") + "' AND status = 'accepted'") == 1);
    // A second admin's decision of the same conflict is refused; nothing moves.
    auto& admin2 = park.device("admin", "a2");
    REQUIRE(admin2.client->sync());
    CHECK(admin2.db->query_int("SELECT count(*) FROM conflicts WHERE status = 'open'") == 0);
    admin2.db->exec("UPDATE conflicts SET status = 'open'");  // as if it had synced before the first decision
    REQUIRE(admin2.replica->write(T("conflicts"), c, decision(park, "theirs", "\"张乙\"")));
    REQUIRE(admin2.client->sync());
    CHECK(only_problem(*admin2.replica).find("state: this conflict was already decided") == 0);
    CHECK(text(*admin2.replica, "households", park.id("Ah0"), "head_name") == "张甲");
  }

  TEST_CASE("base and a new value; bad decisions are refused and change nothing") {
    Park park;
    std::string c = contest(park);
    auto& w = park.device("worker", "w");
    auto& admin = park.device("admin", "a");
    REQUIRE(admin.client->sync());
    // Not an admin: the table's writers are admins.
    REQUIRE(w.client->sync());
    REQUIRE(w.replica->write(T("conflicts"), c, decision(park, "theirs", "\"张乙\"")));
    REQUIRE(w.client->sync());
    CHECK(only_problem(*w.replica).find("forbidden") == 0);
    // A new conflict row from a device: only the server opens them.
    REQUIRE(admin.replica->create(T("conflicts"), F(T("conflicts"), {{"tbl", std::string("households")},
                                                                    {"row_id", park.id("Ah1")},
                                                                    {"col", std::string("phone")},
                                                                    {"kind", std::string("review")},
                                                                    {"grid_id", park.id("A")},
                                                                    {"status", std::string("open")}})));
    REQUIRE(admin.client->sync());
    CHECK(only_problem(*admin.replica).find("forbidden: conflicts are opened by the server") == 0);
    dismiss_all(*admin.replica);
    // A new value the column would refuse; refusing a value conflict.
    std::string too_long = "\"";
    for (int i = 0; i < 40; ++i) too_long += "长";  // head_name holds 32
    REQUIRE(admin.replica->write(T("conflicts"), c, decision(park, "custom", too_long + "\"")));
    REQUIRE(admin.client->sync());
    CHECK(only_problem(*admin.replica).find("invalid: the new value is not a valid households.head_name") == 0);
    dismiss_all(*admin.replica);
    REQUIRE(admin.replica->write(T("conflicts"), c, F(T("conflicts"), {{"status", std::string("refused")}})));
    REQUIRE(admin.client->sync());
    CHECK(only_problem(*admin.replica).find("invalid: only a quarantined patch is refused") == 0);
    dismiss_all(*admin.replica);
    CHECK(park.server_db.query_int("SELECT count(*) FROM conflicts WHERE status = 'open'") == 1);
    CHECK(text(*admin.replica, "households", park.id("Ah0"), "head_name") == "张乙");
    // Back to the base, then a second conflict elsewhere decided with a new value.
    REQUIRE(admin.replica->write(T("conflicts"), c, decision(park, "base", "null")));
    REQUIRE(admin.client->sync());
    CHECK(admin.replica->problems().empty());
    REQUIRE(w.client->sync());
    CHECK(text(*w.replica, "households", park.id("Ah0"), "head_name") == "户主A");
  }

  TEST_CASE("a write made after the decision was taken still stands; one made before it does not") {
    Park park;
    std::string c = contest(park);
    auto& w = park.device("worker", "w");
    auto& admin = park.device("admin", "a");
    REQUIRE(admin.client->sync());
    park.wall += 1000;
    REQUIRE(admin.replica->write(T("conflicts"), c, decision(park, "theirs", "\"张乙\"")));
    park.wall += 1000;
    // The worker, having pulled nothing, writes again after the decision.
    REQUIRE(w.replica->write(T("households"), park.id("Ah0"), F(T("households"), {{"head_name", std::string("张丙")}})));
    REQUIRE(admin.client->sync());
    REQUIRE(w.client->sync());
    REQUIRE(admin.client->sync());
    CHECK(text(*admin.replica, "households", park.id("Ah0"), "head_name") == "张丙");
    // And it is contested afresh: the worker had not seen the decision.
    CHECK(park.server_db.query_int("SELECT count(*) FROM conflicts WHERE col = 'head_name' AND status = 'open'") == 1);
  }

  TEST_CASE("held patches: accepted ones merge as recorded, refused ones stay in the log; the device learns") {
    Park park;
    auto& w = park.device("worker", "w");
    auto& sup = park.device("supervisor", "s");
    auto& admin = park.device("admin", "a");
    REQUIRE(w.client->sync());
    REQUIRE(sup.client->sync());
    park.wall += 1000;
    REQUIRE(sup.replica->write(T("assignments"), park.id("worker@A"),
                               F(T("assignments"), {{"active", int64_t{0}}, {"to_at", park.wall}})));
    REQUIRE(sup.client->sync());
    park.wall += 1000;
    REQUIRE(w.replica->write(T("households"), park.id("Ah0"), F(T("households"), {{"notes", std::string("留")}})));
    REQUIRE(w.replica->write(T("households"), park.id("Ah1"), F(T("households"), {{"notes", std::string("弃")}})));
    REQUIRE(w.client->sync());
    REQUIRE(w.replica->problems().size() == 2);
    REQUIRE(admin.client->sync());
    auto held = [&](const char* row) {
      auto s = admin.db->prepare("SELECT id FROM conflicts WHERE kind = 'quarantine' AND row_id = ?");
      s.bind(1, park.id(row));
      REQUIRE(s.step());
      return std::string(s.text(0));
    };
    // Accepting or refusing is all a held patch allows.
    REQUIRE(admin.replica->write(T("conflicts"), held("Ah0"), decision(park, "theirs", "null")));
    REQUIRE(admin.client->sync());
    CHECK(only_problem(*admin.replica).find("invalid: a quarantined patch is accepted") == 0);
    dismiss_all(*admin.replica);
    REQUIRE(admin.replica->write(T("conflicts"), held("Ah0"),
                                 F(T("conflicts"), {{"status", std::string("resolved")},
                                                    {"resolution", std::string("accept")}})));
    REQUIRE(admin.replica->write(T("conflicts"), held("Ah1"), F(T("conflicts"), {{"status", std::string("refused")}})));
    REQUIRE(admin.client->sync());
    CHECK(admin.replica->problems().empty());
    REQUIRE(admin.client->sync());
    CHECK(text(*admin.replica, "households", park.id("Ah0"), "notes") == "留");
    CHECK(text(*admin.replica, "households", park.id("Ah1"), "notes") == "null");
    CHECK(park.server_db.query_int("SELECT count(*) FROM _log WHERE status = 'accepted' AND reason LIKE "
                                   "'accepted on review%'") == 1);
    CHECK(park.server_db.query_int("SELECT count(*) FROM _log WHERE status = 'rejected' AND reason LIKE "
                                   "'refused on review%'") == 1);
    // The worker's tablet asks after its held patches at each sync.
    REQUIRE(w.client->sync());
    CHECK(only_problem(*w.replica).find("forbidden: refused on review") == 0);
    CHECK(w.db->query_int("SELECT count(*) FROM notices WHERE title IN ('quarantine_accepted', 'quarantine_refused')") ==
          2);
  }
}
