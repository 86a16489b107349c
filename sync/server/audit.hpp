// The personal-data audit (DESIGN §8, issue 9): who viewed or changed
// personal data, when, from which device. Three sources on the server:
// the synced `reveals` rows (a masked number shown in clear on a tablet),
// the append-only patch log (accepted writes that set a PII column: which
// columns, never the values), and the reads of a record's history through
// the server (`_reads`, written here). For supervisors and admins.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/error.hpp"
#include "shared/sqlite.hpp"
#include "sync/server/directory.hpp"

namespace gw::sync {

struct AuditEntry {
  int64_t at = 0;      // Unix ms: when shown, written (the patch's clock) or read
  std::string action;  // reveal | change | history
  std::string user_id, username, device;
  std::string table, row;
  std::string columns;  // reveal: the column; change: the PII columns set, comma-separated; history: empty
};

struct AuditQuery {
  int64_t from = 0, to = 0;  // Unix ms, both inclusive
  int64_t limit = 0;         // 0: tuning::kAuditMaxRows
};

// The server's own table of history reads; idempotent.
void create_audit_tables(Db& db);
// A read of a record's history (`GET /v1/history`) by a user from a device.
void record_history_read(Db& db, const std::string& user_id, const std::string& device, const std::string& table,
                         const std::string& row, int64_t at);

// Every entry of the period, oldest first. More than the limit
// is refused (too_large) with a message asking for a shorter period, rather
// than cut silently: an audit with rows missing would mislead.
Result<std::vector<AuditEntry>> audit_trail(Db& db, Directory& directory, const AuditQuery& q);

std::string audit_json(const AuditQuery& q, const std::vector<AuditEntry>& entries);
// With a header line, CRLF line ends, times also as ISO 8601 UTC for a spreadsheet.
std::string audit_csv(const std::vector<AuditEntry>& entries);

}  // namespace gw::sync
