#include "client/ui/screens/map.hpp"

#include <SDL_opengl.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "client/core/tuning.hpp"
#include "client/ui/location_line.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {

// A snapshot's geometry on the plane, made when the snapshot changes: a
// frame then only scales and moves points; it never projects or triangulates.
struct MapPlane {
  explicit MapPlane(geo::LonLat origin) : proj(origin) {}
  geo::LocalProjection proj;
  struct Shape {
    std::vector<geo::Xy> pts;  // the ring, open
    std::vector<int> tri;      // triangles covering the ring
    bool leaf = true;          // no grid below it has a boundary: its fill shows
    geo::Xy min{DBL_MAX, DBL_MAX}, max{-DBL_MAX, -DBL_MAX};
  };
  std::vector<Shape> grids;  // as GridMapView::grids
  std::vector<geo::Xy> pins, places;
  geo::Xy min{DBL_MAX, DBL_MAX}, max{-DBL_MAX, -DBL_MAX};  // every ring's box
  // This frame's rings on screen, kept between frames for their memory.
  std::vector<std::vector<ImVec2>> screen;
  std::vector<std::vector<ImVec2>> lines;  // the same, points a pixel apart: for outlines
  std::vector<char> shown;  // a grid's box overlaps the view this frame
};

struct TrackPlane {
  std::vector<std::vector<geo::Xy>> lines;
  std::vector<geo::Xy> checkins;
};

namespace {

constexpr float kSideWidth = 440.0f;  // design px: the picked grid and the legend beside the map
// Open cases from none to many: four fills, light to strong.
// None is the ground itself, so such a grid is not filled at all: pixels
// are what a software rasteriser (llvmpipe) pays for, and a park's quiet
// grids are most of the map (`./dev bench map`).
constexpr ImU32 kFills[] = {kGround, IM_COL32(198, 219, 239, 255),
                            IM_COL32(128, 176, 218, 255), IM_COL32(55, 115, 185, 255)};
constexpr ImU32 kTakeoverFill = IM_COL32(246, 178, 168, 255);
constexpr ImU32 kLine = IM_COL32(160, 170, 185, 255);
constexpr ImU32 kUnitLine = IM_COL32(95, 105, 120, 255);
constexpr ImU32 kZoneLine = IM_COL32(40, 60, 90, 255);
constexpr ImU32 kMineLine = IM_COL32(15, 15, 25, 255);
constexpr ImU32 kPlace = IM_COL32(90, 70, 130, 255);
constexpr ImU32 kUrgent = IM_COL32(160, 20, 100, 255);
constexpr ImU32 kReplayLine = IM_COL32(235, 110, 20, 230);
constexpr ImU32 kLiveLine = IM_COL32(30, 150, 60, 230);
constexpr ImU32 kCheckin = IM_COL32(250, 200, 30, 255);
constexpr ImU32 kHere = IM_COL32(20, 110, 240, 255);
constexpr ImU32 kPickPin = IM_COL32(200, 30, 30, 255);
// ImGui's 16-bit indices hold 65,536 vertices a draw list unless the
// renderer honours VtxOffset; pins stop short of that rather than assert.
constexpr int kVertexBudget = 60000;
constexpr double kZoomStep = 1.5;   // a tap of + or −
constexpr double kWheelStep = 1.15;  // a notch of the wheel
constexpr double kPinchGain = 4.0;   // SDL's dDist is a fraction of the touch surface's diagonal
constexpr double kPickMetresPerPx = 0.5;  // placing a pin: a door's width is a few pixels
constexpr double kPlaceCloseMetresPerPx = 1.5;  // closer than this an enterprise's mark grows
constexpr double kReplayMarginM = 150;          // around a replayed day: the blocks it crossed
constexpr float kLineStepPx = 1.5f;             // a drawn line's points at least this far apart
constexpr float kPinCellPx = 6.0f;              // one pin drawn a cell this wide: those under it are hidden anyway

struct Box {
  ImVec2 min{FLT_MAX, FLT_MAX}, max{-FLT_MAX, -FLT_MAX};
  bool empty() const { return min.x > max.x; }
};

ImVec2 iv(Pt p) { return ImVec2(p.x, p.y); }

// Appends p unless it is within `px` of the last point kept: at a zoom where
// a track's or a boundary's points crowd into one pixel, the line looks the
// same with a fraction of the triangles.
void keep_apart(std::vector<ImVec2>* out, ImVec2 p, float px) {
  if (!out->empty()) {
    const float dx = p.x - out->back().x, dy = p.y - out->back().y;
    if (dx * dx + dy * dy < px * px) return;
  }
  out->push_back(p);
}

std::unique_ptr<MapPlane> make_plane(const GridMapView& m) {
  auto out = std::make_unique<MapPlane>(geo::LonLat{(m.west + m.east) / 2, (m.south + m.north) / 2});
  MapPlane& p = *out;
  std::set<std::string> parents;
  p.grids.resize(m.grids.size());
  for (size_t i = 0; i < m.grids.size(); ++i) {
    MapPlane::Shape& sh = p.grids[i];
    for (const auto& [lon, lat] : open_ring(m.grids[i].ring)) {
      const geo::Xy xy = p.proj.to_metres({lon, lat});
      sh.pts.push_back(xy);
      sh.min = {std::min(sh.min.x, xy.x), std::min(sh.min.y, xy.y)};
      sh.max = {std::max(sh.max.x, xy.x), std::max(sh.max.y, xy.y)};
    }
    if (sh.pts.size() < 3) continue;
    p.min = {std::min(p.min.x, sh.min.x), std::min(p.min.y, sh.min.y)};
    p.max = {std::max(p.max.x, sh.max.x), std::max(p.max.y, sh.max.y)};
    if (!m.grids[i].parent_id.empty()) parents.insert(m.grids[i].parent_id);
    // On screen y runs down: (x, -y) has the screen's turn, whatever the scale.
    std::vector<Pt> flat;
    for (const geo::Xy& xy : sh.pts) flat.push_back({static_cast<float>(xy.x), static_cast<float>(-xy.y)});
    if (!is_convex(flat)) {
      sh.tri = triangulate(flat);
    } else {
      for (int k = 1; k + 1 < static_cast<int>(flat.size()); ++k) sh.tri.insert(sh.tri.end(), {0, k, k + 1});  // a fan
    }
  }
  for (size_t i = 0; i < m.grids.size(); ++i) p.grids[i].leaf = parents.count(m.grids[i].id) == 0;
  for (const MapPin& pin : m.pins) p.pins.push_back(p.proj.to_metres(pin.at));
  for (const MapPlace& place : m.places) p.places.push_back(p.proj.to_metres(place.at));
  p.screen.resize(m.grids.size());
  p.lines.resize(m.grids.size());
  p.shown.resize(m.grids.size());
  return out;
}

TrackPlane make_tracks(const geo::LocalProjection& proj, const std::vector<TrackLine>& lines,
                       const std::vector<geo::Fix>& checkins) {
  TrackPlane t;
  for (const TrackLine& l : lines) {
    std::vector<geo::Xy> pts;
    pts.reserve(l.points.size());
    for (const geo::TrackPoint& tp : l.points) pts.push_back(proj.to_metres(tp.p));
    t.lines.push_back(std::move(pts));
  }
  for (const geo::Fix& c : checkins) t.checkins.push_back(proj.to_metres(c.at_point));
  return t;
}

// Whole pixels: ImGui draws such a line from its atlas's baked lines, two
// vertices a point, where a fractional one costs four and a fringe.
float whole_px(float thickness) { return std::max(1.0f, std::round(thickness)); }

void blend_off(const ImDrawList*, const ImDrawCmd*) { glDisable(GL_BLEND); }
void blend_on(const ImDrawList*, const ImDrawCmd*) { glEnable(GL_BLEND); }

// A grid's fill as one mesh of its own points: no anti-aliased fringe (its
// outline covers the edge), no vertex written twice. A frame of the whole
// park is tens of thousands of vertices fewer than a fill a triangle.
void fill(ImDrawList* dl, const MapPlane::Shape& sh, const std::vector<ImVec2>& v, ImU32 col, ImVec2 uv) {
  if (v.size() < 3 || sh.tri.empty()) return;
  dl->PrimReserve(static_cast<int>(sh.tri.size()), static_cast<int>(v.size()));
  const auto base = static_cast<unsigned>(dl->_VtxCurrentIdx);
  for (const ImVec2& p : v) dl->PrimWriteVtx(p, uv, col);
  for (int i : sh.tri) dl->PrimWriteIdx(static_cast<ImDrawIdx>(base + static_cast<unsigned>(i)));
}

void outline(ImDrawList* dl, const std::vector<ImVec2>& v, ImU32 col, float thickness) {
  if (v.size() >= 2)
    dl->AddPolyline(v.data(), static_cast<int>(v.size()), col, ImDrawFlags_Closed, whole_px(thickness));
}

// The severity's colour, an index into the pins' sprites; overdue is the red ring around it.
constexpr std::array<ImU32, PinSprites::kColours> kPinColours = {kGrey, kBlue, kAmber, kUrgent};
int pin_colour(const MapPin& p) {
  if (p.severity == "low") return 0;
  if (p.severity == "high") return 2;
  if (p.severity == "urgent") return 3;
  return 1;
}

// A track as a line, green where it began and a dark square where it ended.
void track(ImDrawList* dl, const MapCamera& cam, const std::vector<geo::Xy>& pts, ImU32 col, float s,
           std::vector<ImVec2>* scratch) {
  if (pts.empty()) return;
  scratch->clear();
  for (const geo::Xy& p : pts) keep_apart(scratch, iv(cam.to_screen(p)), kLineStepPx);
  if (const ImVec2 end = iv(cam.to_screen(pts.back())); scratch->back().x != end.x || scratch->back().y != end.y)
    scratch->push_back(end);
  if (scratch->size() >= 2) dl->AddPolyline(scratch->data(), static_cast<int>(scratch->size()), col, 0, whole_px(3.5f * s));
  const ImVec2 a = scratch->front(), b = scratch->back();
  dl->AddCircleFilled(a, 7 * s, IM_COL32_WHITE, 12);
  dl->AddCircleFilled(a, 5 * s, kGreen, 12);
  dl->AddRectFilled(ImVec2(b.x - 6 * s, b.y - 6 * s), ImVec2(b.x + 6 * s, b.y + 6 * s), IM_COL32_WHITE);
  dl->AddRectFilled(ImVec2(b.x - 4.5f * s, b.y - 4.5f * s), ImVec2(b.x + 4.5f * s, b.y + 4.5f * s),
                    IM_COL32(60, 30, 20, 255));
}

void checkin_mark(ImDrawList* dl, ImVec2 c, float s) {
  const float r = 9 * s;
  dl->AddQuadFilled(ImVec2(c.x, c.y - r), ImVec2(c.x + r, c.y), ImVec2(c.x, c.y + r), ImVec2(c.x - r, c.y), kCheckin);
  dl->AddQuad(ImVec2(c.x, c.y - r), ImVec2(c.x + r, c.y), ImVec2(c.x, c.y + r), ImVec2(c.x - r, c.y),
              IM_COL32(90, 60, 0, 255), 2 * s);
}

// A placed pin (pick mode): a red head on a stem whose foot is the point.
void placed_pin(ImDrawList* dl, ImVec2 at, float s) {
  const ImVec2 head(at.x, at.y - 26 * s);
  dl->AddLine(at, head, IM_COL32(60, 20, 20, 255), 3 * s);
  dl->AddCircleFilled(head, 11 * s, IM_COL32_WHITE, 16);
  dl->AddCircleFilled(head, 9 * s, kPickPin, 16);
  dl->AddCircleFilled(at, 3 * s, IM_COL32(60, 20, 20, 255), 8);
}

// A scale bar's length: 1, 2 or 5 times a power of ten metres near `target`.
double nice_metres(double target) {
  const double p = std::pow(10.0, std::floor(std::log10(std::max(target, 1e-3))));
  for (double k : {1.0, 2.0, 5.0})
    if (k * p >= target * 0.7) return k * p;
  return 10 * p;
}

std::string metres_text(double m) {
  char buf[32];
  if (m >= 1000) std::snprintf(buf, sizeof buf, "%.1f km", m / 1000);
  else std::snprintf(buf, sizeof buf, "%.0f m", m);
  return buf;
}

// A day before or after "YYYY-MM-DD".
std::string shift_day(const std::string& day, int by) {
  CivilDate d;
  if (std::sscanf(day.c_str(), "%d-%d-%d", &d.year, &d.month, &d.day) != 3) return day;
  return iso_date(civil_from_days(days_from_civil(d) + by));
}

int fill_step(int64_t open, int64_t step) {
  if (open <= 0) return 0;
  return static_cast<int>(std::min<int64_t>(3, 1 + (open - 1) / step));
}

// A name in two lines, split at its middle character (UTF-8 aware).
std::vector<std::string> halves(const std::string& name) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < name.size(); ++i)
    if ((static_cast<unsigned char>(name[i]) & 0xC0) != 0x80) starts.push_back(i);
  if (starts.size() < 2) return {name};
  const size_t cut = starts[starts.size() / 2];
  return {name.substr(0, cut), name.substr(cut)};
}

// A unit grid's name where it fits, else in two lines, else the tail of its
// code; on a light plate so it reads over any fill. The font's own size:
// a scaled atlas font picks up its neighbours' pixels.
void label(ImDrawList* dl, const MapGrid& g, const Box& b) {
  const float room_x = b.max.x - b.min.x - 8, room_y = b.max.y - b.min.y - 4;
  const float line = ImGui::GetTextLineHeight();
  std::vector<std::vector<std::string>> choices{{g.name}, halves(g.name)};
  if (g.code.size() > 5) choices.push_back({g.code.substr(g.code.size() - 5)});
  for (const auto& lines : choices) {
    float w = 0;
    for (const std::string& l : lines) w = std::max(w, ImGui::CalcTextSize(l.c_str()).x);
    const float h = line * static_cast<float>(lines.size());
    if (w > room_x || h > room_y) continue;
    const ImVec2 c((b.min.x + b.max.x) * 0.5f, (b.min.y + b.max.y) * 0.5f);
    dl->AddRectFilled(ImVec2(c.x - w * 0.5f - 4, c.y - h * 0.5f - 1), ImVec2(c.x + w * 0.5f + 4, c.y + h * 0.5f + 1),
                      IM_COL32(255, 255, 255, 235), 3.0f);
    for (size_t i = 0; i < lines.size(); ++i) {
      const float lw = ImGui::CalcTextSize(lines[i].c_str()).x;
      dl->AddText(ImVec2(c.x - lw * 0.5f, c.y - h * 0.5f + line * static_cast<float>(i)), IM_COL32(20, 30, 45, 255),
                  lines[i].c_str());
    }
    return;
  }
}

void swatch(ImU32 fill_color, ImU32 line_color, float thickness) {
  const float h = ImGui::GetTextLineHeight();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(h * 1.4f, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(p.x + 2, p.y + 3), ImVec2(p.x + h * 1.4f - 2, p.y + h - 3), fill_color);
  dl->AddRect(ImVec2(p.x + 2, p.y + 3), ImVec2(p.x + h * 1.4f - 2, p.y + h - 3), line_color, 0.0f, 0, thickness);
  ImGui::SameLine();
}

const MapGrid* find_grid(const GridMapView& m, const std::string& id) {
  for (const MapGrid& g : m.grids)
    if (g.id == id) return &g;
  return nullptr;
}

}  // namespace

int pick_grid(const GridMapView& m, double lon, double lat) {
  int best = -1;
  for (size_t i = 0; i < m.grids.size(); ++i) {
    const MapGrid& g = m.grids[i];
    if (g.ring.size() < 3 || (best >= 0 && m.grids[static_cast<size_t>(best)].level >= g.level)) continue;
    if (point_in_ring(g.ring, lon, lat)) best = static_cast<int>(i);
  }
  return best;
}

GridMapScreen::GridMapScreen() : sprites_(kPinColours, kRed) {}
GridMapScreen::~GridMapScreen() = default;

void GridMapScreen::enter(Frame& f) {
  f.core.load_grid_map();
  const bool was_picking = picking_;
  picking_ = f.map_pick && !f.map_pick->asked_by.empty();
  pick_ = picking_ ? f.map_pick->start : std::nullopt;
  // Back from a case opened here the view is kept; placing a pin starts afresh.
  if (picking_ || was_picking) fitted_ = false;
  const RoleSet roles = my_roles(f);
  if (!picking_ && (roles.has(Role::supervisor) || roles.has(Role::admin))) {
    f.core.load_takeover_console();  // its responsibilities: the workers to replay
    if (replay_asked_) f.core.load_replay(replay_worker_, replay_day_);
  }
}

void GridMapScreen::replay_first(const std::string& worker, const std::string& day) {
  replay_worker_ = worker;
  replay_day_ = day;
  replay_asked_ = false;  // asked for once the workers are listed (replay_panel)
  first_worker_ = true;
}

const MapPlane& GridMapScreen::plane(const GridMapView&) { return *plane_; }

// The plane is made again only when the core hands over a new map.
void GridMapScreen::ensure_plane(const std::shared_ptr<const GridMapView>& m) {
  if (plane_ && seen_ == m) return;
  plane_ = make_plane(*m);
  seen_ = m;
  replay_plane_.reset();  // its projection may have moved with the grids
}

void GridMapScreen::show_for_bench(std::shared_ptr<const GridMapView> m) {
  bench_map_ = std::move(m);
  if (bench_map_->replay) {
    replay_worker_ = bench_map_->replay->worker_id;
    replay_day_ = bench_map_->replay->day;
    replay_asked_ = true;
    first_worker_ = false;
  }
}

void GridMapScreen::reset_view() { fitted_ = false; }

// A replay just loaded: the day's tracks fill the view, with room around
// them to see which grids they crossed.
void GridMapScreen::fit_tracks(const TrackPlane& t) {
  geo::Xy lo{DBL_MAX, DBL_MAX}, hi{-DBL_MAX, -DBL_MAX};
  for (const auto& line : t.lines)
    for (const geo::Xy& p : line) {
      lo = {std::min(lo.x, p.x), std::min(lo.y, p.y)};
      hi = {std::max(hi.x, p.x), std::max(hi.y, p.y)};
    }
  if (lo.x > hi.x) return;
  const double grow = std::max({kReplayMarginM, (hi.x - lo.x) * 0.15, (hi.y - lo.y) * 0.15});
  camera_.fit({lo.x - grow, lo.y - grow}, {hi.x + grow, hi.y + grow}, 0);
  fitted_ = true;
}

void GridMapScreen::toolbar(Frame& f, const GridMapView& m) {
  const float w = 72.0f * f.scale;
  const MapPlane& pl = plane(m);
  auto zoom = [&](double k) {
    MapCamera fit = camera_;
    fit.fit(pl.min, pl.max, 0);
    const geo::Xy c = camera_.centre();
    camera_.zoom_about(k, camera_.to_screen(c), tuning::kMapMinMetresPerPx,
                       fit.metres_per_px() * tuning::kMapMaxZoomOut);
  };
  if (button(f, "map.zoom_out", "−", ImVec2(w, 0))) zoom(1 / kZoomStep);
  ImGui::SameLine();
  if (button(f, "map.zoom_in", "+", ImVec2(w, 0))) zoom(kZoomStep);
  ImGui::SameLine();
  if (button(f, "map.reset", f.s.tr("map.reset"))) reset_view();
  if (!picking_) return;
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::PushStyleColor(ImGuiCol_Text, kTitleText);
  ImGui::TextUnformatted(f.s.c("map.pick_place"));
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::BeginDisabled(!pick_);
  if (primary_button(f, "map.pick_use", f.s.tr("map.pick_use")) && f.map_pick) {
    f.map_pick->placed = pick_;
    f.map_pick->placed_for = f.map_pick->asked_by;
    f.nav.back();  // the form, as it was left
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (button(f, "map.pick_cancel", f.s.tr("common.cancel"))) f.nav.back();
}

void GridMapScreen::tap(Frame& f, const GridMapView& m, Pt at) {
  const MapPlane& pl = plane(m);
  const geo::LonLat ll = pl.proj.to_lonlat(camera_.to_plane(at));
  if (picking_) {
    // A pin placed by hand is as good as a pixel of the map it was placed on.
    const double acc = std::round(camera_.metres_per_px() * 10) / 10;
    pick_ = geo::Fix{ll, acc, f.now_ms, geo::FixSource::manual};
    return;
  }
  if (const int hit = nearest_within(pin_screen_, at, tuning::kMapPinHitPx * f.scale);
      hit >= 0 && static_cast<size_t>(hit) < m.pins.size()) {
    f.core.open_case(m.pins[static_cast<size_t>(hit)].case_id);
    f.nav.go(ScreenId::case_detail);
    return;
  }
  const int i = pick_grid(m, ll.lon, ll.lat);
  selected_ = i >= 0 ? m.grids[static_cast<size_t>(i)].id : std::string();
}

void GridMapScreen::input(Frame& f, const GridMapView& m, bool tapped, ImVec2 p0, ImVec2 size) {
  const MapPlane& pl = plane(m);
  MapCamera fit = camera_;
  fit.fit(pl.min, pl.max, 0);
  const double min_mpp = tuning::kMapMinMetresPerPx, max_mpp = fit.metres_per_px() * tuning::kMapMaxZoomOut;
  const ImGuiIO& io = ImGui::GetIO();
  const Pt mouse{io.MousePos.x, io.MousePos.y};
  if (ImGui::IsItemHovered() && io.MouseWheel != 0.0f)
    camera_.zoom_about(std::pow(kWheelStep, static_cast<double>(io.MouseWheel)), mouse, min_mpp, max_mpp);
  if (f.pinch != 0.0f)
    camera_.zoom_about(std::exp(static_cast<double>(f.pinch) * kPinchGain), {p0.x + size.x / 2, p0.y + size.y / 2},
                       min_mpp, max_mpp);
  const float slop = tuning::kMapTapSlopPx * f.scale;
  // A drag from the motion events (Frame::drag): past the slop it pans,
  // the slop itself included, so the ground stays under the finger.
  if (ImGui::IsItemActivated()) dragged_ = ImVec2(0, 0);
  if (ImGui::IsItemActive()) {
    const bool was_panning = std::hypot(dragged_.x, dragged_.y) >= slop;
    dragged_ = ImVec2(dragged_.x + f.drag.x, dragged_.y + f.drag.y);
    if (was_panning) camera_.pan(f.drag.x, f.drag.y);
    else if (std::hypot(dragged_.x, dragged_.y) >= slop) camera_.pan(dragged_.x, dragged_.y);
  }
  if (tapped && std::hypot(dragged_.x, dragged_.y) < slop) tap(f, m, mouse);
}

void GridMapScreen::canvas(Frame& f, const GridMapView& m, ImVec2 size) {
  const ImVec2 p0 = ImGui::GetCursorScreenPos(), p1(p0.x + size.x, p0.y + size.y);
  const bool tapped = ImGui::InvisibleButton("##map_canvas", size);
  probe_item(f, "map.canvas");
  MapPlane& pl = *plane_;
  camera_.set_view(p0.x, p0.y, size.x, size.y);
  const float s = f.scale;
  if (!fitted_) {
    camera_.fit(pl.min, pl.max, 12.0f * s);
    fitted_ = true;
    // Placing a pin starts where the pin or the tablet is, close enough to place it.
    std::optional<geo::LonLat> at;
    if (picking_ && pick_) at = pick_->at_point;
    else if (picking_ && f.snap.location.state == LocationView::State::fix) at = f.snap.location.fix.at_point;
    if (at) camera_.look_at(pl.proj.to_metres(*at), std::min(camera_.metres_per_px(), kPickMetresPerPx));
  }
  input(f, m, tapped, p0, size);
  if (bench_map_) camera_.pan((bench_frame_++ / 150) % 2 ? -2.0f : 2.0f, 0);  // a finger's slow drag to and fro

  int64_t busiest = 0;
  for (size_t i = 0; i < m.grids.size(); ++i)
    if (pl.grids[i].leaf) busiest = std::max(busiest, m.grids[i].open_cases);
  step_ = std::max<int64_t>(1, (busiest + 2) / 3);  // three steps up to the busiest grid

  // The grids on screen this frame: those whose box overlaps the view.
  std::vector<Box> boxes(m.grids.size());
  for (size_t i = 0; i < m.grids.size(); ++i) {
    const MapPlane::Shape& sh = pl.grids[i];
    std::vector<ImVec2>& v = pl.screen[i];
    v.clear();
    pl.shown[i] = 0;
    if (sh.pts.size() < 3) continue;
    const Pt a = camera_.to_screen({sh.min.x, sh.max.y}), b = camera_.to_screen({sh.max.x, sh.min.y});
    boxes[i].min = iv(a);
    boxes[i].max = iv(b);
    if (!camera_.visible(a, b)) continue;
    pl.shown[i] = 1;
    for (const geo::Xy& p : sh.pts) v.push_back(iv(camera_.to_screen(p)));
    pl.lines[i].clear();
    for (const ImVec2& p : v) keep_apart(&pl.lines[i], p, kLineStepPx);
  }

  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(p0, p1, true);
  // No fill of its own behind the map: the window's clear colour is there
  // already, and a software rasteriser pays for every pixel drawn twice.
  // Fills, then lines from the finest up, then what must stand out.
  // The fills are opaque: drawn without blending, a software rasteriser
  // writes their pixels without reading what is under them.
  const ImVec2 uv = ImGui::GetFontTexUvWhitePixel();
  dl->AddCallback(&blend_off, nullptr);
  for (size_t i = 0; i < m.grids.size(); ++i)
    if (const ImU32 col = m.grids[i].takeover ? kTakeoverFill : kFills[fill_step(m.grids[i].open_cases, step_)];
        pl.shown[i] && pl.grids[i].leaf && col != kGround)
      fill(dl, pl.grids[i], pl.screen[i], col, uv);
  // Enterprises, opaque too: small over the whole park, where they are many; larger closer in.
  const float half = (camera_.metres_per_px() > kPlaceCloseMetresPerPx ? 3.0f : 5.0f) * s;
  for (const geo::Xy& p : pl.places) {
    const Pt c = camera_.to_screen(p);
    if (!camera_.visible(c, 8 * s)) continue;
    dl->AddRectFilled(ImVec2(c.x - half - s, c.y - half - s), ImVec2(c.x + half + s, c.y + half + s), IM_COL32_WHITE);
    dl->AddRectFilled(ImVec2(c.x - half, c.y - half), ImVec2(c.x + half, c.y + half), kPlace);
  }
  dl->AddCallback(&blend_on, nullptr);
  for (int level = 3; level >= 1; --level)
    for (size_t i = 0; i < m.grids.size(); ++i)
      if (pl.shown[i] && m.grids[i].level == level)
        outline(dl, pl.lines[i], level == 3 ? kLine : level == 2 ? kUnitLine : kZoneLine,
                static_cast<float>(4 - level) * s);
  for (size_t i = 0; i < m.grids.size(); ++i) {
    if (!pl.shown[i]) continue;
    const MapGrid& g = m.grids[i];
    if (g.takeover && g.level <= 2) outline(dl, pl.lines[i], kRed, 4 * s);
    if (g.mine) outline(dl, pl.lines[i], kMineLine, 4.5f * s);
    if (g.id == selected_) outline(dl, pl.lines[i], kBlue, 5 * s);
  }
  // Overdue: a red mark in the middle of the grid, where no unit's name sits
  // (those are at the units' middles, where the finer grids meet).
  // With pins on the map an overdue case shows as its own red-ringed pin.
  for (size_t i = 0; i < m.grids.size() && m.pins.empty(); ++i) {
    if (!pl.shown[i] || !pl.grids[i].leaf || m.grids[i].overdue_cases <= 0) continue;
    const ImVec2 c((boxes[i].min.x + boxes[i].max.x) * 0.5f, (boxes[i].min.y + boxes[i].max.y) * 0.5f);
    dl->AddCircleFilled(c, 7 * s, IM_COL32_WHITE);  // a rim, so it shows on a red fill too
    dl->AddCircleFilled(c, 5.5f * s, kRed);
  }
  for (size_t i = 0; i < m.grids.size(); ++i)
    if (pl.shown[i] && m.grids[i].level == 2) label(dl, m.grids[i], boxes[i]);

  // Tracks: the replayed day, then the patrol running now.
  std::vector<ImVec2> scratch;
  if (replay_asked_ && m.replay && m.replay->worker_id == replay_worker_ && m.replay->day == replay_day_) {
    if (!replay_plane_ || replay_seen_ != m.replay) {
      const bool fresh = replay_seen_ != m.replay;
      replay_plane_ = std::make_unique<TrackPlane>(make_tracks(pl.proj, m.replay->lines, m.replay->checkins));
      replay_seen_ = m.replay;
      if (fresh && !bench_map_) fit_tracks(*replay_plane_);
    }
    for (const auto& line : replay_plane_->lines) track(dl, camera_, line, kReplayLine, s, &scratch);
    for (const geo::Xy& c : replay_plane_->checkins) checkin_mark(dl, iv(camera_.to_screen(c)), s);
  }
  if (!m.live.points.empty()) {
    const TrackPlane live = make_tracks(pl.proj, {m.live}, {});
    track(dl, camera_, live.lines.front(), kLiveLine, s, &scratch);
  }

  const bool big_meshes = (ImGui::GetIO().BackendFlags & ImGuiBackendFlags_RendererHasVtxOffset) != 0;
  // Pins: drawn when on screen; where each is, for a tap next frame.
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  pin_screen_.assign(pl.pins.size(), Pt{kNaN, kNaN});
  dl->PushTextureID(sprites_.texture());  // every pin in one draw command
  // Many pins in one spot (the whole park on screen): one drawn a small
  // cell; every one still answers a tap.
  const float cell = kPinCellPx * s;
  const int cols = static_cast<int>(size.x / cell) + 3, rows = static_cast<int>(size.y / cell) + 3;
  taken_.assign(static_cast<size_t>(cols) * static_cast<size_t>(rows), 0);
  for (size_t i = 0; i < pl.pins.size(); ++i) {
    const Pt c = camera_.to_screen(pl.pins[i]);
    if (!camera_.visible(c, 14 * s)) continue;
    pin_screen_[i] = c;
    const int cx = std::clamp(static_cast<int>((c.x - p0.x) / cell) + 1, 0, cols - 1);
    const int cy = std::clamp(static_cast<int>((c.y - p0.y) / cell) + 1, 0, rows - 1);
    if (std::exchange(taken_[static_cast<size_t>(cy) * static_cast<size_t>(cols) + static_cast<size_t>(cx)], 1)) continue;
    if (!big_meshes && dl->VtxBuffer.Size > kVertexBudget) continue;
    sprites_.pin(dl, iv(c), pin_colour(m.pins[i]), m.pins[i].overdue, s);
  }
  dl->PopTextureID();
  // Where the tablet is: a dot in the circle of its accuracy.
  if (const LocationView& loc = f.snap.location; loc.state == LocationView::State::fix) {
    const ImVec2 c = iv(camera_.to_screen(pl.proj.to_metres(loc.fix.at_point)));
    const float r = static_cast<float>(loc.fix.accuracy_m / camera_.metres_per_px());
    if (r > 9 * s) {
      dl->AddCircleFilled(c, r, IM_COL32(20, 110, 240, 40), 48);
      dl->AddCircle(c, r, IM_COL32(20, 110, 240, 150), 48, 1.5f * s);
    }
    dl->AddCircleFilled(c, 9 * s, IM_COL32_WHITE, 16);
    dl->AddCircleFilled(c, 7 * s, kHere, 16);
  }
  if (picking_ && pick_) placed_pin(dl, iv(camera_.to_screen(pl.proj.to_metres(pick_->at_point))), s);

  // A scale bar, bottom left: what a finger's width is on the ground.
  const double bar_m = nice_metres(camera_.metres_per_px() * 120 * s);
  const float bar_px = static_cast<float>(bar_m / camera_.metres_per_px());
  const ImVec2 b0(p0.x + 16 * s, p1.y - 16 * s);
  dl->AddRectFilled(ImVec2(b0.x - 6 * s, b0.y - ImGui::GetTextLineHeight() - 10 * s),
                    ImVec2(b0.x + bar_px + 6 * s, b0.y + 6 * s), IM_COL32(255, 255, 255, 210), 3 * s);
  dl->AddLine(b0, ImVec2(b0.x + bar_px, b0.y), IM_COL32(30, 30, 40, 255), 3 * s);
  dl->AddText(ImVec2(b0.x, b0.y - ImGui::GetTextLineHeight() - 4 * s), IM_COL32(30, 30, 40, 255),
              metres_text(bar_m).c_str());
  dl->PopClipRect();
  dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));
  if (!f.probe.active()) return;
  // Where each unit grid and pin lies, for the window test's taps.
  for (size_t i = 0; i < m.grids.size(); ++i) {
    if (m.grids[i].level != 2 || !pl.shown[i]) continue;
    const Box& b = boxes[i];
    const ImVec2 a(std::max(b.min.x, p0.x), std::max(b.min.y, p0.y));
    const ImVec2 z(std::min(b.max.x, p1.x), std::min(b.max.y, p1.y));
    if (z.x - a.x >= 2 && z.y - a.y >= 2) f.probe.widget("map.unit." + m.grids[i].code, a.x, a.y, z.x - a.x, z.y - a.y);
  }
  const float h = 48.0f;  // a finger's target, as the probe's touch check wants
  for (size_t i = 0, n = 0; i < pin_screen_.size() && n < 100; ++i) {
    const Pt c = pin_screen_[i];
    if (std::isnan(c.x) || c.x - h / 2 < p0.x || c.y - h / 2 < p0.y || c.x + h / 2 > p1.x || c.y + h / 2 > p1.y)
      continue;
    f.probe.widget("map.pin." + m.pins[i].case_id, c.x - h / 2, c.y - h / 2, h, h);
    ++n;
  }
}

void GridMapScreen::probe_view(Frame& f, const GridMapView& m) {
  int64_t takeover = 0;
  for (const MapGrid& g : m.grids) takeover += g.takeover && g.level == 2;
  const MapGrid* g = find_grid(m, selected_);
  f.probe.state("map_grids", std::to_string(m.grids.size()));
  f.probe.state("map_takeover_units", std::to_string(takeover));
  f.probe.state("map_selected", g ? g->code : "-");
  f.probe.state("map_pins", std::to_string(m.pins.size()));
  f.probe.state("map_picking", picking_ ? "1" : "0");
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.1f %.1f %.4f", camera_.centre().x, camera_.centre().y, camera_.metres_per_px());
  f.probe.state("map_view", buf);
  if (pick_) std::snprintf(buf, sizeof buf, "%.6f %.6f", pick_->at_point.lon, pick_->at_point.lat);
  f.probe.state("map_pick", pick_ ? buf : "-");
  const bool shown = replay_asked_ && m.replay && m.replay->worker_id == replay_worker_;
  f.probe.state("map_replay_lines", shown ? std::to_string(m.replay->lines.size()) : "-");
}

// 轨迹回放 (supervisors): a worker and a day, what the tablet holds of
// their patrols that day, its length and the time inside the grids.
void GridMapScreen::replay_panel(Frame& f, const GridMapView& m) {
  const RoleSet roles = my_roles(f);
  if (picking_ || !(roles.has(Role::supervisor) || roles.has(Role::admin))) return;
  heading(f.s.tr("map.replay"));
  std::vector<std::pair<std::string, std::string>> workers;
  std::set<std::string> seen;
  if (f.snap.takeover)
    for (const ResponsibilityItem& r : f.snap.takeover->responsibilities)
      if (seen.insert(r.user_id).second) workers.emplace_back(r.user_id, r.user_name);
  if (workers.empty()) {
    muted(f.s.tr("common.loading"));
    return;
  }
  bool ask = false;
  if (first_worker_) {  // the first replay: --replay's worker (an id, a sign-in or a name), else the first listed
    first_worker_ = false;
    std::string id = workers.front().first;
    for (const auto& [wid, name] : workers)
      if (wid == replay_worker_ || name == replay_worker_) id = wid;
    for (const ResponsibilityItem& r : f.snap.takeover->responsibilities)
      if (!replay_worker_.empty() && r.username == replay_worker_) id = r.user_id;
    replay_worker_ = id;
    ask = true;
  }
  if (replay_day_.empty()) replay_day_ = iso_date(china_date(f.now_ms));
  ImGui::TextUnformatted(f.s.c("map.replay_worker"));
  ask |= combo(f, "map.replay.worker", workers, &replay_worker_);
  const float w = 64.0f * f.scale;
  if (button(f, "map.replay.prev", "‹", ImVec2(w, 0))) {
    replay_day_ = shift_day(replay_day_, -1);
    ask = true;
  }
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(replay_day_.c_str());
  ImGui::SameLine();
  ImGui::BeginDisabled(replay_day_ >= iso_date(china_date(f.now_ms)));
  if (button(f, "map.replay.next", "›", ImVec2(w, 0))) {
    replay_day_ = shift_day(replay_day_, 1);
    ask = true;
  }
  ImGui::EndDisabled();
  if (ask) {
    f.core.load_replay(replay_worker_, replay_day_);
    replay_asked_ = true;
  }
  const ReplayView* r = m.replay.get();
  if (!replay_asked_) return;
  if (!r || r->worker_id != replay_worker_ || r->day != replay_day_) {
    muted(f.s.tr("common.loading"));
    return;
  }
  if (r->lines.empty()) {
    muted(f.s.tr("map.replay_none"));
    return;
  }
  field(f.s.tr("map.replay_length"), metres_text(r->length_m));
  const int64_t minutes = r->inside_ms / 60'000;
  field(f.s.tr("map.replay_inside"),
        f.s.format("map.duration", {std::to_string(minutes / 60), std::to_string(minutes % 60)}));
  field(f.s.tr("map.replay_checkins"), count_text(static_cast<int64_t>(r->checkins.size())));
}

void GridMapScreen::details(Frame& f, const GridMapView& m, const MapGrid& g) {
  if (g.takeover) {
    badge(f.s.tr("takeover.badge"), kRed);
    ImGui::SameLine();
  }
  heading(g.name);
  field(f.s.tr("map.code"), g.code);
  field(f.s.tr("map.kind"), f.s.tr("kind." + g.kind));
  field(f.s.tr("map.mode"), f.s.tr(g.takeover ? "mode.takeover" : "mode.normal"));
  const MapGrid* parent = find_grid(m, g.parent_id);
  if (parent) field(f.s.tr("map.parent"), parent->name);
  field(f.s.tr("map.open_cases"), count_text(g.open_cases));
  if (g.overdue_cases > 0) ImGui::PushStyleColor(ImGuiCol_Text, kRedText);
  field(f.s.tr("map.overdue_cases"), count_text(g.overdue_cases));
  if (g.overdue_cases > 0) ImGui::PopStyleColor();
  if (g.mine) muted(f.s.tr("map.mine"));
  if (button(f, "map.cases", f.s.tr("map.show_cases"), ImVec2(-1, 0)))
    f.nav.go_cases(CaseFilter{"open", g.id, "", false, false});
  // A takeover is of a unit grid: a finer grid offers its parent's.
  const MapGrid* unit = g.level == 2 ? &g : g.level == 3 ? parent : nullptr;
  if (unit && my_roles(f).has(Role::supervisor)) {
    const std::string label = f.s.format(unit->takeover ? "map.open_takeover" : "map.start_takeover", {unit->name});
    if (danger_button(f, "map.takeover", label, ImVec2(-1, 0))) f.nav.go_takeover(unit->id);
  }
}

// Two columns, so the legend stays in view under a grid's details.
void GridMapScreen::legend(Frame& f) {
  ImGui::Dummy(ImVec2(0, 4 * f.scale));
  heading(f.s.tr("map.legend"));
  // "1–2 件待办", or "1 件待办" when a step is one case wide.
  auto range = [&](int64_t lo, int64_t hi) {
    return lo == hi ? f.s.format("map.legend_one", {std::to_string(lo)})
                    : f.s.format("map.legend_range", {std::to_string(lo), std::to_string(hi)});
  };
  const std::string d = std::to_string(step_ * 2 + 1);
  struct Entry {
    ImU32 fill, line;
    float thickness;
    std::string text;
  };
  const Entry entries[] = {
      {kFills[0], kLine, 1, f.s.tr("map.legend_none")},
      {kTakeoverFill, kRed, 3, f.s.tr("map.legend_takeover")},
      {kFills[1], kLine, 1, range(1, step_)},
      {IM_COL32_WHITE, kMineLine, 4, f.s.tr("map.legend_mine")},
      {kFills[2], kLine, 1, range(step_ + 1, step_ * 2)},
      {0, kRed, 0, f.s.tr("map.legend_overdue")},
      {kFills[3], kLine, 1, f.s.format("map.legend_more", {d})},
      {0, kBlue, 0, f.s.tr("map.legend_pin")},  // dots: line is the dot's colour
      {0, kPlace, 0, f.s.tr("map.legend_place")},
      {0, kReplayLine, 0, f.s.tr("map.legend_track")},
      {0, kHere, 0, f.s.tr("map.legend_here")},
  };
  if (!ImGui::BeginTable("##legend", 2)) return;
  for (const Entry& e : entries) {
    ImGui::TableNextColumn();
    if (e.thickness > 0) {
      swatch(e.fill, e.line, e.thickness);
    } else {
      dot(e.line);
      ImGui::SameLine();
    }
    ImGui::TextUnformatted(e.text.c_str());
  }
  ImGui::EndTable();
}

void GridMapScreen::side_panel(Frame& f, const GridMapView& m) {
  begin_panel("##map_side", ImVec2(0, 0));
  if (picking_) {
    heading(f.s.tr("loc.pick"));
    muted(f.s.tr("map.pick_hint_pin"));
    ImGui::TextUnformatted(fix_text(f.s, pick_).c_str());
  } else if (const MapGrid* g = find_grid(m, selected_)) {
    details(f, m, *g);
  } else {
    heading(f.s.tr("map.pick_title"));
    muted(f.s.tr("map.pick_hint"));
  }
  replay_panel(f, m);
  legend(f);
  end_panel();
}

void GridMapScreen::draw(Frame& f) {
  const std::shared_ptr<const GridMapView> shown = bench_map_ ? bench_map_ : f.snap.grid_map;
  const GridMapView* m = shown.get();
  if (!m) {
    muted(f.s.tr("common.loading"));
    return;
  }
  if (m->grids.empty() || m->east <= m->west || m->north <= m->south) {
    muted(f.s.tr("map.empty"));
    return;
  }
  ensure_plane(shown);
  toolbar(f, *m);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side_w = std::min(kSideWidth * f.scale, avail.x * 0.4f);
  canvas(f, *m, ImVec2(avail.x - side_w - ImGui::GetStyle().ItemSpacing.x, avail.y));
  ImGui::SameLine();
  side_panel(f, *m);
  if (f.probe.active()) probe_view(f, *m);
}

}  // namespace gw::client::ui
