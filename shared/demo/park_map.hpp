// The demo park's ground (issue 23): grids as polygons in real coordinates
// around Qingmeng, Quanzhou, and points and walks inside them.
//
// The generator plans grids as rectangles that partition their parent
// exactly (integer micro-degrees). Real grid boundaries follow roads and
// walls, so each rectangle's outline is densified and bent by one smooth
// function of the place: two grids that share a border pass the same
// points through the same function and still share it exactly, and the
// bend (slope below 1) never folds a boundary over itself.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "shared/geo.hpp"

namespace gw::demo {

struct Rect {
  int64_t west = 0, south = 0, east = 0, north = 0;  // micro-degrees
};

class ParkMap {
 public:
  // Every grid rectangle of one park, all levels: their corners are where
  // a neighbour's border may start, so every ring carries them.
  explicit ParkMap(std::span<const Rect> grids);

  geo::Polygon polygon(const Rect& r) const;
  // A point inside r: u, v in [0, 1) across it, kept off the border.
  geo::LonLat place(const Rect& r, double u, double v) const;
  // The ground's bend at a planned point.
  static geo::LonLat bend(int64_t lon, int64_t lat);
  // The planned (unbent) micro-degrees of a place inside r.
  static std::pair<int64_t, int64_t> planned(const Rect& r, double u, double v);

 private:
  std::vector<std::pair<int64_t, int64_t>> corners_;  // sorted, unique
};

// A patrol walked through waypoints at an unhurried pace, one fix every
// 15 s with a receiver's jitter of a metre or two, then kept as the
// tablet keeps it (TrackSampler, Douglas-Peucker).
std::vector<geo::TrackPoint> walk_track(std::span<const geo::LonLat> waypoints, int64_t start_ms, int64_t end_ms,
                                        uint64_t jitter_seed);

}  // namespace gw::demo
