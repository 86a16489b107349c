// A park that outgrows one box moves to a city's database: every row of every
// table — the synced tables with their clocks, the log, the chain, the change
// numbers devices hold cursors into, accounts, devices, tokens, the audit —
// copied as it is, so tablets keep syncing with the cursors they have.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shared/db.hpp"
#include "shared/error.hpp"

namespace gw::server {

struct MigrateReport {
  struct Table {
    std::string name;
    int64_t rows = 0;
  };
  std::vector<Table> tables;
  int64_t rows = 0;
};

// Copies `from` (brought up to this build's schema first) into `to`, which
// must hold no rows yet; the tables are made there if missing. One write
// transaction on `to`: a failure leaves it as it was. Counts are checked on
// both sides before the commit. `progress` hears of each table as it goes.
Result<MigrateReport> migrate(Db& from, Db& to, const std::function<void(const std::string&, int64_t)>& progress = {});

}  // namespace gw::server
