// Plane geometry of the grid map, apart from drawing so it can be tested:
// the view in metres (fit, zoom about a point, pan, culling, the pin a tap
// hits), the even-odd test for taps, and
// triangles for rings ImGui 1.86 cannot fill itself (it fills only convex
// polygons, and a grid's boundary need not be one).
#pragma once

#include <utility>
#include <vector>

#include "shared/geo.hpp"

namespace gw::client::ui {

using Ring = std::vector<std::pair<double, double>>;  // lon, lat

struct Pt {
  float x = 0, y = 0;
};

// The map's view (issue 23): the ground on a local plane in metres
// (geo::LocalProjection about the park's centre), shown at so many metres
// a pixel about a centre point, in a screen rectangle. Zoom and pan change
// the centre and the scale; a fit shows a box whole.
class MapCamera {
 public:
  // The screen rectangle the map is drawn in; the centre stays where it is.
  void set_view(float x0, float y0, float w, float h);
  // Shows the box [min, max] whole and centred, `pad` px inside the view.
  void fit(geo::Xy min, geo::Xy max, float pad);
  Pt to_screen(geo::Xy p) const;
  geo::Xy to_plane(Pt p) const;
  // Zooms by `factor` (> 1: closer) keeping the ground under `at` where it is,
  // the scale held within [min_mpp, max_mpp].
  void zoom_about(double factor, Pt at, double min_mpp, double max_mpp);
  // Shows `centre` in the middle of the view at `mpp` metres a pixel.
  void look_at(geo::Xy centre, double mpp) {
    centre_ = centre;
    mpp_ = mpp;
  }
  // Moves the ground by dx, dy screen px (a finger's drag).
  void pan(float dx, float dy);
  double metres_per_px() const { return mpp_; }
  geo::Xy centre() const { return centre_; }
  // Whether a point, grown by `margin` px, falls in the view: what is drawn.
  bool visible(Pt p, float margin) const;
  bool visible(Pt min, Pt max) const;  // a screen box overlapping the view

 private:
  geo::Xy centre_;
  double mpp_ = 1.0;
  float x0_ = 0, y0_ = 0, w_ = 1, h_ = 1;
};

// The index of the point nearest `at` within `radius` px, or -1: the pin a
// tap hits. Points off screen are given as NaN and never hit.
int nearest_within(const std::vector<Pt>& points, Pt at, float radius);

// A ring's points without the closing repeat of the first.
Ring open_ring(const Ring& ring);
// Even-odd rule; the ring may or may not repeat its first point.
bool point_in_ring(const Ring& ring, double lon, double lat);
bool is_convex(const std::vector<Pt>& poly);
// Index triples covering a simple polygon (ear clipping), either winding.
std::vector<int> triangulate(const std::vector<Pt>& poly);
// Whether the points go clockwise on screen (y down).
bool is_clockwise(const std::vector<Pt>& poly);
// The same points clockwise on screen (y down), as ImGui's anti-aliased fill wants.
std::vector<Pt> clockwise(std::vector<Pt> poly);

}  // namespace gw::client::ui
