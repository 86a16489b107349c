#include "client/ui/screens/map.hpp"

#include <algorithm>
#include <cfloat>
#include <set>
#include <vector>

#include "client/ui/map_geometry.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

constexpr float kSideWidth = 440.0f;  // design px: the picked grid and the legend beside the map
// Open cases from none to many: four fills, light to strong.
constexpr ImU32 kFills[] = {IM_COL32(238, 242, 247, 255), IM_COL32(198, 219, 239, 255),
                            IM_COL32(128, 176, 218, 255), IM_COL32(55, 115, 185, 255)};
constexpr ImU32 kTakeoverFill = IM_COL32(246, 178, 168, 255);
constexpr ImU32 kLine = IM_COL32(160, 170, 185, 255);
constexpr ImU32 kUnitLine = IM_COL32(95, 105, 120, 255);
constexpr ImU32 kZoneLine = IM_COL32(40, 60, 90, 255);
constexpr ImU32 kMineLine = IM_COL32(15, 15, 25, 255);

struct Box {
  ImVec2 min{FLT_MAX, FLT_MAX}, max{-FLT_MAX, -FLT_MAX};
  bool empty() const { return min.x > max.x; }
};

// The grids drawn in screen space once per frame.
struct Shape {
  std::vector<Pt> pts;
  Box box;
  bool leaf = true;  // no grid below it has a boundary: its fill shows
};

std::vector<Shape> shapes(const GridMapView& m, const MapFit& fit) {
  std::vector<Shape> out(m.grids.size());
  std::set<std::string> parents;
  for (size_t i = 0; i < m.grids.size(); ++i) {
    const MapGrid& g = m.grids[i];
    for (const auto& [lon, lat] : open_ring(g.ring)) {
      const Pt p = fit.to_screen(lon, lat);
      out[i].pts.push_back(p);
      Box& b = out[i].box;
      b.min = ImVec2(std::min(b.min.x, p.x), std::min(b.min.y, p.y));
      b.max = ImVec2(std::max(b.max.x, p.x), std::max(b.max.y, p.y));
    }
    if (out[i].pts.size() >= 3 && !g.parent_id.empty()) parents.insert(g.parent_id);
  }
  for (size_t i = 0; i < m.grids.size(); ++i) out[i].leaf = parents.count(m.grids[i].id) == 0;
  return out;
}

void fill(ImDrawList* dl, const std::vector<Pt>& pts, ImU32 col) {
  if (pts.size() < 3) return;
  if (is_convex(pts)) {
    std::vector<ImVec2> v;
    for (const Pt& p : clockwise(pts)) v.emplace_back(p.x, p.y);
    dl->AddConvexPolyFilled(v.data(), static_cast<int>(v.size()), col);
    return;
  }
  const std::vector<int> tri = triangulate(pts);
  for (size_t k = 0; k + 2 < tri.size(); k += 3) {
    const Pt &a = pts[static_cast<size_t>(tri[k])], &b = pts[static_cast<size_t>(tri[k + 1])],
             &c = pts[static_cast<size_t>(tri[k + 2])];
    dl->AddTriangleFilled(ImVec2(a.x, a.y), ImVec2(b.x, b.y), ImVec2(c.x, c.y), col);
  }
}

void outline(ImDrawList* dl, const std::vector<Pt>& pts, ImU32 col, float thickness) {
  if (pts.size() < 2) return;
  std::vector<ImVec2> v;
  for (const Pt& p : pts) v.emplace_back(p.x, p.y);
  dl->AddPolyline(v.data(), static_cast<int>(v.size()), col, ImDrawFlags_Closed, thickness);
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

// Fills, then lines from the finest up, then what must stand out: takeover,
// mine, the pick, names, overdue marks.
void paint(ImDrawList* dl, const GridMapView& m, const std::vector<Shape>& sh, int64_t step,
           const std::string& selected, float s) {
  // A parent's area is its children's: only the finest grids are filled.
  for (size_t i = 0; i < m.grids.size(); ++i)
    if (sh[i].leaf)
      fill(dl, sh[i].pts, m.grids[i].takeover ? kTakeoverFill : kFills[fill_step(m.grids[i].open_cases, step)]);
  for (int level = 3; level >= 1; --level)
    for (size_t i = 0; i < m.grids.size(); ++i)
      if (m.grids[i].level == level)
        outline(dl, sh[i].pts, level == 3   ? kLine
                               : level == 2 ? kUnitLine
                                            : kZoneLine,
                static_cast<float>(4 - level) * s);
  for (size_t i = 0; i < m.grids.size(); ++i) {
    const MapGrid& g = m.grids[i];
    if (g.takeover && g.level <= 2) outline(dl, sh[i].pts, kRed, 4 * s);
    if (g.mine) outline(dl, sh[i].pts, kMineLine, 4.5f * s);
  }
  for (size_t i = 0; i < m.grids.size(); ++i)
    if (m.grids[i].id == selected) outline(dl, sh[i].pts, kBlue, 5 * s);
  // Overdue: a red mark in the middle of the grid, where no unit's name sits
  // (those are at the units' middles, where the finer grids meet).
  for (size_t i = 0; i < m.grids.size(); ++i) {
    if (!sh[i].leaf || m.grids[i].overdue_cases <= 0 || sh[i].box.empty()) continue;
    const ImVec2 c((sh[i].box.min.x + sh[i].box.max.x) * 0.5f, (sh[i].box.min.y + sh[i].box.max.y) * 0.5f);
    dl->AddCircleFilled(c, 7 * s, IM_COL32_WHITE);  // a rim, so it shows on a red fill too
    dl->AddCircleFilled(c, 5.5f * s, kRed);
  }
  for (size_t i = 0; i < m.grids.size(); ++i)
    if (m.grids[i].level == 2 && !sh[i].box.empty()) label(dl, m.grids[i], sh[i].box);
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

void GridMapScreen::enter(Frame& f) { f.core.load_grid_map(); }

void GridMapScreen::canvas(Frame& f, const GridMapView& m, ImVec2 size) {
  const ImVec2 p0 = ImGui::GetCursorScreenPos(), p1(p0.x + size.x, p0.y + size.y);
  const bool tapped = ImGui::InvisibleButton("##map_canvas", size);
  probe_item(f, "map.canvas");
  const float pad = 12.0f * f.scale;
  const MapFit fit(m.west, m.south, m.east, m.north, p0.x + pad, p0.y + pad, size.x - pad * 2, size.y - pad * 2);
  if (tapped) {
    const ImVec2 at = ImGui::GetIO().MousePos;
    const auto [lon, lat] = fit.to_lonlat(at.x, at.y);
    const int i = pick_grid(m, lon, lat);
    selected_ = i >= 0 ? m.grids[static_cast<size_t>(i)].id : std::string();
  }
  const std::vector<Shape> sh = shapes(m, fit);
  int64_t busiest = 0;
  for (size_t i = 0; i < m.grids.size(); ++i)
    if (sh[i].leaf) busiest = std::max(busiest, m.grids[i].open_cases);
  step_ = std::max<int64_t>(1, (busiest + 2) / 3);  // three steps up to the busiest grid
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(p0, p1, true);
  dl->AddRectFilled(p0, p1, IM_COL32(250, 251, 253, 255));
  paint(dl, m, sh, step_, selected_, f.scale);
  dl->PopClipRect();
  dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));
  if (!f.probe.active()) return;
  // Where each unit grid lies, for the window test's taps.
  for (size_t i = 0; i < m.grids.size(); ++i) {
    if (m.grids[i].level != 2 || sh[i].box.empty()) continue;
    const Box& b = sh[i].box;
    const ImVec2 a(std::max(b.min.x, p0.x), std::max(b.min.y, p0.y));
    const ImVec2 z(std::min(b.max.x, p1.x), std::min(b.max.y, p1.y));
    if (z.x - a.x >= 2 && z.y - a.y >= 2) f.probe.widget("map.unit." + m.grids[i].code, a.x, a.y, z.x - a.x, z.y - a.y);
  }
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
      {0, 0, 0, f.s.tr("map.legend_overdue")},
      {kFills[3], kLine, 1, f.s.format("map.legend_more", {d})},
  };
  if (!ImGui::BeginTable("##legend", 2)) return;
  for (const Entry& e : entries) {
    ImGui::TableNextColumn();
    if (e.thickness > 0) {
      swatch(e.fill, e.line, e.thickness);
    } else {
      dot(kRed);
      ImGui::SameLine();
    }
    ImGui::TextUnformatted(e.text.c_str());
  }
  ImGui::EndTable();
}

void GridMapScreen::side_panel(Frame& f, const GridMapView& m) {
  begin_panel("##map_side", ImVec2(0, 0));
  if (const MapGrid* g = find_grid(m, selected_)) {
    details(f, m, *g);
  } else {
    heading(f.s.tr("map.pick_title"));
    muted(f.s.tr("map.pick_hint"));
  }
  legend(f);
  end_panel();
}

void GridMapScreen::draw(Frame& f) {
  const GridMapView* m = f.snap.grid_map.get();
  if (!m) {
    muted(f.s.tr("common.loading"));
    return;
  }
  if (f.probe.active()) {
    int64_t takeover = 0;
    for (const MapGrid& g : m->grids) takeover += g.takeover && g.level == 2;
    const MapGrid* g = find_grid(*m, selected_);
    f.probe.state("map_grids", std::to_string(m->grids.size()));
    f.probe.state("map_takeover_units", std::to_string(takeover));
    f.probe.state("map_selected", g ? g->code : "-");
  }
  if (m->grids.empty() || m->east <= m->west || m->north <= m->south) {
    muted(f.s.tr("map.empty"));
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side_w = std::min(kSideWidth * f.scale, avail.x * 0.4f);
  canvas(f, *m, ImVec2(avail.x - side_w - ImGui::GetStyle().ItemSpacing.x, avail.y));
  ImGui::SameLine();
  side_panel(f, *m);
}

}  // namespace gw::client::ui
