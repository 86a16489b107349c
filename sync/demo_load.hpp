// Loads the demo park into a server engine: every record becomes a server
// write, merged, numbered and logged like any other, so devices sync it.
#pragma once

#include "shared/demo/park.hpp"
#include "sync/server_engine.hpp"

namespace gw::sync {

demo::ParkCounts load_demo_park(ServerEngine& server, const demo::ParkOptions& options);

}  // namespace gw::sync
