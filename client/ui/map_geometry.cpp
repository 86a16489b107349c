#include "client/ui/map_geometry.hpp"

#include <algorithm>
#include <cmath>

namespace gw::client::ui {
namespace {

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

void MapCamera::set_view(float x0, float y0, float w, float h) {
  x0_ = x0;
  y0_ = y0;
  w_ = std::max(w, 1.0f);
  h_ = std::max(h, 1.0f);
}

void MapCamera::fit(geo::Xy min, geo::Xy max, float pad) {
  const double w = std::max(1.0, static_cast<double>(w_) - 2 * pad), h = std::max(1.0, static_cast<double>(h_) - 2 * pad);
  centre_ = {(min.x + max.x) / 2, (min.y + max.y) / 2};
  mpp_ = std::max({(max.x - min.x) / w, (max.y - min.y) / h, 1e-3});
}

Pt MapCamera::to_screen(geo::Xy p) const {
  return {static_cast<float>(x0_ + w_ / 2 + (p.x - centre_.x) / mpp_),
          static_cast<float>(y0_ + h_ / 2 - (p.y - centre_.y) / mpp_)};
}

geo::Xy MapCamera::to_plane(Pt p) const {
  return {centre_.x + (p.x - x0_ - w_ / 2) * mpp_, centre_.y - (p.y - y0_ - h_ / 2) * mpp_};
}

void MapCamera::zoom_about(double factor, Pt at, double min_mpp, double max_mpp) {
  if (!(factor > 0)) return;
  const geo::Xy held = to_plane(at);
  mpp_ = std::clamp(mpp_ / factor, min_mpp, std::max(min_mpp, max_mpp));
  // Put the held ground back under `at`.
  const geo::Xy now = to_plane(at);
  centre_.x += held.x - now.x;
  centre_.y += held.y - now.y;
}

void MapCamera::pan(float dx, float dy) {
  centre_.x -= dx * mpp_;
  centre_.y += dy * mpp_;
}

bool MapCamera::visible(Pt p, float margin) const {
  return p.x >= x0_ - margin && p.x <= x0_ + w_ + margin && p.y >= y0_ - margin && p.y <= y0_ + h_ + margin;
}

bool MapCamera::visible(Pt min, Pt max) const {
  return max.x >= x0_ && min.x <= x0_ + w_ && max.y >= y0_ && min.y <= y0_ + h_;
}

int nearest_within(const std::vector<Pt>& points, Pt at, float radius) {
  int best = -1;
  float best_d2 = radius * radius;
  for (size_t i = 0; i < points.size(); ++i) {
    const float dx = points[i].x - at.x, dy = points[i].y - at.y, d2 = dx * dx + dy * dy;
    if (d2 <= best_d2) {  // NaN compares false: off screen never hits
      best_d2 = d2;
      best = static_cast<int>(i);
    }
  }
  return best;
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

bool is_clockwise(const std::vector<Pt>& poly) { return poly.size() < 3 || signed_area(poly) >= 0; }

std::vector<Pt> clockwise(std::vector<Pt> poly) {
  if (!is_clockwise(poly)) std::reverse(poly.begin(), poly.end());
  return poly;
}

}  // namespace gw::client::ui
