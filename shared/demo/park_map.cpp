#include "shared/demo/park_map.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "shared/rng.hpp"
#include "shared/tuning.hpp"

namespace gw::demo {
namespace {

// A border point every 1,000 micro-degrees (~100 m): enough for the bend
// to read as a curve on a tablet, few enough for a unit grid's ring (~150).
constexpr int64_t kLattice = 1000;
// The bend: up to 600 micro-degrees (~60 m) over waves of 7 and 9 km-ish.
// Its slopes (2π·600/7000 ≈ 0.54, 2π·600/9000 ≈ 0.42) multiply to well
// under 1, so the bend is one-to-one and keeps every ring simple.
constexpr double kBend = 600, kWaveLat = 7000, kWaveLon = 9000;
// Places stay this far inside their rectangle (~ 2 % of it): a pin on a
// border would belong to whichever grid rounding chose.
constexpr double kInset = 0.02;

int64_t lattice_after(int64_t v) { return (v / kLattice + 1) * kLattice; }

}  // namespace

ParkMap::ParkMap(std::span<const Rect> grids) {
  for (const Rect& r : grids)
    for (auto c : {std::pair{r.west, r.south}, {r.east, r.south}, {r.east, r.north}, {r.west, r.north}})
      corners_.push_back(c);
  std::sort(corners_.begin(), corners_.end());
  corners_.erase(std::unique(corners_.begin(), corners_.end()), corners_.end());
}

geo::LonLat ParkMap::bend(int64_t lon, int64_t lat) {
  constexpr double k2Pi = 2 * std::numbers::pi;
  double x = static_cast<double>(lon), y = static_cast<double>(lat);
  double bx = std::round(x + kBend * std::sin(k2Pi * y / kWaveLat + 1.3));
  double by = std::round(y + kBend * std::sin(k2Pi * x / kWaveLon + 0.7));
  return {bx / 1e6, by / 1e6};
}

geo::Polygon ParkMap::polygon(const Rect& r) const {
  // Counter-clockwise from the south-west corner; each side's points are
  // its start, the lattice and any grid's corner strictly inside it.
  const std::pair<int64_t, int64_t> ring[] = {{r.west, r.south}, {r.east, r.south}, {r.east, r.north}, {r.west, r.north}};
  geo::Ring out;
  for (size_t side = 0; side < 4; ++side) {
    auto [x0, y0] = ring[side];
    auto [x1, y1] = ring[(side + 1) % 4];
    bool horizontal = y0 == y1;
    int64_t from = horizontal ? x0 : y0, to = horizontal ? x1 : y1;
    int64_t lo = std::min(from, to), hi = std::max(from, to);
    std::vector<int64_t> at;
    for (int64_t v = lattice_after(lo); v < hi; v += kLattice) at.push_back(v);
    for (auto [cx, cy] : corners_) {
      int64_t along = horizontal ? cx : cy, across = horizontal ? cy : cx;
      if (across == (horizontal ? y0 : x0) && along > lo && along < hi) at.push_back(along);
    }
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    if (from > to) std::reverse(at.begin(), at.end());
    out.push_back(bend(x0, y0));
    for (int64_t v : at) out.push_back(horizontal ? bend(v, y0) : bend(x0, v));
  }
  return geo::Polygon{{std::move(out)}};
}

std::pair<int64_t, int64_t> ParkMap::planned(const Rect& r, double u, double v) {
  auto across = [](int64_t lo, int64_t hi, double t) {
    double span = static_cast<double>(hi - lo);
    return lo + static_cast<int64_t>(std::llround(span * (kInset + (1 - 2 * kInset) * std::clamp(t, 0.0, 1.0))));
  };
  return {across(r.west, r.east, u), across(r.south, r.north, v)};
}

geo::LonLat ParkMap::place(const Rect& r, double u, double v) const {
  auto [x, y] = planned(r, u, v);
  return bend(x, y);
}

std::vector<geo::TrackPoint> walk_track(std::span<const geo::LonLat> waypoints, int64_t start_ms, int64_t end_ms,
                                        uint64_t jitter_seed) {
  if (waypoints.size() < 2 || end_ms <= start_ms) return {};
  double total = 0;
  for (size_t i = 1; i < waypoints.size(); ++i) total += geo::distance_m(waypoints[i - 1], waypoints[i]);
  if (total <= 0) return {};
  geo::LocalProjection proj(waypoints.front());
  SeededRng rng(jitter_seed);
  geo::TrackSampler sampler;
  constexpr int64_t kFixEveryMs = 15'000;
  double ms_per_m = static_cast<double>(end_ms - start_ms) / total;
  size_t leg = 1;
  double leg_start = 0;  // metres walked when the leg began
  for (int64_t t = start_ms; t <= end_ms; t += kFixEveryMs) {
    double walked = static_cast<double>(t - start_ms) / ms_per_m;
    double leg_len = geo::distance_m(waypoints[leg - 1], waypoints[leg]);
    while (leg + 1 < waypoints.size() && walked > leg_start + leg_len) {
      leg_start += leg_len;
      ++leg;
      leg_len = geo::distance_m(waypoints[leg - 1], waypoints[leg]);
    }
    double f = leg_len > 0 ? std::clamp((walked - leg_start) / leg_len, 0.0, 1.0) : 1.0;
    geo::Xy a = proj.to_metres(waypoints[leg - 1]), b = proj.to_metres(waypoints[leg]);
    geo::Xy here{a.x + (b.x - a.x) * f + rng.uniform() * 3 - 1.5, a.y + (b.y - a.y) * f + rng.uniform() * 3 - 1.5};
    sampler.offer({proj.to_lonlat(here), 3 + rng.uniform() * 5, t, geo::FixSource::gps});
  }
  return geo::simplify(sampler.points(), tuning::kTrackToleranceM);
}

}  // namespace gw::demo
