// The grid map (网格地图): the park drawn on a local plane in metres
// (issue 23): grids from their polygons, coloured by open cases, red where
// under takeover, mine outlined bold; enterprises at their points, open
// cases as pins, the running patrol's track, a supervisor's replay of a
// worker's day (轨迹回放), and where the tablet is with its accuracy.
// One finger pans, two pinch, the wheel zooms about the pointer, +/− and
// 复位 are buttons. A tap on a pin opens its case; elsewhere it picks the
// finest grid under the finger and shows it beside the map, with its cases
// and, for the service centre, a takeover of its unit grid. In pick mode
// (a form's 在地图上标注) a tap places the form's pin instead.
#pragma once

#include <imgui.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/ui/map_geometry.hpp"
#include "client/ui/map_sprites.hpp"
#include "client/ui/screen.hpp"

namespace gw::client::ui {

// The grid at lon/lat: a level-3 grid before its unit grid before its zone;
// -1 when none is there.
int pick_grid(const GridMapView& m, double lon, double lat);

struct MapPlane;  // a snapshot's grids, pins and places on the plane, made once per snapshot
struct TrackPlane;

class GridMapScreen : public Screen {
 public:
  GridMapScreen();
  ~GridMapScreen() override;
  ScreenId id() const override { return ScreenId::map; }
  std::string_view title_key() const override { return "map.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  // A grid picked as if tapped (a screenshot shows its details).
  void select(const std::string& grid_id) { selected_ = grid_id; }
  // The replay to show first (--replay): a worker by id or name, "" the
  // first listed; a day YYYY-MM-DD, "" today.
  void replay_first(const std::string& worker, const std::string& day);
  // Frees the pins' texture: before the GL context goes.
  void close() { sprites_.close(); }
  // --bench-map: draws `m` (its replay shown) instead of the core's map,
  // panning a little every frame.
  void show_for_bench(std::shared_ptr<const GridMapView> m);

 private:
  void toolbar(Frame& f, const GridMapView& m);
  void canvas(Frame& f, const GridMapView& m, ImVec2 size);
  void input(Frame& f, const GridMapView& m, bool tapped, ImVec2 p0, ImVec2 size);
  void tap(Frame& f, const GridMapView& m, Pt at);
  void side_panel(Frame& f, const GridMapView& m);
  void replay_panel(Frame& f, const GridMapView& m);
  void details(Frame& f, const GridMapView& m, const MapGrid& g);
  void legend(Frame& f);
  void reset_view();
  void fit_tracks(const TrackPlane& t);
  const MapPlane& plane(const GridMapView& m);
  void ensure_plane(const std::shared_ptr<const GridMapView>& m);
  void probe_view(Frame& f, const GridMapView& m);

  std::string selected_;  // grid id
  int64_t step_ = 1;      // open cases per colour step, from the busiest grid
  MapCamera camera_;
  bool fitted_ = false;   // the camera shows the park as asked (else the first frame fits it)
  std::shared_ptr<const GridMapView> seen_;  // the snapshot plane_ was made from
  std::unique_ptr<MapPlane> plane_;
  std::shared_ptr<const ReplayView> replay_seen_;
  std::unique_ptr<TrackPlane> replay_plane_;
  PinSprites sprites_;
  std::vector<Pt> pin_screen_;
  std::vector<char> taken_;     // this frame's pin cells already drawn
  ImVec2 dragged_{0, 0};        // how far the finger moved since it pressed the map  // this frame's pins on screen, NaN when culled: what a tap hits
  // Pick mode: the pin being placed, for the form that asked.
  bool picking_ = false;
  std::optional<geo::Fix> pick_;
  // Replay (supervisors): the worker and day asked for.
  std::string replay_worker_, replay_day_;
  bool replay_asked_ = false;
  bool first_worker_ = true;
  std::shared_ptr<const GridMapView> bench_map_;  // --bench-map's, else null
  int bench_frame_ = 0;  // the workers not yet listed: pick --replay's, or the first
};

}  // namespace gw::client::ui
