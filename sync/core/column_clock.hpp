// Per-column clocks, packed into one BLOB beside the row: a record costs one
// write, so merging runs near the speed of plain SQLite (DESIGN §4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/hlc.hpp"

namespace gw::sync {

struct ColumnClock {
  HlcTime hlc = 0;      // when the value was written; 0: never
  uint32_t origin = 0;  // the writer's device, interned per store (see Origins)
  uint32_t cycle = 0;   // state columns: workflow cycle (a rework starts a new one)
  int64_t seq = 0;      // the server's sequence number; 0 on a device until confirmed
  bool operator==(const ColumnClock&) const = default;
};

using Clocks = std::vector<ColumnClock>;

// Fixed 24 bytes a column, little-endian: cheap to decode, and a store's
// clocks for a table of n columns are always 24*n bytes.
inline constexpr size_t kPackedClockBytes = 24;

std::string pack_clocks(const Clocks& clocks);
// Unpacks into n columns; a shorter blob (a table that grew columns) leaves
// the rest zero.
Clocks unpack_clocks(std::string_view blob, size_t n);

}  // namespace gw::sync
