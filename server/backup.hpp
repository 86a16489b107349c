// Backups and restore for both backends (DESIGN §13). A backup is one SQLite
// file whatever the source — a consistent copy of one moment, taken while
// servers run — so a park's and a city's are kept, moved and checked alike.
// A restore copies one into an empty database and starts a new epoch there,
// so devices never trust cursors into the lost end of the old one.
#pragma once

#include <cstdint>
#include <string>

#include "server/migrate.hpp"
#include "shared/error.hpp"

namespace gw::server {

struct BackupReport {
  MigrateReport held;  // the rows of each table in the backup
  int64_t bytes = 0;
  int64_t epoch = 0;   // the source's, kept unchanged (0: it had none)
  const char* how = "";
  int64_t photos = 0;  // complete photos copied into "<file>.blobs/"
};

// `source` (a file or a postgresql:// URL) into a new SQLite file `file`,
// which must not exist. Written beside it and renamed when whole and
// checked (integrity_check, a Gridwork database), so `file` is never half.
// The complete photos go into "<file>.blobs/" before it takes its name, whatever the source.
Result<BackupReport> backup(const std::string& source, const std::string& file, const Progress& progress = {});

struct EpochChange {
  int64_t was = 0;  // 0: none
  int64_t now = 0;
};

struct RestoreReport {
  MigrateReport copied;
  EpochChange epoch;  // the backup's, and the target's new one
  int64_t photos = 0;  // photos copied from "<file>.blobs/" into the target's store
};

// A backup `file` into `target`, which must hold no rows. Refused before
// anything is written: a missing file, one that is not a Gridwork backup
// or of a newer schema. The new epoch (sync::start_new_epoch at `now_ms`)
// commits with the rows; the photos of "<file>.blobs/" follow them into the
// target's store.
Result<RestoreReport> restore(const std::string& file, const std::string& target, int64_t now_ms,
                              const Progress& progress = {});

// The epoch of a server database (0: it has none yet).
Result<int64_t> show_epoch(const std::string& target);
// A new epoch for a database restored by other means (pg_basebackup and
// PITR, a promoted standby), before servers take traffic on it.
Result<EpochChange> new_epoch(const std::string& target, int64_t now_ms);

}  // namespace gw::server
