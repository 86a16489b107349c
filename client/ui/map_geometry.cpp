#include "client/ui/map_geometry.hpp"

#include <algorithm>
#include <cmath>

namespace gw::client::ui {
namespace {

constexpr double kPi = 3.14159265358979323846;

double cross(const Pt& a, const Pt& b, const Pt& c) {
  return static_cast<double>(b.x - a.x) * (c.y - a.y) - static_cast<double>(b.y - a.y) * (c.x - a.x);
}

// Twice the signed area; positive when clockwise on a y-down screen.
double signed_area(const std::vector<Pt>& p) {
  double a = 0;
  for (size_t i = 0, j = p.size() - 1; i < p.size(); j = i++)
    a += static_cast<double>(p[j].x) * p[i].y - static_cast<double>(p[i].x) * p[j].y;
  return a;
}

bool inside_triangle(const Pt& p, const Pt& a, const Pt& b, const Pt& c) {
  const double d1 = cross(a, b, p), d2 = cross(b, c, p), d3 = cross(c, a, p);
  const bool neg = d1 < 0 || d2 < 0 || d3 < 0, pos = d1 > 0 || d2 > 0 || d3 > 0;
  return !(neg && pos);
}

}  // namespace

MapFit::MapFit(double west, double south, double east, double north, float x0, float y0, float w, float h)
    : west_(west), north_(north), kx_(std::cos((south + north) * 0.5 * kPi / 180.0)) {
  const double dx = std::max((east - west) * kx_, 1e-9), dy = std::max(north - south, 1e-9);
  scale_ = std::min(static_cast<double>(w) / dx, static_cast<double>(h) / dy);
  ox_ = x0 + (w - dx * scale_) * 0.5;
  oy_ = y0 + (h - dy * scale_) * 0.5;
}

Pt MapFit::to_screen(double lon, double lat) const {
  return {static_cast<float>(ox_ + (lon - west_) * kx_ * scale_), static_cast<float>(oy_ + (north_ - lat) * scale_)};
}

std::pair<double, double> MapFit::to_lonlat(float x, float y) const {
  return {west_ + (x - ox_) / (kx_ * scale_), north_ - (y - oy_) / scale_};
}

Ring open_ring(const Ring& ring) {
  Ring r = ring;
  if (r.size() > 1 && r.front() == r.back()) r.pop_back();
  return r;
}

bool point_in_ring(const Ring& ring, double lon, double lat) {
  bool in = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const auto [xi, yi] = ring[i];
    const auto [xj, yj] = ring[j];
    if ((yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) in = !in;
  }
  return in;
}

bool is_convex(const std::vector<Pt>& poly) {
  const size_t n = poly.size();
  if (n < 4) return true;
  int sign = 0;
  for (size_t i = 0; i < n; ++i) {
    const double c = cross(poly[i], poly[(i + 1) % n], poly[(i + 2) % n]);
    if (c == 0) continue;
    const int s = c > 0 ? 1 : -1;
    if (sign != 0 && s != sign) return false;
    sign = s;
  }
  return true;
}

std::vector<int> triangulate(const std::vector<Pt>& poly) {
  std::vector<int> out;
  std::vector<int> left;
  for (int i = 0; i < static_cast<int>(poly.size()); ++i) left.push_back(i);
  const double wind = signed_area(poly) >= 0 ? 1.0 : -1.0;
  // Cut off one ear per pass; a degenerate ring stops when no ear is found.
  while (left.size() > 3) {
    bool cut = false;
    for (size_t k = 0; k < left.size() && !cut; ++k) {
      const int a = left[(k + left.size() - 1) % left.size()], b = left[k], c = left[(k + 1) % left.size()];
      if (cross(poly[a], poly[b], poly[c]) * wind <= 0) continue;  // reflex: not an ear
      bool empty = true;
      for (int v : left)
        if (v != a && v != b && v != c && inside_triangle(poly[v], poly[a], poly[b], poly[c])) empty = false;
      if (!empty) continue;
      out.insert(out.end(), {a, b, c});
      left.erase(left.begin() + static_cast<std::ptrdiff_t>(k));
      cut = true;
    }
    if (!cut) return out;
  }
  if (left.size() == 3) out.insert(out.end(), {left[0], left[1], left[2]});
  return out;
}

std::vector<Pt> clockwise(std::vector<Pt> poly) {
  if (poly.size() > 2 && signed_area(poly) < 0) std::reverse(poly.begin(), poly.end());
  return poly;
}

}  // namespace gw::client::ui
