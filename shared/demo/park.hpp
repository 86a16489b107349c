// The demo park: a deterministic, realistic data set with the sizes of the
// real Quanzhou ETDZ Qingmeng park (DESIGN §1). Same seed and same `now`, same
// records in the same order, byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/schema.hpp"
#include "shared/value.hpp"

namespace gw::demo {

// The password of every demo account (DESIGN §10).
inline constexpr std::string_view kDemoPassword = "gridwork-demo";

// Where generated records go: a plain SQLite file, a replica store, a server.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // One new row; `fields` holds every non-null column, in spec order.
  virtual void put(const TableSpec& table, const std::string& id, const Fields& fields) = 0;
};

// A city is parks 1..N side by side. Park 1 is the demo park itself, byte for
// byte (its accounts are fixed points, DESIGN §10); park N > 1 is drawn from
// its own seed, with its own ids, grid codes (street code 105 + N - 1),
// names ("NN园区·…"), place on the map and accounts ("pNN-worker01").
inline constexpr int kMaxParks = 99;

struct ParkOptions {
  uint64_t seed = 20261127;
  int64_t now_ms = 0;      // history runs over the days before this instant
  int history_days = 90;
  int park = 1;            // 1..kMaxParks
};

// The name of a demo account in a park: "worker01" in park 1, "p05-worker01" in park 5.
std::string park_account(int park, std::string_view name);

struct ParkCounts {
  int zones = 0;             // level-1 grids
  int unit_grids = 0;        // level-2
  int level3_grids = 0;      // level-3 responsibility grids
  int communities = 0;       // residential communities (some share a grid)
  int enterprises = 0;       // enterprise plots
  int large_enterprises = 0;
  int households = 0;
  int residents = 0;
  int departments = 0;
  int users = 0;
  int full_time_workers = 0;
  int part_time_workers = 0;
  int chiefs = 0;
  int cadres = 0;
  int assignments = 0;
  int patrols = 0;
  int visits = 0;
  int cases = 0;
  int case_log = 0;
  int tracks = 0;    // patrol track segments (one a patrol in the demo's history)
  int checkins = 0;  // 签到, one at each patrol's start
};

ParkCounts& operator+=(ParkCounts& sum, const ParkCounts& c);

ParkCounts generate_park(const ParkOptions& options, RecordSink& sink);

// Parks 1..parks, one after the other, with `options.park` ignored: the counts summed.
ParkCounts generate_city(const ParkOptions& options, int parks, RecordSink& sink);

}  // namespace gw::demo
