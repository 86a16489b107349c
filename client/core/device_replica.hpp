// One user's replica as one thread of the app sees it: its own SQLite
// connection and clock over the shared file. The session's (network) thread
// and the store thread each hold one. Personal data is sealed under the data
// key, which outlives the connection.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "client/core/data_key.hpp"
#include "shared/hlc.hpp"
#include "shared/sqlite.hpp"
#include "shared/wal_checkpointer.hpp"
#include "sync/device/replica.hpp"

namespace gw::client {

struct DeviceReplica {
  DeviceReplica(const std::string& path, const std::string& device_id, const std::function<int64_t()>& wall,
                HlcTime start, std::shared_ptr<DataKey> k)
      : key(std::move(k)), db(path), checkpoints(db), clock(wall, start),
        replica(keyed(db, key.get()), device_id, clock, 0, key.get()) {}

  std::shared_ptr<DataKey> key;
  SqliteDb db;
  WalCheckpointer checkpoints;  // off this thread: a save or a pulled page never waits on one
  Hlc clock;
  sync::Replica replica;

 private:
  static SqliteDb& keyed(SqliteDb& db, const DataKey* key) {
    attach_data_key(db, key);
    db.make_durable();
    return db;
  }
};

}  // namespace gw::client
