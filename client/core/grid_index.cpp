// Which grid a point is in (issue 23). 47 level-3 polygons of a few hundred
// points each: a box test and an even-odd scan answer in microseconds, so
// no spatial index beyond the boxes is worth its code.
#include "client/core/views.hpp"

#include <algorithm>

namespace gw::client {

GridIndex::GridIndex(std::vector<Entry> grids) : grids_(std::move(grids)) {
  for (auto& g : grids_) g.box = geo::bounds(g.polygon.outer());
  std::stable_sort(grids_.begin(), grids_.end(), [](const Entry& a, const Entry& b) { return a.level > b.level; });
}

const GridIndex::Entry* GridIndex::grid_at(geo::LonLat p) const {
  for (const auto& g : grids_)
    if (g.box.contains(p) && geo::contains(g.polygon, p)) return &g;
  return nullptr;
}

const GridIndex::Entry* GridIndex::find(const std::string& id) const {
  for (const auto& g : grids_)
    if (g.id == id) return &g;
  return nullptr;
}

bool GridIndex::contains(const std::string& grid_id, geo::LonLat p) const {
  const Entry* g = find(grid_id);
  return g && g->box.contains(p) && geo::contains(g->polygon, p);
}

}  // namespace gw::client
