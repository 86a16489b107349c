// Tracks, check-ins and fixes on the real server (issue 23): rows written
// straight into a replica, as an old or altered client could, so the
// server's own judgement is what is tested.
#include <doctest/doctest.h>

#include "shared/codec.hpp"
#include "shared/geo.hpp"
#include "shared/tuning.hpp"
#include "tests/server/fixture.hpp"
#include "sync/core/patch.hpp"
#include "sync/core/protocol.hpp"
#include "tests/server/server_db.hpp"

using namespace gw;
using namespace gw::test;

namespace {

const TableSpec& T(const char* n) { return *find_table(n); }

std::string text_of(Db& db, const std::string& sql, const std::string& arg) {
  auto s = db.prepare(sql);
  s.bind(1, arg);
  return s.step() && !s.is_null(0) ? std::string(s.text(0)) : std::string();
}

std::vector<geo::TrackPoint> walk(size_t n, int64_t t0) {
  std::vector<geo::TrackPoint> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(geo::quantize({{118.55 + 1e-5 * static_cast<double>(i % 5000), 24.87 + 1e-5 * static_cast<double>(i / 5000)},
                                 t0 + static_cast<int64_t>(i) * 1000}));
  return out;
}

Fields track_row(const std::string& patrol, const std::string& grid, const std::string& worker, int64_t seq,
                 const std::vector<geo::TrackPoint>& pts) {
  return fields_of(T("tracks"), {{"patrol_id", patrol}, {"grid_id", grid}, {"worker_id", worker}, {"seq", seq},
                                 {"started_at", pts.front().at_ms}, {"ended_at", pts.back().at_ms},
                                 {"points", geo::encode_track(pts)}});
}

std::string code_of(sync::Replica& r, const std::string& row) {
  for (const auto& p : r.problems())
    if (p.row == row) return p.code;
  return {};
}

}  // namespace

TEST_SUITE("tracks on the server") {
  TEST_CASE("a worker's track segments land once, on a patrol the server holds; bad ones change nothing") {
    ServerProcess server({"--demo"});
    Device worker(server.url(), "worker01");
    REQUIRE(worker.sync.sync());
    std::string unit = text_of(worker.db,
                               "SELECT a.grid_id FROM assignments a JOIN grids g ON g.id = a.grid_id "
                               "WHERE a.user_id = ? AND a.active = 1 AND g.level = 2",
                               worker.me.user_id);
    std::string grid = text_of(worker.db, "SELECT id FROM grids WHERE parent_id = ? ORDER BY code LIMIT 1", unit);
    REQUIRE_FALSE(grid.empty());
    int64_t now = now_ms();
    auto patrol = worker.replica.create(
        T("patrols"), fields_of(T("patrols"), {{"grid_id", grid}, {"worker_id", worker.me.user_id}, {"started_at", now},
                                               {"status", std::string("active")},
                                               {"start_fix", geo::fix_json({{118.55, 24.87}, 6, now, geo::FixSource::gps})}}));
    REQUIRE(patrol);
    auto pts = walk(500, now);
    auto first = worker.replica.create(T("tracks"), track_row(*patrol, grid, worker.me.user_id, 0, pts));
    auto again = worker.replica.create(T("tracks"), track_row(*patrol, grid, worker.me.user_id, 0, pts));  // resent as new
    auto nobody = worker.replica.create(T("tracks"), track_row(UuidV7().next(now), grid, worker.me.user_id, 1, pts));
    REQUIRE(first);
    REQUIRE(again);
    REQUIRE(nobody);
    auto r = worker.sync.sync();
    REQUIRE(r);
    ServerDb db(server.db_path());
    CHECK(db.query_int("SELECT count(*) FROM tracks WHERE patrol_id = '" + *patrol + "'") == 1);
    CHECK(db.query_int("SELECT count(*) FROM tracks WHERE id = '" + *first + "'") == 1);
    CHECK(code_of(worker.replica, *again) == "invalid");
    CHECK(code_of(worker.replica, *nobody) == "not_found");
    // The server holds the points as sent, to the micro-degree and second.
    auto held = geo::decode_track(text_of(db, "SELECT points FROM tracks WHERE id = ?", *first));
    REQUIRE(held);
    CHECK(*held == pts);

    // In another's name: refused. 100,000 points: refused by the schema,
    // before any rule; nothing stored.
    Device other(server.url(), "worker02");
    REQUIRE(other.sync.sync());
    auto forged = worker.replica.create(T("tracks"), track_row(*patrol, grid, other.me.user_id, 2, pts));
    REQUIRE(forged);
    auto huge = worker.replica.create(T("tracks"), track_row(*patrol, grid, worker.me.user_id, 3, walk(100'000, now)));
    CHECK_FALSE(huge);  // the replica's own check refuses it first
    if (!huge) {  // 100,000 points encode past the column's length before their count is read
      CHECK(huge.error().message.find("tracks.points") != std::string::npos);
      CHECK((huge.error().code == Code::too_long || huge.error().code == Code::too_large));
    }
    REQUIRE(worker.sync.sync());
    CHECK(code_of(worker.replica, *forged) == "forbidden");
    CHECK(db.query_int("SELECT count(*) FROM tracks WHERE patrol_id = '" + *patrol + "'") == 1);

    // A check-in is its user's own; a fix with NaN never gets that far.
    auto checkin = worker.replica.create(
        T("checkins"), fields_of(T("checkins"), {{"grid_id", grid}, {"user_id", worker.me.user_id}, {"at", now},
                                                 {"fix", geo::fix_json({{118.55, 24.87}, 6, now, geo::FixSource::gps})},
                                                 {"inside", int64_t{1}}}));
    REQUIRE(checkin);
    auto bad_fix = worker.replica.create(
        T("checkins"), fields_of(T("checkins"), {{"grid_id", grid}, {"user_id", worker.me.user_id}, {"at", now},
                                                 {"fix", std::string(R"({"lon":118.5,"lat":95,"acc":5,"at":1,"src":"gps"})")}}));
    CHECK_FALSE(bad_fix);
    REQUIRE(worker.sync.sync());
    CHECK(db.query_int("SELECT count(*) FROM checkins WHERE id = '" + *checkin + "'") == 1);
  }

  TEST_CASE("a grid's polygon that crosses itself is refused; a simple one is taken") {
    ServerProcess server({"--demo"});
    Device sup(server.url(), "supervisor01");
    REQUIRE(sup.sync.sync());
    ServerDb db(server.db_path());
    std::string grid = text_of(db, "SELECT id FROM grids WHERE level = ? ORDER BY code LIMIT 1", "3");
    REQUIRE_FALSE(grid.empty());
    std::string before = text_of(db, "SELECT polygon FROM grids WHERE id = ?", grid);
    // The replica refuses it at home; an altered client sends it anyway.
    std::string bow = R"({"type":"Polygon","coordinates":[[[118.5,24.8],[118.6,24.9],[118.6,24.8],[118.5,24.9],[118.5,24.8]]]})";
    CHECK_FALSE(sup.replica.write(T("grids"), grid, fields_of(T("grids"), {{"polygon", std::string("{}")}})));
    sync::Patch p;
    p.id = UuidV7().next(now_ms());
    p.table = &T("grids");
    p.row = grid;
    p.hlc = sup.clock.now();
    p.origin = sup.id;
    p.set = {{static_cast<uint16_t>(T("grids").index_of("polygon")), Value{bow}}};
    auto linked = sup.replica.link(sync::encode_patch(p));
    REQUIRE(linked);
    sync::PushRequest req;
    req.batch = UuidV7().next(now_ms());
    req.patches.push_back(*linked);
    auto answer = sup.http.exchange("/v1/sync/push", sync::encode(req));
    // Refused, whole or by the patch, with the polygon's reason; nothing stored.
    std::string said = answer ? *answer : answer.error().message;
    CHECK(said.find("crosses itself") != std::string::npos);
    CHECK(text_of(db, "SELECT polygon FROM grids WHERE id = ?", grid) == before);
    std::string square = geo::polygon_json({{{{118.50, 24.80}, {118.51, 24.80}, {118.51, 24.81}, {118.50, 24.81}}}});
    REQUIRE(sup.replica.write(T("grids"), grid, fields_of(T("grids"), {{"polygon", square}})));
    auto r = sup.sync.sync();
    REQUIRE(r);
    CHECK(r->refused == 0);
    CHECK(geo::parse_polygon(text_of(db, "SELECT polygon FROM grids WHERE id = ?", grid))->rings ==
          geo::parse_polygon(square)->rings);
  }
}
