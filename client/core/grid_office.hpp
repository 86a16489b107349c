// The supervisor's grid desk (DESIGN §6): the takeover console's view, and
// the three writes that move rights in the park — start a takeover (战时接管)
// of a unit grid, end it, move a user's standing responsibility to another
// grid (平时). Each is a local edit that syncs like any other; the server
// judges it again and does the rest (assignments, epochs, notices).
#pragma once

#include <string>

#include "client/core/queries.hpp"
#include "sync/device/replica.hpp"

namespace gw::client {

class GridOffice {
 public:
  GridOffice(sync::Replica& replica, Queries& queries) : replica_(replica), queries_(queries) {}

  TakeoverConsole console();
  // The takeover's id. Refused here already when the server would refuse it.
  Result<std::string> start_takeover(const Me& me, const std::string& unit_grid_id, const std::string& reason);
  Status end_takeover(const Me& me, const std::string& takeover_id);
  // Ends a standing responsibility now (with the user's responsibilities
  // for the grids below it, which it covers) and gives the user one for
  // `to_grid_id` from now on; the new assignment's id.
  Result<std::string> move_responsibility(const Me& me, const std::string& assignment_id,
                                          const std::string& to_grid_id);

 private:
  int64_t now() { return replica_.clock().wall_ms(); }
  std::vector<TakeoverItem> takeovers(bool running, const GridMap& grids);
  std::vector<UnitGridItem> units(const GridMap& grids, const std::vector<TakeoverItem>& running);
  std::vector<ResponsibilityItem> responsibilities(const GridMap& grids);
  sync::Replica& replica_;
  Queries& queries_;
};

}  // namespace gw::client
