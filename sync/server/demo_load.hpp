// Loads the demo park into a server engine: every record becomes a server
// write, merged, numbered and logged like any other, so devices sync it.
#pragma once

#include "shared/demo/park.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::sync {

demo::ParkCounts load_demo_park(ServerEngine& server, const demo::ParkOptions& options);
// Parks 1..parks of a city (demo::generate_city): park 1 is the demo park.
demo::ParkCounts load_demo_city(ServerEngine& server, const demo::ParkOptions& options, int parks);

// A backlog for the admins' conflict queue (DESIGN §7): worker01 and
// pworker002 correct the same enterprises, worker03 and pworker010 the same
// households, from their tablets without seeing each other's change —
// pushed through the engine as any device's, so the conflicts are the
// engine's own, with their base, sides and history. The number opened.
int seed_demo_conflicts(ServerEngine& server);

}  // namespace gw::sync
