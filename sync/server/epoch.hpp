// The database's epoch (DESIGN §13): a number that changes when the
// database is restored from a backup or a standby is promoted in its place.
// Sequence numbers then no longer name the same changes — the restored
// database numbers new ones from where its copy ended — so a device's
// cursors from another epoch are never trusted: it re-sends what the
// server may have lost and re-pulls everything.
#pragma once

#include <cstdint>

#include "shared/db.hpp"

namespace gw::sync {

// The epoch in `_meta`; a database without one (new, or made by a build
// before epochs) gets one: `now_ms`. Call inside a write transaction.
int64_t database_epoch(Db& db, int64_t now_ms);

// A new epoch for a database restored (or promoted) in place of another:
// `now_ms`, or one past the old one if the clock says otherwise. Call
// inside a write transaction; returns it.
int64_t start_new_epoch(Db& db, int64_t now_ms);

}  // namespace gw::sync
