// The grid map (网格地图): the park's grids drawn from their boundaries,
// coloured by open cases, red where under takeover, mine outlined bold. A tap
// picks the finest grid under the finger and shows it beside the map, with
// its cases and, for the service centre, a takeover of its unit grid.
#pragma once

#include <imgui.h>

#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

// The grid at lon/lat: a level-3 grid before its unit grid before its zone;
// -1 when none is there.
int pick_grid(const GridMapView& m, double lon, double lat);

class GridMapScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::map; }
  std::string_view title_key() const override { return "map.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  // A grid picked as if tapped (a screenshot shows its details).
  void select(const std::string& grid_id) { selected_ = grid_id; }

 private:
  void canvas(Frame& f, const GridMapView& m, ImVec2 size);
  void side_panel(Frame& f, const GridMapView& m);
  void details(Frame& f, const GridMapView& m, const MapGrid& g);
  void legend(Frame& f);

  std::string selected_;  // grid id
  int64_t step_ = 1;      // open cases per colour step, from the busiest grid
};

}  // namespace gw::client::ui
