// The personal-data audit on the server engine (sync/server/audit.hpp): reveals
// only their own user writes, and the trail of reveals, PII changes and
// history reads, bounded by time and capped.
#include <doctest/doctest.h>

#include <algorithm>

#include "fixture.hpp"
#include "sync/server/audit.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

namespace {

std::string patch(Park& park, const char* table, const std::string& row, const std::string& device,
                  const std::string& set) {
  return R"({"id":")" + park.gen.next(park.wall) + R"(","table":")" + table + R"(","row":")" + row +
         R"(","hlc":)" + std::to_string(Hlc::pack(park.wall, 1)) + R"(,"origin":")" + device + R"(","set":)" + set +
         "}";
}

PushAnswer push(Park& park, const char* user, const std::string& device, const std::string& p) {
  auto j = parse_json(R"({"batch":")" + park.gen.next(park.wall) + R"(","patches":[)" + p + "]}");
  REQUIRE(j);
  auto a = park.server.push(Principal{park.id(user), device}, std::move(*j));
  REQUIRE(a);
  return *a;
}

std::string reveal_of(Park& park, const char* user, const std::string& household) {
  return R"({"user_id":")" + park.id(user) + R"(","device":"dev","tbl":"households","row_id":")" + household +
         R"(","col":"phone","at":)" + std::to_string(park.wall) + "}";
}

}  // namespace

TEST_SUITE("audit") {
  TEST_CASE("a reveal is written by its own user only, whatever the role, and never changed") {
    Park park;
    std::string mine = park.gen.next(park.wall);
    auto a = push(park, "worker", "dev-w", patch(park, "reveals", mine, "dev-w", reveal_of(park, "worker", park.id("Ah0"))));
    CHECK(a.accepted.size() == 1);
    auto b = push(park, "worker", "dev-w",
                  patch(park, "reveals", park.gen.next(park.wall), "dev-w", reveal_of(park, "pworker", park.id("Ah0"))));
    REQUIRE(b.rejected.size() == 1);
    CHECK(b.rejected[0].code == Code::forbidden);
    // The office writes others' user rows (assignments, notices), not their reveals.
    auto c = push(park, "supervisor", "dev-s",
                  patch(park, "reveals", park.gen.next(park.wall), "dev-s", reveal_of(park, "worker", park.id("Ah0"))));
    REQUIRE(c.rejected.size() == 1);
    CHECK(c.rejected[0].code == Code::forbidden);
    auto d = push(park, "worker", "dev-w", patch(park, "reveals", mine, "dev-w", R"({"col":"address"})"));
    REQUIRE(d.rejected.size() == 1);
    CHECK(d.rejected[0].code == Code::immutable);
  }

  TEST_CASE("the trail: reveals, PII changes (columns, not values) and history reads, by time, bounded, capped") {
    Park park;
    create_audit_tables(park.server_db);
    const int64_t t0 = park.wall;
    park.wall += 1000;
    push(park, "worker", "dev-w", patch(park, "reveals", park.gen.next(park.wall), "dev-w", reveal_of(park, "worker", park.id("Ah0"))));
    park.wall += 1000;
    push(park, "worker", "dev-w", patch(park, "households", park.id("Ah0"), "dev-w", R"({"phone":"13911112222","notes":"改号"})"));
    push(park, "worker", "dev-w", patch(park, "households", park.id("Ah1"), "dev-w", R"({"notes":"无个人信息"})"));
    park.wall += 1000;
    record_history_read(park.server_db, park.id("supervisor"), "dev-s", "households", park.id("Ah0"), park.wall);

    auto all = audit_trail(park.server_db, park.server.directory(), AuditQuery{t0, park.wall});
    REQUIRE(all);
    // The park's own rows, written by the server, are nobody's change.
    REQUIRE(all->size() == 3);
    const auto& r = (*all)[0];
    CHECK(r.action == "reveal");
    CHECK(r.username == "worker");
    CHECK(r.device == "dev-w");
    CHECK(r.table == "households");
    CHECK(r.row == park.id("Ah0"));
    CHECK(r.columns == "phone");
    CHECK(r.at == t0 + 1000);
    const auto& c = (*all)[1];
    CHECK(c.action == "change");
    CHECK(c.columns == "phone");  // notes are no personal data; the new number is not in the audit
    CHECK(c.at == t0 + 2000);
    const auto& h = (*all)[2];
    CHECK(h.action == "history");
    CHECK(h.username == "supervisor");
    CHECK(h.device == "dev-s");
    std::string json = audit_json(AuditQuery{t0, park.wall}, *all);
    CHECK(json.find("13911112222") == std::string::npos);
    std::string csv = audit_csv(*all);
    CHECK(csv.rfind("at,time_utc,action,user,user_id,device,table,row,columns\r\n", 0) == 0);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);

    auto middle = audit_trail(park.server_db, park.server.directory(), AuditQuery{t0 + 1500, t0 + 2500});
    REQUIRE(middle);
    REQUIRE(middle->size() == 1);
    CHECK((*middle)[0].action == "change");
    auto capped = audit_trail(park.server_db, park.server.directory(), AuditQuery{t0, park.wall, 2});
    REQUIRE_FALSE(capped);
    CHECK(capped.error().code == Code::too_large);
    CHECK(capped.error().message.find("shorter") != std::string::npos);
    CHECK_FALSE(audit_trail(park.server_db, park.server.directory(), AuditQuery{park.wall, t0}));
  }
}
