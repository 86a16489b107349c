// A park that outgrows one box moves to a city's database: every row of every
// table — the synced tables with their clocks, the log, the chain, the change
// numbers devices hold cursors into, accounts, devices, tokens, the audit —
// copied as it is, so tablets keep syncing with the cursors they have.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
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

using Progress = std::function<void(const std::string& table, int64_t rows)>;

struct MigrateOptions {
  // The source read as it is, never written: a live database under running
  // servers (a backup), or a backup file opened read-only (a restore). Not
  // brought up to this build's schema: it must be a Gridwork server database
  // of this schema or an older one, and the tables it lacks copy no rows.
  bool source_as_is = false;
  // Runs in the copy's transaction on `to` just before its commit: what must
  // land with the rows or not at all (a restore's new epoch).
  std::function<void(Db& to)> before_commit;
  Progress progress;  // hears of each table as it goes
};

// Copies `from` (brought up to this build's schema first, unless
// source_as_is) into `to`, which must hold no rows yet; the tables are made
// there if missing. The source is read in one snapshot, so a copy of a live
// database is of one moment. One write transaction on `to`: a failure leaves
// it as it was. Counts are checked on both sides before the commit.
Result<MigrateReport> migrate(Db& from, Db& to, const MigrateOptions& options);
inline Result<MigrateReport> migrate(Db& from, Db& to, Progress progress = {}) {
  return migrate(from, to, MigrateOptions{.source_as_is = false, .before_commit = {}, .progress = std::move(progress)});
}

// Every table of a server database: the synced ones, then the engine's.
std::vector<std::string> server_tables();

// Ok when `db` is a Gridwork server database this build can read: its
// tables are there and its schema is not newer than this build's
// (Code::invalid, Code::version_mismatch otherwise).
Status gridwork_database(Db& db);

// Ok when `db` holds no rows in any server table (its schema version aside)
// and no table this build does not know: a copy may go into it.
Status empty_database(Db& db);

}  // namespace gw::server
