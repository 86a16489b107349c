#include "shared/geo.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "shared/json.hpp"
#include "shared/tuning.hpp"

namespace gw::geo {
namespace {

constexpr double kEarthRadiusM = 6'371'008.8;  // IUGG mean radius
constexpr int64_t kMaxTimeMs = 253402300799999;  // the schema's Time range
constexpr double kMicro = 1e6;

bool finite(LonLat p) { return std::isfinite(p.lon) && std::isfinite(p.lat); }
bool in_range(LonLat p) { return finite(p) && std::abs(p.lon) <= 180 && std::abs(p.lat) <= 90; }

Error invalid(std::string msg) { return Error{Code::invalid, std::move(msg)}; }

// ---- fix -------------------------------------------------------------------

constexpr std::array<std::string_view, 3> kSources = {"gps", "manual", "survey"};

Result<double> number_field(const Json& o, std::string_view key) {
  const Json* v = o.find(key);
  if (!v || !v->is_number()) return invalid("a fix needs '" + std::string(key) + "' as a number");
  return v->as_double();
}

// ---- polygon ---------------------------------------------------------------

double cross(LonLat o, LonLat a, LonLat b) { return (a.lon - o.lon) * (b.lat - o.lat) - (a.lat - o.lat) * (b.lon - o.lon); }

bool on_segment(LonLat a, LonLat b, LonLat q) {
  return std::min(a.lon, b.lon) <= q.lon && q.lon <= std::max(a.lon, b.lon) && std::min(a.lat, b.lat) <= q.lat &&
         q.lat <= std::max(a.lat, b.lat);
}

int sign(double v) { return (v > 0) - (v < 0); }

// Closed segments ab and cd share a point (touching and overlapping count).
bool segments_meet(LonLat a, LonLat b, LonLat c, LonLat d) {
  int d1 = sign(cross(c, d, a)), d2 = sign(cross(c, d, b)), d3 = sign(cross(a, b, c)), d4 = sign(cross(a, b, d));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 == 0 && on_segment(c, d, a)) || (d2 == 0 && on_segment(c, d, b)) || (d3 == 0 && on_segment(a, b, c)) ||
         (d4 == 0 && on_segment(a, b, d));
}

struct Edge {
  LonLat a, b;
  size_t ring, index;
};

// Two edges of one ring next to each other share their common vertex by
// construction; any other meeting is a crossing, a touch or an overlap.
bool adjacent(const Edge& e, const Edge& f, const std::vector<Ring>& rings) {
  if (e.ring != f.ring) return false;
  size_t n = rings[e.ring].size();
  size_t lo = std::min(e.index, f.index), hi = std::max(e.index, f.index);
  return hi - lo == 1 || (lo == 0 && hi == n - 1);
}

Status check_simple(const std::vector<Ring>& rings) {
  std::vector<Edge> edges;
  for (size_t r = 0; r < rings.size(); ++r)
    for (size_t i = 0; i < rings[r].size(); ++i) edges.push_back({rings[r][i], rings[r][(i + 1) % rings[r].size()], r, i});
  // Sorted by their west end, a sweep compares an edge only with those whose
  // longitude span overlaps it: near-linear for a grid's boundary.
  std::sort(edges.begin(), edges.end(),
            [](const Edge& e, const Edge& f) { return std::min(e.a.lon, e.b.lon) < std::min(f.a.lon, f.b.lon); });
  for (size_t i = 0; i < edges.size(); ++i) {
    double east = std::max(edges[i].a.lon, edges[i].b.lon);
    for (size_t j = i + 1; j < edges.size() && std::min(edges[j].a.lon, edges[j].b.lon) <= east; ++j) {
      const Edge &e = edges[i], &f = edges[j];
      if (adjacent(e, f, rings)) {
        // Neighbours may only share their vertex: folding back on each other is an overlap.
        LonLat shared = (e.b == f.a) ? e.b : f.b;
        LonLat p = (e.b == f.a) ? e.a : f.a, q = (e.b == f.a) ? f.b : e.b;
        if (cross(shared, p, q) == 0 && (p.lon - shared.lon) * (q.lon - shared.lon) + (p.lat - shared.lat) * (q.lat - shared.lat) > 0)
          return invalid("the polygon's boundary folds back on itself at ring " + std::to_string(e.ring + 1));
        continue;
      }
      if (segments_meet(e.a, e.b, f.a, f.b))
        return invalid(e.ring == f.ring ? "the polygon's boundary crosses itself (ring " + std::to_string(e.ring + 1) + ")"
                                        : "the polygon's rings " + std::to_string(e.ring + 1) + " and " +
                                              std::to_string(f.ring + 1) + " touch or cross");
    }
  }
  return Status::ok();
}

Result<Ring> parse_ring(const Json& v, size_t& points) {
  if (!v.is_array()) return invalid("a polygon's ring must be an array of [lon, lat] points");
  Ring ring;
  for (const Json& pt : v.as_array()) {
    if (!pt.is_array() || pt.as_array().size() < 2 || !pt.as_array()[0].is_number() || !pt.as_array()[1].is_number())
      return invalid("a polygon's point must be [lon, lat]");
    LonLat p{pt.as_array()[0].as_double(), pt.as_array()[1].as_double()};
    if (!in_range(p)) return invalid("a polygon's point is outside lon [-180, 180], lat [-90, 90]");
    if (++points > tuning::kPolygonPoints)
      return Error{Code::too_large, "a polygon may have at most " + std::to_string(tuning::kPolygonPoints) + " points"};
    if (ring.empty() || !(ring.back() == p)) ring.push_back(p);  // repeated points add no edge
  }
  if (ring.size() > 1 && ring.front() == ring.back()) ring.pop_back();  // GeoJSON closes its rings
  if (ring.size() < 3) return invalid("a polygon's ring needs at least 3 distinct points");
  return ring;
}

// ---- track codec -----------------------------------------------------------

constexpr std::string_view kTrackHeader = "t1.";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::string base64url(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kB64[(n >> s) & 63]);
  }
  if (size_t rest = bytes.size() - i) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (rest == 2) n |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kB64[(n >> 18) & 63]);
    out.push_back(kB64[(n >> 12) & 63]);
    if (rest == 2) out.push_back(kB64[(n >> 6) & 63]);
  }
  return out;
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: no padding, no stray bits, so one track has one text.
bool unbase64url(std::string_view text, std::string& out) {
  if (text.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = b64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return (acc & ((1u << bits) - 1)) == 0;
}

class VarintReader {
 public:
  explicit VarintReader(std::string_view s) : s_(s) {}
  bool next(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= s_.size()) return false;
      auto b = static_cast<uint8_t>(s_[pos_++]);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return !(b == 0 && shift > 0);  // no overlong encodings
    }
    return false;
  }
  bool done() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

int64_t micro(double deg) { return std::llround(deg * kMicro); }

// Perpendicular distance of p from the segment ab, on the plane.
double off_segment(Xy p, Xy a, Xy b) {
  double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0.0, 1.0) : 0.0;
  return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

}  // namespace

// ---- fixes -----------------------------------------------------------------

std::string_view source_name(FixSource s) { return kSources[static_cast<size_t>(s)]; }

Status check_fix(const Fix& f) {
  if (!finite(f.at_point)) return invalid("a fix's longitude and latitude must be numbers, not NaN or infinite");
  if (!in_range(f.at_point)) return invalid("a fix must lie within longitude [-180, 180] and latitude [-90, 90]");
  if (!std::isfinite(f.accuracy_m) || f.accuracy_m < 0 || f.accuracy_m > tuning::kFixMaxAccuracyM)
    return invalid("a fix's accuracy must be between 0 and " + std::to_string(int(tuning::kFixMaxAccuracyM)) + " m");
  if (f.at_ms < 0 || f.at_ms > kMaxTimeMs) return invalid("a fix's time must be Unix milliseconds");
  return Status::ok();
}

std::string fix_json(const Fix& f) {
  Json o = Json::object();
  // Micro-degrees (0.1 m) and decimetres: more digits would only be noise.
  o.set("lon", Json(static_cast<double>(micro(f.at_point.lon)) / kMicro));
  o.set("lat", Json(static_cast<double>(micro(f.at_point.lat)) / kMicro));
  o.set("acc", Json(std::round(f.accuracy_m * 10) / 10));
  o.set("at", Json(f.at_ms));
  o.set("src", Json(source_name(f.source)));
  return o.dump();
}

Result<Fix> parse_fix(std::string_view text) {
  auto parsed = parse_json(text, {.max_depth = 2, .max_string = 16});
  if (!parsed) return invalid("a fix must be a JSON object: " + parsed.error().message);
  if (!parsed->is_object()) return invalid("a fix must be a JSON object");
  Fix f;
  auto lon = number_field(*parsed, "lon"), lat = number_field(*parsed, "lat"), acc = number_field(*parsed, "acc");
  if (!lon) return lon.error();
  if (!lat) return lat.error();
  if (!acc) return acc.error();
  f.at_point = {*lon, *lat};
  f.accuracy_m = *acc;
  const Json* at = parsed->find("at");
  if (!at || !at->is_int()) return invalid("a fix needs 'at' as Unix milliseconds");
  f.at_ms = at->as_int();
  const Json* src = parsed->find("src");
  if (!src || !src->is_string()) return invalid("a fix needs 'src': gps, manual or survey");
  auto it = std::find(kSources.begin(), kSources.end(), src->as_string());
  if (it == kSources.end()) return invalid("a fix's 'src' must be gps, manual or survey");
  f.source = static_cast<FixSource>(it - kSources.begin());
  if (parsed->as_object().size() != 5) return invalid("a fix has exactly lon, lat, acc, at and src");
  if (auto st = check_fix(f); !st) return st.error();
  return f;
}

Status verify_fix_text(std::string_view json) { return parse_fix(json).status(); }

Accuracy grade(double accuracy_m) {
  if (accuracy_m <= tuning::kFixGoodM) return Accuracy::good;
  if (accuracy_m >= tuning::kFixPoorM) return Accuracy::poor;
  return Accuracy::fair;
}

// ---- plane -----------------------------------------------------------------

LocalProjection::LocalProjection(LonLat origin) : origin_(origin) {
  constexpr double kRad = std::numbers::pi / 180;
  ky_ = kEarthRadiusM * kRad;
  kx_ = ky_ * std::cos(origin.lat * kRad);
}

Xy LocalProjection::to_metres(LonLat p) const { return {(p.lon - origin_.lon) * kx_, (p.lat - origin_.lat) * ky_}; }

LonLat LocalProjection::to_lonlat(Xy p) const { return {origin_.lon + p.x / kx_, origin_.lat + p.y / ky_}; }

double distance_m(LonLat a, LonLat b) {
  constexpr double kRad = std::numbers::pi / 180;
  double dlat = (b.lat - a.lat) * kRad, dlon = (b.lon - a.lon) * kRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(a.lat * kRad) * std::cos(b.lat * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

// ---- polygons --------------------------------------------------------------

Result<Polygon> parse_polygon(std::string_view text) {
  auto parsed = parse_json(text, {.max_depth = 5, .max_string = 64});
  if (!parsed) return invalid("a polygon must be GeoJSON: " + parsed.error().message);
  const Json* type = parsed->is_object() ? parsed->find("type") : nullptr;
  if (!type || !type->is_string() || type->as_string() != "Polygon")
    return invalid("a polygon must be a GeoJSON object of type Polygon");
  const Json* coords = parsed->find("coordinates");
  if (!coords || !coords->is_array() || coords->as_array().empty())
    return invalid("a polygon needs 'coordinates': an array of rings");
  Polygon p;
  size_t points = 0;
  for (const Json& r : coords->as_array()) {
    auto ring = parse_ring(r, points);
    if (!ring) return ring.error();
    p.rings.push_back(std::move(*ring));
  }
  if (auto st = check_simple(p.rings); !st) return st.error();
  for (size_t r = 1; r < p.rings.size(); ++r)
    if (!contains(p.outer(), p.rings[r].front())) return invalid("a polygon's hole lies outside its outer ring");
  return p;
}

Status verify_polygon_text(std::string_view geojson) { return parse_polygon(geojson).status(); }

std::string polygon_json(const Polygon& p) {
  Json rings = Json::array();
  for (const Ring& r : p.rings) {
    Json ring = Json::array();
    for (size_t i = 0; i <= r.size(); ++i) {
      const LonLat& q = r[i % r.size()];  // GeoJSON repeats the first point
      ring.push(Json(Json::Array{Json(q.lon), Json(q.lat)}));
    }
    rings.push(std::move(ring));
  }
  Json o = Json::object();
  o.set("type", "Polygon");
  o.set("coordinates", std::move(rings));
  return o.dump();
}

bool contains(const Ring& ring, LonLat q) {
  bool in = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const LonLat &a = ring[i], &b = ring[j];
    if ((a.lat > q.lat) != (b.lat > q.lat) && q.lon < (b.lon - a.lon) * (q.lat - a.lat) / (b.lat - a.lat) + a.lon)
      in = !in;
  }
  return in;
}

bool contains(const Polygon& p, LonLat q) {
  if (p.rings.empty() || !contains(p.outer(), q)) return false;
  for (size_t r = 1; r < p.rings.size(); ++r)
    if (contains(p.rings[r], q)) return false;
  return true;
}

Box bounds(const Ring& ring) {
  Box b{{180, 90}, {-180, -90}};
  for (const LonLat& p : ring) {
    b.min = {std::min(b.min.lon, p.lon), std::min(b.min.lat, p.lat)};
    b.max = {std::max(b.max.lon, p.lon), std::max(b.max.lat, p.lat)};
  }
  return b;
}

// ---- tracks ----------------------------------------------------------------

std::vector<TrackPoint> simplify(std::span<const TrackPoint> track, double tolerance_m) {
  if (track.size() < 3) return {track.begin(), track.end()};
  LocalProjection proj(track.front().p);
  std::vector<Xy> xy;
  xy.reserve(track.size());
  for (const auto& t : track) xy.push_back(proj.to_metres(t.p));
  std::vector<bool> keep(track.size(), false);
  keep.front() = keep.back() = true;
  std::vector<std::pair<size_t, size_t>> spans{{0, track.size() - 1}};  // runs still to split
  while (!spans.empty()) {
    auto [first, last] = spans.back();
    spans.pop_back();
    double worst = -1;
    size_t at = first;
    for (size_t i = first + 1; i < last; ++i) {
      double d = off_segment(xy[i], xy[first], xy[last]);
      if (d > worst) worst = d, at = i;
    }
    if (worst > tolerance_m) {
      keep[at] = true;
      spans.push_back({first, at});
      spans.push_back({at, last});
    }
  }
  std::vector<TrackPoint> out;
  for (size_t i = 0; i < track.size(); ++i)
    if (keep[i]) out.push_back(track[i]);
  return out;
}

TrackPoint quantize(TrackPoint t) {
  return {{static_cast<double>(micro(t.p.lon)) / kMicro, static_cast<double>(micro(t.p.lat)) / kMicro},
          t.at_ms - ((t.at_ms % 1000) + 1000) % 1000};
}

std::string encode_track(std::span<const TrackPoint> track) {
  std::string bytes;
  put_varint(bytes, track.size());
  int64_t lon = 0, lat = 0, sec = 0;
  for (const auto& t : track) {
    int64_t x = micro(t.p.lon), y = micro(t.p.lat), s = quantize(t).at_ms / 1000;
    put_varint(bytes, zigzag(x - lon));
    put_varint(bytes, zigzag(y - lat));
    put_varint(bytes, zigzag(s - sec));
    lon = x, lat = y, sec = s;
  }
  return std::string(kTrackHeader) + base64url(bytes);
}

Result<std::vector<TrackPoint>> decode_track(std::string_view text) {
  if (!text.starts_with(kTrackHeader)) return invalid("a track must start with 't1.'");
  std::string bytes;
  if (!unbase64url(text.substr(kTrackHeader.size()), bytes)) return invalid("a track's text is not base64url");
  VarintReader in(bytes);
  uint64_t count = 0;
  if (!in.next(count)) return invalid("a track is cut short");
  if (count > tuning::kTrackSegmentPoints)
    return Error{Code::too_large, "a track segment has " + std::to_string(count) + " points; the limit is " +
                                      std::to_string(tuning::kTrackSegmentPoints)};
  std::vector<TrackPoint> out;
  out.reserve(count);
  int64_t lon = 0, lat = 0, sec = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t dx = 0, dy = 0, ds = 0;
    if (!in.next(dx) || !in.next(dy) || !in.next(ds)) return invalid("a track is cut short");
    lon += unzigzag(dx), lat += unzigzag(dy);
    int64_t step = unzigzag(ds);
    if (i > 0 && step < 0) return invalid("a track's time goes back");
    sec += step;
    LonLat p{static_cast<double>(lon) / kMicro, static_cast<double>(lat) / kMicro};
    if (!in_range(p)) return invalid("a track's point is outside longitude [-180, 180], latitude [-90, 90]");
    if (sec < 0 || sec > kMaxTimeMs / 1000) return invalid("a track's time is not Unix time");
    out.push_back({p, sec * 1000});
  }
  if (!in.done()) return invalid("a track has bytes after its last point");
  return out;
}

Status verify_track_text(std::string_view text) { return decode_track(text).status(); }

double length_m(std::span<const TrackPoint> track) {
  double d = 0;
  for (size_t i = 1; i < track.size(); ++i) d += distance_m(track[i - 1].p, track[i].p);
  return d;
}

// The part of the segment ab inside the polygon, as a fraction of ab: the
// boundary's crossings cut ab into pieces wholly in or out, each told by
// its midpoint. A simplified track steps over borders (one kept point in
// one grid, the next in another), so its ends alone would not say.
double inside_fraction(const Polygon& poly, LonLat a, LonLat b) {
  std::vector<double> cuts{0, 1};
  const double rx = b.lon - a.lon, ry = b.lat - a.lat;
  for (const Ring& ring : poly.rings)
    for (size_t i = 0; i < ring.size(); ++i) {
      LonLat c = ring[i], d = ring[(i + 1) % ring.size()];
      double sx = d.lon - c.lon, sy = d.lat - c.lat, denom = rx * sy - ry * sx;
      if (denom == 0) continue;  // parallel: a touch along an edge cuts nothing
      double qx = c.lon - a.lon, qy = c.lat - a.lat;
      double t = (qx * sy - qy * sx) / denom, u = (qx * ry - qy * rx) / denom;
      if (t > 0 && t < 1 && u >= 0 && u <= 1) cuts.push_back(t);
    }
  std::sort(cuts.begin(), cuts.end());
  double in = 0;
  for (size_t i = 1; i < cuts.size(); ++i) {
    double mid = (cuts[i - 1] + cuts[i]) / 2;
    if (contains(poly, {a.lon + rx * mid, a.lat + ry * mid})) in += cuts[i] - cuts[i - 1];
  }
  return in;
}

int64_t time_inside_ms(std::span<const TrackPoint> track, const Polygon& grid) {
  double ms = 0;
  for (size_t i = 1; i < track.size(); ++i)
    ms += inside_fraction(grid, track[i - 1].p, track[i].p) * static_cast<double>(track[i].at_ms - track[i - 1].at_ms);
  return std::llround(ms);
}

// ---- sampler ---------------------------------------------------------------

bool TrackSampler::offer(const Fix& f) {
  if (!check_fix(f) || f.accuracy_m > tuning::kTrackMaxAccuracyM) return false;
  TrackPoint t = quantize({f.at_point, f.at_ms});
  if (has_last_) {
    if (t.at_ms <= last_.at_ms) return false;
    bool moved = distance_m(last_.p, t.p) >= tuning::kTrackMinMetres;
    bool waited = t.at_ms - last_.at_ms >= tuning::kTrackMaxGapMs;
    if (!moved && !waited) return false;
  }
  points_.push_back(t);
  last_ = t;
  has_last_ = true;
  return true;
}

std::vector<TrackPoint> TrackSampler::take() {
  std::vector<TrackPoint> out;
  out.swap(points_);
  if (has_last_) points_.push_back(last_);
  return out;
}

}  // namespace gw::geo
