// A device's own side as the tests build it: its database (a file, or
// ":memory:"), a hybrid logical clock on the wall it is given, and the replica
// over the two. A fixture derives from it (the replica is then there for the
// transports and sync clients it builds) or holds one per opening of a file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "shared/hlc.hpp"
#include "shared/sqlite.hpp"
#include "sync/device/replica.hpp"

namespace gw::test {

struct TestDevice {
  TestDevice(const std::string& db_path, std::string device_id, Hlc::WallClock wall, uint64_t id_seed = 0)
      : db(db_path), clock(std::move(wall)), replica(db, std::move(device_id), clock, id_seed) {}

  SqliteDb db;
  Hlc clock;
  sync::Replica replica;
};

}  // namespace gw::test
