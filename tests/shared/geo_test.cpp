// Fixes, polygons and tracks (issue 23): the rules every store applies,
// with the bad inputs the issue names refused by them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "shared/codec.hpp"
#include "shared/geo.hpp"
#include "shared/rng.hpp"
#include "shared/schema.hpp"
#include "shared/tuning.hpp"

using namespace gw;
using namespace gw::geo;

namespace {

constexpr LonLat kQingmeng{118.55, 24.87};

std::string square(double w, double s, double e, double n) {
  return R"({"type":"Polygon","coordinates":[[[)" + std::to_string(w) + "," + std::to_string(s) + "],[" +
         std::to_string(e) + "," + std::to_string(s) + "],[" + std::to_string(e) + "," + std::to_string(n) + "],[" +
         std::to_string(w) + "," + std::to_string(n) + "],[" + std::to_string(w) + "," + std::to_string(s) + "]]]}";
}

// A walk at ~1.4 m/s, one fix a second, east then north.
std::vector<TrackPoint> walk(size_t n, SeededRng* jitter = nullptr) {
  LocalProjection proj(kQingmeng);
  std::vector<TrackPoint> out;
  for (size_t i = 0; i < n; ++i) {
    double d = 1.4 * static_cast<double>(i);
    Xy xy = d < 700 ? Xy{d, 0} : Xy{700, d - 700};
    if (jitter) xy.x += jitter->uniform() * 2 - 1, xy.y += jitter->uniform() * 2 - 1;
    out.push_back(quantize({proj.to_lonlat(xy), 1'765'000'000'000 + static_cast<int64_t>(i) * 1000}));
  }
  return out;
}

}  // namespace

TEST_CASE("geo: a fix round-trips and bad ones are refused with a reason") {
  Fix f{{118.551234, 24.871234}, 6.5, 1'765'000'000'123, FixSource::gps};
  auto back = parse_fix(fix_json(f));
  REQUIRE(back);
  CHECK(back->at_point == f.at_point);
  CHECK(back->accuracy_m == 6.5);
  CHECK(back->at_ms == f.at_ms);
  CHECK(back->source == FixSource::gps);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(!check_fix({{nan, 24.87}, 5, 0, FixSource::gps}));
  CHECK(check_fix({{nan, 24.87}, 5, 0, FixSource::gps}).error().message.find("NaN") != std::string::npos);
  CHECK(!check_fix({{181, 24.87}, 5, 0, FixSource::gps}));
  CHECK(!check_fix({{118.55, -91}, 5, 0, FixSource::gps}));
  CHECK(!check_fix({{118.55, 24.87}, -1, 0, FixSource::gps}));
  CHECK(!check_fix({{118.55, 24.87}, std::numeric_limits<double>::infinity(), 0, FixSource::gps}));
  CHECK(!parse_fix(R"({"lon":118.5,"lat":24.8,"acc":5,"at":1,"src":"wifi"})"));
  CHECK(!parse_fix(R"({"lon":118.5,"lat":24.8,"acc":5,"at":1})"));
  CHECK(!parse_fix(R"({"lon":"118.5","lat":24.8,"acc":5,"at":1,"src":"gps"})"));
  CHECK(!parse_fix(R"({"lon":118.5,"lat":24.8,"acc":5,"at":1,"src":"gps","x":1})"));
  CHECK(!parse_fix(R"({"lon":1e999,"lat":24.8,"acc":5,"at":1,"src":"gps"})"));
  CHECK(grade(4) == Accuracy::good);
  CHECK(grade(10) == Accuracy::good);
  CHECK(grade(40) == Accuracy::fair);
  CHECK(grade(100) == Accuracy::poor);
}

TEST_CASE("geo: the schema refuses a bad fix on a case, and says why") {
  const TableSpec& cases = *find_table("cases");
  const ColumnSpec& fix = *cases.find("fix");
  auto bad = check_value(cases, fix, Value{std::string(R"({"lon":200,"lat":24.8,"acc":5,"at":1,"src":"gps"})")});
  REQUIRE(!bad);
  CHECK(bad.error().message.find("cases.fix") != std::string::npos);
  CHECK(bad.error().message.find("longitude") != std::string::npos);
  CHECK(check_value(cases, fix, Value{fix_json({kQingmeng, 5, 1, FixSource::manual})}));
}

TEST_CASE("geo: projection and distance agree near the park") {
  LocalProjection proj(kQingmeng);
  LonLat p = proj.to_lonlat({1000, 2000});
  Xy back = proj.to_metres(p);
  CHECK(back.x == doctest::Approx(1000).epsilon(1e-9));
  CHECK(back.y == doctest::Approx(2000).epsilon(1e-9));
  // Within a park the plane's lengths are the sphere's to 0.1 %.
  CHECK(distance_m(kQingmeng, p) == doctest::Approx(std::hypot(1000, 2000)).epsilon(1e-3));
  // A degree of latitude is ~111.2 km on the mean sphere.
  CHECK(distance_m({118, 24}, {118, 25}) == doctest::Approx(111'195).epsilon(1e-3));
}

TEST_CASE("geo: polygons: containment, holes, and self-intersection refused") {
  auto sq = parse_polygon(square(118.5, 24.8, 118.6, 24.9));
  REQUIRE(sq);
  CHECK(sq->outer().size() == 4);  // the closing repeat dropped
  CHECK(contains(*sq, {118.55, 24.85}));
  CHECK(!contains(*sq, {118.65, 24.85}));
  CHECK(!contains(*sq, {118.55, 24.95}));

  auto holed = parse_polygon(
      R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]})");
  REQUIRE(holed);
  CHECK(contains(*holed, {2, 2}));
  CHECK(!contains(*holed, {5, 5}));

  // A bow tie: the imported boundary crosses itself.
  auto bow = parse_polygon(R"({"type":"Polygon","coordinates":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]})");
  REQUIRE(!bow);
  CHECK(bow.error().message.find("crosses itself") != std::string::npos);
  // A spike that runs back along its own edge.
  CHECK(!parse_polygon(R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[5,0],[5,5],[0,0]]]})"));
  // A hole touching the outer ring, a hole outside it.
  CHECK(!parse_polygon(R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10]],[[0,4],[6,4],[6,6]]]})"));
  CHECK(!parse_polygon(R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10]],[[20,20],[21,20],[21,21]]]})"));
  CHECK(!parse_polygon(R"({"type":"Polygon","coordinates":[[[0,0],[10,0]]]})"));
  CHECK(!parse_polygon(R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[500,10]]]})"));
  CHECK(!parse_polygon(R"({"type":"Point","coordinates":[0,0]})"));

  // The schema's grids.polygon is the same rule: nothing bad is stored.
  const TableSpec& grids = *find_table("grids");
  auto st = check_value(grids, *grids.find("polygon"),
                        Value{std::string(R"({"type":"Polygon","coordinates":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]})")});
  REQUIRE(!st);
  CHECK(st.error().message.find("grids.polygon") != std::string::npos);

  // polygon_json writes what parse_polygon reads.
  auto again = parse_polygon(polygon_json(*holed));
  REQUIRE(again);
  CHECK(again->rings == holed->rings);
}

TEST_CASE("geo: random simple polygons pass, the same with two points swapped mostly fails") {
  SeededRng rng(2323);
  int refused = 0;
  for (int round = 0; round < 200; ++round) {
    // A star-shaped ring around a centre, angles increasing: always simple.
    int n = 3 + rng.below(61);
    Polygon p{{{}}};
    for (int i = 0; i < n; ++i) {
      double a = 2 * 3.14159265358979 * (i + 0.5 * rng.uniform()) / n, r = 0.001 + 0.01 * rng.uniform();
      p.rings[0].push_back({118.55 + r * std::cos(a), 24.87 + r * std::sin(a)});
    }
    REQUIRE(parse_polygon(polygon_json(p)));
    CHECK(contains(p, {118.55, 24.87}));
    if (n >= 5) {
      std::swap(p.rings[0][1], p.rings[0][3]);
      refused += !parse_polygon(polygon_json(p));
    }
  }
  CHECK(refused > 100);
}

TEST_CASE("geo: track codec round-trips exactly and is canonical") {
  SeededRng rng(77);
  auto track = walk(1500, &rng);
  std::string text = encode_track(track);
  auto back = decode_track(text);
  REQUIRE(back);
  CHECK(*back == track);
  CHECK(encode_track(*back) == text);
  // ~8 bytes a point: the compact part of the issue.
  CHECK(text.size() < track.size() * 9);

  CHECK(!decode_track("t2." + text.substr(3)));
  CHECK(!decode_track(text.substr(0, text.size() - 2)));
  CHECK(!decode_track(text + "A"));
  CHECK(!decode_track(text.substr(0, 10) + "!" + text.substr(11)));
  // Time going back.
  auto back_in_time = track;
  back_in_time[5].at_ms = back_in_time[4].at_ms - 1000;
  CHECK(!decode_track(encode_track(back_in_time)));

  // 100,000 points: refused with the count and the limit, nothing decoded.
  auto huge = walk(100'000);
  auto refused = decode_track(encode_track(huge));
  REQUIRE(!refused);
  CHECK(refused.error().code == Code::too_large);
  CHECK(refused.error().message.find("100000") != std::string::npos);
  const TableSpec& tracks = *find_table("tracks");
  CHECK(!check_value(tracks, *tracks.find("points"), Value{encode_track(huge)}));
}

TEST_CASE("geo: Douglas-Peucker keeps the corner and stays within tolerance") {
  SeededRng rng(5);
  auto track = walk(1000, &rng);
  auto kept = simplify(track, tuning::kTrackToleranceM);
  CHECK(kept.front() == track.front());
  CHECK(kept.back() == track.back());
  CHECK(kept.size() < track.size() / 10);
  // The corner at 700 m east survives.
  LocalProjection proj(kQingmeng);
  bool corner = false;
  for (const auto& t : kept) {
    Xy xy = proj.to_metres(t.p);
    corner = corner || (std::abs(xy.x - 700) < 4 && std::abs(xy.y) < 4);
  }
  CHECK(corner);
  // Every dropped point is within tolerance of the line kept.
  size_t k = 0;
  for (const auto& t : track) {
    while (k + 1 < kept.size() && kept[k + 1].at_ms <= t.at_ms) ++k;
    if (k + 1 >= kept.size()) break;
    Xy p = proj.to_metres(t.p), a = proj.to_metres(kept[k].p), b = proj.to_metres(kept[k + 1].p);
    double dx = b.x - a.x, dy = b.y - a.y;
    double u = std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy), 0.0, 1.0);
    CHECK(std::hypot(p.x - a.x - u * dx, p.y - a.y - u * dy) <= tuning::kTrackToleranceM + 1e-6);
  }
  // 100,000 points need no deep stack.
  CHECK(simplify(walk(100'000), 1).size() >= 3);
}

TEST_CASE("geo: the sampler keeps moves and waits, drops jitter and poor fixes") {
  TrackSampler s;
  LocalProjection proj(kQingmeng);
  int64_t t0 = 1'765'000'000'000;
  auto at = [&](double x, int64_t sec, double acc = 5) {
    return Fix{proj.to_lonlat({x, 0}), acc, t0 + sec * 1000, FixSource::gps};
  };
  CHECK(s.offer(at(0, 0)));
  CHECK(!s.offer(at(2, 1)));        // jitter
  CHECK(!s.offer(at(10, 2, 80)));   // too poor
  CHECK(s.offer(at(10, 3)));        // moved
  CHECK(!s.offer(at(20, 3)));       // not after the last
  CHECK(s.offer(at(11, 3 + 60)));   // waited
  CHECK(!s.offer({{std::numeric_limits<double>::quiet_NaN(), 0}, 5, t0 + 99'000, FixSource::gps}));
  auto seg = s.take();
  CHECK(seg.size() == 3);
  CHECK(s.size() == 1);  // the next segment starts where this one ended
  CHECK(s.points().front() == seg.back());
}

TEST_CASE("geo: length and time inside a grid") {
  auto track = walk(1001);  // 1,400 m in 1,000 s
  CHECK(length_m(track) == doctest::Approx(1400).epsilon(2e-3));
  LocalProjection proj(kQingmeng);
  LonLat sw = proj.to_lonlat({-10, -10}), ne = proj.to_lonlat({350, 10});
  auto grid = parse_polygon(square(sw.lon, sw.lat, ne.lon, ne.lat));
  REQUIRE(grid);
  // 0..350 m east at 1.4 m/s: 250 s inside.
  CHECK(time_inside_ms(track, *grid) == doctest::Approx(250'000).epsilon(0.01));
  // A simplified track steps over the border in one step: the part inside counts.
  std::vector<TrackPoint> two{{proj.to_lonlat({250, 0}), 0}, {proj.to_lonlat({450, 0}), 200'000}};
  CHECK(time_inside_ms(two, *grid) == doctest::Approx(100'000).epsilon(0.001));
  // In, out and in again through a notch: only the inside parts.
  auto notch = parse_polygon(polygon_json({{{proj.to_lonlat({0, -10}), proj.to_lonlat({100, -10}), proj.to_lonlat({100, 10}),
                                             proj.to_lonlat({60, 10}), proj.to_lonlat({60, -5}), proj.to_lonlat({40, -5}),
                                             proj.to_lonlat({40, 10}), proj.to_lonlat({0, 10})}}}));
  REQUIRE(notch);
  std::vector<TrackPoint> across{{proj.to_lonlat({-50, 0}), 0}, {proj.to_lonlat({150, 0}), 200'000}};
  CHECK(time_inside_ms(across, *notch) == doctest::Approx(80'000).epsilon(0.001));
}
