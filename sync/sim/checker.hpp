// The invariants every history must keep, checked once devices have healed:
// devices equal the server for their buckets (row by row, column by column)
// and hold nothing else; the log holds every patch once with the answer the
// device got; every concurrent write to a review column opened exactly one
// conflict; no quarantined patch vanished; the server's state is what any
// order of its accepted patches gives (the merge commutes); and every verdict
// on a pushed patch is the one the write rules give (rules_oracle.cpp).
#pragma once

#include <functional>

#include <cstdint>
#include <string>
#include <vector>

#include "sync/device/replica.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::sync::sim {

class Checker {
 public:
  Checker(ServerEngine& server, uint64_t shuffle_seed) : server_(server), seed_(shuffle_seed) {}

  void add_device(std::string name, std::string user_id, Replica& replica, std::vector<std::string> patches);

  // Every broken invariant, described; empty when all hold.
  std::vector<std::string> run();

 private:
  struct DeviceRef {
    std::string name;
    std::string user_id;
    Replica* replica;
    std::vector<std::string> patches;
  };
  void check_device(const DeviceRef& d);
  void check_log(const DeviceRef& d);
  void check_review_conflicts();
  void check_quarantine();
  void check_replay();
  void check_photo_quota();
  void check_tracks();
  void check_write_rules();  // rules_oracle.cpp
  void fail(std::string what);

  ServerEngine& server_;
  uint64_t seed_;
  std::vector<DeviceRef> devices_;
  std::vector<std::string> failures_;
};

// Merges one patch into a store by the column rules alone, as a replica
// would hold it (no clocks of the server's: seq 0). `row`: scratch.
void replay_merge(RowStore& store, const Patch& p, Row& row);

// Compares two stores' rows of one table, column by column; appends each
// difference (at most `max` of them) to out. Buckets empty: every row.
// `hidden`: columns of a's row that b's reader may not see, left out.
void compare_rows(RowStore& a, const char* a_name, RowStore& b, const char* b_name, const TableSpec& t,
                  const std::vector<std::string>& ids, bool clocks, std::vector<std::string>& out, size_t max = 5,
                  const std::function<std::vector<uint16_t>(const Row&)>& hidden = {});

}  // namespace gw::sync::sim
