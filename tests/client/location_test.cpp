// The tablet's location without a receiver (issue 23): gpsd's reports as
// fixes (NaN and out-of-range ones dropped) and a patrol's track recorder
// fed fixes directly: segments by fix time, their seq, a restart mid-patrol.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "client/core/data_key.hpp"
#include "client/core/location.hpp"
#include "client/core/patrol_track.hpp"
#include "client/core/tuning.hpp"
#include "shared/codec.hpp"
#include "shared/schema.hpp"
#include "shared/tuning.hpp"
#include "shared/uuid.hpp"

using namespace gw;
using namespace gw::client;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kStart = 1'764'000'000'000;  // 2025-11-25 00:00 China time

// A replica as on a tablet: the track's points sealed under a data key.
struct Tablet {
  Tablet() : dir(make_dir()), db(dir + "/r.db"), clock([] { return kStart; }), replica(db, "dev-1", clock, 7, key.get()) {
    attach_data_key(db, key.get());
  }
  ~Tablet() { std::filesystem::remove_all(dir); }
  static std::string make_dir() {
    char tmpl[] = "/tmp/gridwork-track-XXXXXX";
    return mkdtemp(tmpl);
  }
  std::string dir;
  std::shared_ptr<DataKey> key = DataKey::generate();
  SqliteDb db;
  Hlc clock;
  sync::Replica replica;
};

// A walk at 2 m/s from Qingmeng park, turning between east and north every
// 30 s (corners Douglas-Peucker must keep), a fix a second.
geo::Fix walk(int second) {
  geo::LocalProjection proj({118.55, 24.87});
  double x = 0, y = 0;
  for (int s = 0; s < second; ++s) ((s / 30) % 2 == 0 ? x : y) += 2.0;
  geo::Fix f;
  f.at_point = proj.to_lonlat({x, y});
  f.accuracy_m = 5;
  f.at_ms = kStart + int64_t{second} * 1000;
  return f;
}

// Ids as the schema wants them (UUIDs).
UuidV7 ids(23);
const std::string kGrid = ids.next(kStart), kWorker = ids.next(kStart);
const std::string kPatrol1 = ids.next(kStart), kPatrol2 = ids.next(kStart), kPatrol3 = ids.next(kStart);

struct Segment {
  int64_t seq, started_at, ended_at, length_m;
  std::vector<geo::TrackPoint> points;
};

std::vector<Segment> segments(Tablet& t, const std::string& patrol) {
  auto s = t.db.prepare(
      "SELECT seq, started_at, ended_at, length_m, gw_open(points, 'tracks.points') FROM tracks WHERE patrol_id = ? "
      "ORDER BY seq");
  s.bind(1, patrol);
  std::vector<Segment> out;
  while (s.step()) {
    auto pts = geo::decode_track(s.text(4));
    REQUIRE(pts);
    out.push_back(Segment{s.int64(0), s.int64(1), s.int64(2), s.int64(3), std::move(*pts)});
  }
  return out;
}

void check_joined(const std::vector<Segment>& segs) {
  for (size_t i = 0; i < segs.size(); ++i) {
    CHECK(segs[i].seq == static_cast<int64_t>(i));
    REQUIRE(segs[i].points.size() >= 2);
    CHECK(segs[i].started_at == segs[i].points.front().at_ms);
    CHECK(segs[i].ended_at == segs[i].points.back().at_ms);
    CHECK(std::abs(segs[i].length_m - geo::length_m(segs[i].points)) <= 1.0);
    if (i > 0) CHECK(segs[i].points.front() == segs[i - 1].points.back());  // one line, no gap
  }
}

}  // namespace

TEST_CASE("gpsd's reports: a 2D or 3D fix with finite coordinates is kept, NaN and nonsense are not") {
  GpsReading r{3, 24.87, 118.55, 4.2, kStart};
  auto f = fix_from_reading(r);
  REQUIRE(f);
  CHECK(f->at_point == geo::LonLat{118.55, 24.87});
  CHECK(f->accuracy_m == doctest::Approx(4.2));
  CHECK(f->at_ms == kStart);
  CHECK(f->source == geo::FixSource::gps);

  CHECK_FALSE(fix_from_reading(GpsReading{3, kNaN, 118.55, 4, kStart}));
  CHECK_FALSE(fix_from_reading(GpsReading{3, 24.87, kNaN, 4, kStart}));
  CHECK_FALSE(fix_from_reading(GpsReading{1, 24.87, 118.55, 4, kStart}));  // no fix
  CHECK_FALSE(fix_from_reading(GpsReading{0, 24.87, 118.55, 4, kStart}));  // mode not seen
  CHECK_FALSE(fix_from_reading(GpsReading{3, 95.0, 118.55, 4, kStart}));   // beyond a pole
  CHECK_FALSE(fix_from_reading(GpsReading{3, 24.87, 200.0, 4, kStart}));

  // No error estimate: a default by mode. No time: not a fix yet (a
  // cycle's first report before the sentence with the date).
  CHECK_FALSE(fix_from_reading(GpsReading{3, 24.87, 118.55, 4, 0}));
  auto d3 = fix_from_reading(GpsReading{3, 24.87, 118.55, kNaN, kStart});
  REQUIRE(d3);
  CHECK(d3->accuracy_m == client::tuning::kGps3dAccuracyM);
  auto d2 = fix_from_reading(GpsReading{2, 24.87, 118.55, kNaN, kStart});
  REQUIRE(d2);
  CHECK(d2->accuracy_m == client::tuning::kGps2dAccuracyM);
}

TEST_CASE("a patrol's track: a segment per flush period of fix time, seq 0, 1, 2, joined end to start") {
  Tablet t;
  PatrolTrack track(t.replica);
  CHECK_FALSE(track.active());
  REQUIRE(track.begin(kPatrol1, kGrid, kWorker));
  const int flush_s = static_cast<int>(gw::tuning::kTrackFlushMs / 1000);
  const int seconds = flush_s * 5 / 2;
  int written = 0;
  for (int s = 0; s <= seconds; ++s) {
    auto w = track.offer(walk(s));
    REQUIRE_MESSAGE(w, (w ? "" : w.error().message));
    written += *w;
    if (s == flush_s - 1) CHECK(written == 0);  // not a flush period of fix time yet
  }
  CHECK(written == 2);  // at one and two flush periods
  // A fix with NaN coordinates or poorer than a track keeps: ignored.
  geo::Fix bad = walk(seconds + 1);
  bad.at_point.lat = kNaN;
  CHECK_FALSE(*track.offer(bad));
  geo::Fix vague = walk(seconds + 2);
  vague.accuracy_m = 500;
  CHECK_FALSE(*track.offer(vague));

  auto live = track.live();
  auto fin = track.finish();
  REQUIRE(fin);
  CHECK(*fin);
  CHECK_FALSE(track.active());
  auto segs = segments(t, kPatrol1);
  REQUIRE(segs.size() == 3);
  check_joined(segs);
  CHECK(segs[0].ended_at - segs[0].started_at >= gw::tuning::kTrackFlushMs);
  CHECK(segs.back().ended_at == walk(seconds).at_ms);
  // Simplified: the corners every 30 s stay, the straight runs between go.
  auto all = PatrolTrack::load(t.db, kPatrol1);
  REQUIRE(all);
  CHECK(all->size() < static_cast<size_t>(seconds) / 5);
  CHECK(all->size() >= static_cast<size_t>(seconds) / 30);
  CHECK(geo::length_m(*all) == doctest::Approx(2.0 * seconds).epsilon(0.02));
  // What the map drew while walking: the written segments as stored, then
  // the points kept since (simplified when their segment was written).
  REQUIRE(live.size() >= all->size());
  CHECK(std::equal(segs[1].points.begin(), segs[1].points.end(),
                   live.begin() + static_cast<std::ptrdiff_t>(segs[0].points.size() - 1)));
  CHECK(live.back() == all->back());
  // The rows are sealed: the points are not in the file in clear.
  auto raw = t.db.prepare("SELECT points FROM tracks WHERE seq = 0");
  REQUIRE(raw.step());
  CHECK(std::string(raw.text(0)).rfind("t1.", 0) != 0);
}

TEST_CASE("a tablet restarted mid-patrol goes on with the next seq, from where the written track ended") {
  const int flush_s = static_cast<int>(gw::tuning::kTrackFlushMs / 1000);
  Tablet t;
  {
    PatrolTrack track(t.replica);
    REQUIRE(track.begin(kPatrol2, kGrid, kWorker));
    for (int s = 0; s <= flush_s * 5 / 4; ++s) REQUIRE(track.offer(walk(s)));
    // The app dies here: the points after one flush period were never written.
  }
  REQUIRE(segments(t, kPatrol2).size() == 1);
  PatrolTrack again(t.replica);
  REQUIRE(again.begin(kPatrol2, kGrid, kWorker));
  auto before = again.live();
  REQUIRE_FALSE(before.empty());
  for (int s = flush_s * 5 / 3; s <= flush_s * 11 / 5; ++s) REQUIRE(again.offer(walk(s)));
  REQUIRE(again.finish());
  auto segs = segments(t, kPatrol2);
  // One period before the restart; after it, two periods (from the first's
  // end point, where the restarted recorder began), then the end.
  REQUIRE(segs.size() == 3);
  check_joined(segs);
  std::set<int64_t> seqs;
  for (const auto& s : segs) seqs.insert(s.seq);
  CHECK(seqs.size() == segs.size());
  CHECK(segs[1].started_at == segs[0].ended_at);

  // Nothing more after the end; a patrol never walked writes no row.
  CHECK_FALSE(*again.offer(walk(flush_s * 3)));
  PatrolTrack idle(t.replica);
  REQUIRE(idle.begin(kPatrol3, kGrid, kWorker));
  REQUIRE(idle.offer(walk(0)));
  auto none = idle.finish();
  REQUIRE(none);
  CHECK_FALSE(*none);
  CHECK(segments(t, kPatrol3).empty());
}

// ---- fixes on records, no receiver: the store thread's whereabouts set by hand ----

#include "client/core/field_actions.hpp"
#include "client/core/photo_store.hpp"
#include "client/core/queries.hpp"

namespace {

// Two level-3 grids side by side under one unit grid, 0.01° squares.
struct Park : Tablet {
  Park() {
    unit = add("grids", {{"level", int64_t{2}}, {"code", std::string("U")}, {"name", std::string("单元")},
                         {"kind", std::string("unit")}, {"polygon", square(118.55, 24.87, 0.02, 0.01)}});
    west = add("grids", {{"parent_id", unit}, {"level", int64_t{3}}, {"code", std::string("U-1")},
                         {"name", std::string("西")}, {"kind", std::string("community")},
                         {"polygon", square(118.55, 24.87, 0.01, 0.01)}});
    east = add("grids", {{"parent_id", unit}, {"level", int64_t{3}}, {"code", std::string("U-2")},
                         {"name", std::string("东")}, {"kind", std::string("community")},
                         {"polygon", square(118.56, 24.87, 0.01, 0.01)}});
    std::vector<GridIndex::Entry> entries;
    auto s = db.prepare("SELECT id, IFNULL(parent_id, ''), code, name, level, polygon FROM grids");
    while (s.step()) {
      auto poly = geo::parse_polygon(s.text(5));
      REQUIRE(poly);
      entries.push_back(GridIndex::Entry{std::string(s.text(0)), std::string(s.text(1)), std::string(s.text(2)),
                                         std::string(s.text(3)), static_cast<int>(s.int64(4)), *poly, geo::Box{}});
    }
    where.grids = std::make_shared<const GridIndex>(std::move(entries));
  }
  static std::string square(double lon, double lat, double w, double h) {
    geo::Polygon p{{{{lon, lat}, {lon + w, lat}, {lon + w, lat + h}, {lon, lat + h}}}};
    return geo::polygon_json(p);
  }
  std::string add(const char* table, std::initializer_list<std::pair<std::string_view, Value>> cols) {
    const TableSpec& t = *find_table(table);
    auto id = replica.create(t, fields_of(t, cols));
    REQUIRE_MESSAGE(id, id.error().message);
    return *id;
  }
  static geo::Fix at(double lon, double lat) { return geo::Fix{{lon, lat}, 8, kStart, geo::FixSource::gps}; }

  std::string unit, west, east;
  Whereabouts where;
  PhotoStore photos{db, *key};
  Queries queries{db};
  FieldActions act{replica, queries, photos, &where};
  Me me{kWorker, RoleSet{Role::worker}};
};

}  // namespace

TEST_CASE("fixes on records: a case with no grid lands in the level-3 grid under its fix; a bad fix or none is refused") {
  Park p;
  client::NewCase c;
  c.category = "0101";
  c.title = "井盖缺失";
  c.fix = Park::at(118.565, 24.875);  // in the east grid
  auto id = p.act.create_case(p.me, c);
  REQUIRE_MESSAGE(id, id.error().message);
  auto s = p.db.prepare("SELECT grid_id, fix FROM cases WHERE id = ?");
  s.bind(1, *id);
  REQUIRE(s.step());
  CHECK(std::string(s.text(0)) == p.east);
  auto stored = geo::parse_fix(s.text(1));
  REQUIRE(stored);
  CHECK(stored->at_point == c.fix->at_point);
  s.reset();

  // Outside every grid and no grid chosen: the worker must choose.
  c.fix = Park::at(120.0, 30.0);
  auto none = p.act.create_case(p.me, c);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Code::missing);
  // NaN from a receiver never becomes a record.
  c.fix = Park::at(kNaN, 24.875);
  c.grid_id = p.west;
  auto nan = p.act.create_case(p.me, c);
  REQUIRE_FALSE(nan);
  CHECK(p.db.query_int("SELECT count(*) FROM cases") == 1);

  // A check-in with no fix: refused, nothing stored; with one, inside or not.
  auto no_fix = p.act.check_in(p.me, p.west, "");
  REQUIRE_FALSE(no_fix);
  CHECK(no_fix.error().code == Code::missing);
  CHECK(p.db.query_int("SELECT count(*) FROM checkins") == 0);
  p.where.fix = Park::at(118.555, 24.875);
  REQUIRE(p.act.check_in(p.me, p.west, ""));
  REQUIRE(p.act.check_in(p.me, p.east, ""));
  CHECK(p.db.query_int("SELECT count(*) FROM checkins WHERE inside = 1 AND grid_id = '" + p.west + "'") == 1);
  CHECK(p.db.query_int("SELECT count(*) FROM checkins WHERE inside = 0 AND grid_id = '" + p.east + "'") == 1);

  // A patrol: the start and end fixes, its distance and time inside its grid.
  auto patrol = p.act.start_patrol(p.me, p.west);
  REQUIRE(patrol);
  PatrolTrack track(p.replica);
  REQUIRE(track.begin(*patrol, p.west, kWorker));
  geo::LocalProjection proj({118.552, 24.875});
  for (int sec = 0; sec <= 60; ++sec) {
    geo::Fix f{proj.to_lonlat({sec * 2.0, 0}), 5, kStart + sec * 1000, geo::FixSource::gps};
    REQUIRE(track.offer(f));
  }
  p.where.fix = Park::at(118.5631, 24.875);
  REQUIRE(p.act.end_patrol(*patrol, "", &track));
  auto q = p.db.prepare(
      "SELECT distance_m, inside_ms, gw_open(start_fix, 'patrols.start_fix') IS NOT NULL, "
      "gw_open(end_fix, 'patrols.end_fix') IS NOT NULL FROM patrols WHERE id = ?");
  q.bind(1, *patrol);
  REQUIRE(q.step());
  CHECK(q.int64(0) == doctest::Approx(120).epsilon(0.02));  // 60 s at 2 m/s
  // From 118.552° to 118.56° (the grids' border) is ~808 m: all 120 m inside.
  CHECK(q.int64(1) == 60'000);
  CHECK(q.int64(2) == 1);
  CHECK(q.int64(3) == 1);
}
