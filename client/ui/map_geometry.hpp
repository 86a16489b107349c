// Plane geometry of the grid map, apart from drawing so it can be tested:
// fitting lon/lat into a screen rectangle, the even-odd test for taps, and
// triangles for rings ImGui 1.86 cannot fill itself (it fills only convex
// polygons, and a grid's boundary need not be one).
#pragma once

#include <utility>
#include <vector>

namespace gw::client::ui {

using Ring = std::vector<std::pair<double, double>>;  // lon, lat

struct Pt {
  float x = 0, y = 0;
};

// Maps lon/lat into a w×h rectangle at (x0, y0), centred, keeping the
// ground's aspect: a degree of longitude is cos(latitude) of one of latitude.
class MapFit {
 public:
  MapFit(double west, double south, double east, double north, float x0, float y0, float w, float h);
  Pt to_screen(double lon, double lat) const;
  std::pair<double, double> to_lonlat(float x, float y) const;

 private:
  double west_, north_, kx_, scale_;
  double ox_, oy_;
};

// A ring's points without the closing repeat of the first.
Ring open_ring(const Ring& ring);
// Even-odd rule; the ring may or may not repeat its first point.
bool point_in_ring(const Ring& ring, double lon, double lat);
bool is_convex(const std::vector<Pt>& poly);
// Index triples covering a simple polygon (ear clipping), either winding.
std::vector<int> triangulate(const std::vector<Pt>& poly);
// The same points clockwise on screen (y down), as ImGui's anti-aliased fill wants.
std::vector<Pt> clockwise(std::vector<Pt> poly);

}  // namespace gw::client::ui
