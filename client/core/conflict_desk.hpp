// The admins' conflict desk (DESIGN §7): the queue of conflicts the server
// opened, a record's conflicts beside its fields, and decisions. A decision
// is a write to the `conflicts` row only — status, which side, the value —
// made offline as well; the server checks it again and writes the chosen
// value over both sides itself, in the same transaction, so a decision the
// server refuses (another admin decided first) changes no record.
#pragma once

#include <string>
#include <vector>

#include "client/core/queries.hpp"
#include "sync/device/replica.hpp"

namespace gw::client {

class ConflictDesk {
 public:
  ConflictDesk(sync::Replica& replica, Queries& queries) : replica_(replica), queries_(queries) {}

  ConflictQueue queue(const ConflictFilter& f, int64_t now_ms);
  RecordConflicts record(const Me& me, const std::string& table, const std::string& row_id);
  // All or nothing: a decision that cannot stand (not an admin, decided
  // already, a choice the kind does not allow, a bad new value) refuses
  // the lot, naming it. The number of conflicts decided.
  Result<int64_t> decide(const Me& me, const std::vector<ConflictDecision>& decisions);

 private:
  struct Names;
  std::vector<ConflictItem> items(const std::string& where, const std::vector<std::string>& args, Names& names);
  sync::Replica& replica_;
  Queries& queries_;
};

// A value typed for a column ("3" for an integer), checked as the server
// checks it; for tests and the desk.
Result<Value> value_from_text(const TableSpec& t, const ColumnSpec& c, const std::string& text);

// History as the server sends it (GET /v1/history).
Result<RecordHistory> decode_history(const std::string& body);

}  // namespace gw::client
