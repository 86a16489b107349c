// Where things are (issue 23): a position fix, a grid's polygon, a patrol's
// track, and the plane the map and the KPIs measure on. No I/O, no UI: the
// tablet, the server and the demo park share these rules, and the schema's
// column checks call them, so a bad fix or polygon is refused everywhere
// by the same words.
//
// Coordinates are WGS-84 longitude/latitude in degrees. CGCS2000, China's
// own datum, differs from WGS-84 by centimetres, far below a GPS fix's
// error, so the two are taken as one. GCJ-02 (the offset grid of Chinese
// web maps) is not: a base map in GCJ-02 would sit ~500 m off here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/error.hpp"

namespace gw::geo {

struct LonLat {
  double lon = 0, lat = 0;
  friend bool operator==(const LonLat&, const LonLat&) = default;
};

// ---- fixes -----------------------------------------------------------------

// Where a fix came from: the receiver through gpsd, a pin the worker
// placed or moved on the map, or a surveyed point of reference data.
enum class FixSource : uint8_t { gps, manual, survey };
std::string_view source_name(FixSource s);

// A position at a time, stored on records as
// {"lon":..,"lat":..,"acc":..,"at":..,"src":"gps"} (DESIGN §15).
struct Fix {
  LonLat at_point;
  double accuracy_m = 0;  // horizontal, 1 sigma-ish as gpsd's eph
  int64_t at_ms = 0;      // Unix ms UTC of the fix, not of the record
  FixSource source = FixSource::gps;
};

// Finite, in range, accuracy within [0, 100 km], time within the schema's.
Status check_fix(const Fix& f);
std::string fix_json(const Fix& f);
Result<Fix> parse_fix(std::string_view json);
// The column check of a fix column: parse_fix, nothing more.
Status verify_fix_text(std::string_view json);

// How the form shows a fix's accuracy: good at 10 m or better, poor at
// 100 m or worse (a street's width against a block's).
enum class Accuracy : uint8_t { good, fair, poor };
Accuracy grade(double accuracy_m);

// ---- plane -----------------------------------------------------------------

struct Xy {
  double x = 0, y = 0;  // metres east and north of the projection's origin
};

// An equirectangular projection about an origin: x = R·Δλ·cos φ0, y = R·Δφ.
// Within 20 km of the origin (a park, a district) lengths are off by less
// than 0.1 %, which no GPS fix notices; a city-wide map picks its own origin.
class LocalProjection {
 public:
  explicit LocalProjection(LonLat origin);
  Xy to_metres(LonLat p) const;
  LonLat to_lonlat(Xy p) const;
  LonLat origin() const { return origin_; }

 private:
  LonLat origin_;
  double kx_ = 0, ky_ = 0;  // metres per degree
};

// Great-circle distance (haversine), metres.
double distance_m(LonLat a, LonLat b);

// ---- polygons --------------------------------------------------------------

using Ring = std::vector<LonLat>;  // open: the first point is not repeated

// A GeoJSON Polygon: an outer ring and holes. A grid's boundary.
struct Polygon {
  std::vector<Ring> rings;
  const Ring& outer() const { return rings.front(); }
};

// Parses {"type":"Polygon","coordinates":[[[lon,lat],...]]} and checks it:
// every ring closed or not, at least 3 distinct points, finite and in
// range, at most kPolygonPoints points, and no edge crossing another of any
// ring (a self-intersecting boundary has no inside a tap could agree on).
Result<Polygon> parse_polygon(std::string_view geojson);
Status verify_polygon_text(std::string_view geojson);
std::string polygon_json(const Polygon& p);

// Even-odd over every ring: inside the outer, outside the holes.
bool contains(const Polygon& p, LonLat q);
bool contains(const Ring& ring, LonLat q);
// The bounding box of the outer ring.
struct Box {
  LonLat min, max;
  bool contains(LonLat q) const { return q.lon >= min.lon && q.lon <= max.lon && q.lat >= min.lat && q.lat <= max.lat; }
};
Box bounds(const Ring& ring);

// ---- tracks ----------------------------------------------------------------

struct TrackPoint {
  LonLat p;
  int64_t at_ms = 0;
  friend bool operator==(const TrackPoint&, const TrackPoint&) = default;
};

// Douglas–Peucker on the local plane: the fewest points whose line stays
// within tolerance_m of every point dropped. Ends always kept; iterative,
// so 100,000 points need no deep stack.
std::vector<TrackPoint> simplify(std::span<const TrackPoint> track, double tolerance_m);

// A track segment as text: "t1." then base64url of varints — the count,
// the first point (micro-degrees, zigzag) and second, then each next point
// as deltas. 1e-6° is 0.1 m, under any fix's error; a second is the
// receiver's rate. Stored as it decodes: what a supervisor replays is what
// the server holds, point for point.
std::string encode_track(std::span<const TrackPoint> track);
// Canonical only (one text per track): the header, the count at most
// kTrackSegmentPoints, coordinates in range, time never going back.
Result<std::vector<TrackPoint>> decode_track(std::string_view text);
Status verify_track_text(std::string_view text);
// A point as stored: rounded to 1e-6° and to the second below.
TrackPoint quantize(TrackPoint t);

double length_m(std::span<const TrackPoint> track);
// Time spent inside the polygon, walking each step at an even pace: a step
// counts for the part of it inside, where the border cuts it.
int64_t time_inside_ms(std::span<const TrackPoint> track, const Polygon& grid);

// Keeps a patrol's fixes worth keeping: one at least kTrackMinMetres from
// the last kept, or kTrackMaxGapMs after it (a worker standing still still
// shows up), never one poorer than kTrackMaxAccuracyM, never one older than
// the last (gpsd replays and clock steps).
class TrackSampler {
 public:
  // True when the fix was kept.
  bool offer(const Fix& f);
  const std::vector<TrackPoint>& points() const { return points_; }
  // Hands over what was kept and starts again from the last point, so
  // segments join end to start.
  std::vector<TrackPoint> take();
  size_t size() const { return points_.size(); }

 private:
  std::vector<TrackPoint> points_;
  bool has_last_ = false;
  TrackPoint last_{};
};

}  // namespace gw::geo
