#include "sync/server/audit.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "shared/calendar.hpp"
#include "shared/hlc.hpp"
#include "shared/json.hpp"
#include "shared/kpi.hpp"
#include "shared/tuning.hpp"
#include "sync/core/patch.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::sync {
namespace {

// Tables with personal data: their accepted writes are the `change` entries.
std::string pii_tables_sql() {
  std::string list;
  for (const auto& t : all_tables())
    if (t.has_pii()) list += (list.empty() ? "'" : ", '") + std::string(t.name) + "'";
  return "(" + list + ")";
}

std::string text_at(const Patch& p, std::string_view column) {
  int i = p.table->index_of(column);
  const Value* v = i < 0 ? nullptr : p.value_of(static_cast<uint16_t>(i));
  return v ? value_to_string(*v) : std::string();
}

// Accepted patches of the log in the period, as entries: reveals rows and
// writes of PII columns. The server's own writes (the demo park, services)
// are no one's reading or changing.
void logged(Db& db, const AuditQuery& q, int64_t cap, std::vector<AuditEntry>& out) {
  auto s = db.prepare("SELECT author, origin, hlc, body FROM _log WHERE status = 'accepted' AND author != ? AND "
                      "hlc >= ? AND hlc < ? AND (tbl = 'reveals' OR tbl IN " + pii_tables_sql() + ") ORDER BY hlc");
  s.bind(1, kServerOrigin).bind(2, Hlc::pack(q.from, 0)).bind(3, Hlc::pack(q.to + 1, 0));
  while (static_cast<int64_t>(out.size()) <= cap && s.step()) {
    auto j = parse_json(s.text(3));
    auto p = j ? decode_patch(*j) : Result<Patch>(j.error());
    if (!p) continue;
    AuditEntry e;
    e.at = Hlc::ms_of(static_cast<HlcTime>(s.int64(2)));
    e.user_id = std::string(s.text(0));
    e.device = std::string(s.text(1));
    if (p->table->name == "reveals") {
      e.action = "reveal";
      e.table = text_at(*p, "tbl");
      e.row = text_at(*p, "row_id");
      e.columns = text_at(*p, "col");
    } else {
      for (const auto& f : p->set)
        if (p->table->columns[f.col].pii)
          e.columns += (e.columns.empty() ? "" : ",") + std::string(p->table->columns[f.col].name);
      if (e.columns.empty()) continue;
      e.action = "change";
      e.table = std::string(p->table->name);
      e.row = p->row;
    }
    out.push_back(std::move(e));
  }
}

void history_reads(Db& db, const AuditQuery& q, int64_t cap, std::vector<AuditEntry>& out) {
  auto s = db.prepare("SELECT at, user_id, device, tbl, row_id FROM _reads WHERE at >= ? AND at <= ? ORDER BY at LIMIT ?");
  s.bind(1, q.from).bind(2, q.to).bind(3, cap + 1);
  while (s.step())
    out.push_back(AuditEntry{s.int64(0), "history", std::string(s.text(1)), {}, std::string(s.text(2)),
                             std::string(s.text(3)), std::string(s.text(4)), {}});
}

// 2026-11-27T08:30:00Z, from the calendar's own date arithmetic (no
// platform time calls in this layer).
std::string iso_utc(int64_t ms) {
  constexpr int64_t kDay = 86'400'000;
  const int64_t days = ms >= 0 ? ms / kDay : (ms - kDay + 1) / kDay;
  const int64_t secs = (ms - days * kDay) / 1000;
  const CivilDate d = civil_from_days(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

}  // namespace

void create_audit_tables(Db& db) {
  Transaction txn(db);
  db.exec_ddl(R"(
    CREATE TABLE IF NOT EXISTS _reads (n {rowid}, at {int} NOT NULL, user_id TEXT NOT NULL,
                                       device TEXT NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS _reads_at ON _reads (at);
  )");
  txn.commit();
}

void record_history_read(Db& db, const std::string& user_id, const std::string& device, const std::string& table,
                         const std::string& row, int64_t at) {
  db.prepare("INSERT INTO _reads (at, user_id, device, tbl, row_id) VALUES (?, ?, ?, ?, ?)")
      .bind(1, at)
      .bind(2, user_id)
      .bind(3, device)
      .bind(4, table)
      .bind(5, row)
      .run();
}

Result<std::vector<AuditEntry>> audit_trail(Db& db, Directory& directory, const AuditQuery& q) {
  if (q.from < 0 || q.to < q.from) return Error{Code::invalid, "from and to must be Unix milliseconds, from <= to"};
  const int64_t cap = q.limit > 0 ? q.limit : tuning::kAuditMaxRows;
  std::vector<AuditEntry> out;
  logged(db, q, cap, out);
  history_reads(db, q, cap, out);
  if (static_cast<int64_t>(out.size()) > cap)
    return Error{Code::too_large, "more than " + std::to_string(cap) +
                                      " audit entries in this period; ask for a shorter one (from/to)"};
  std::stable_sort(out.begin(), out.end(), [](const AuditEntry& a, const AuditEntry& b) { return a.at < b.at; });
  std::map<std::string, std::string> names;
  for (auto& e : out) {
    auto it = names.find(e.user_id);
    if (it == names.end()) {
      auto u = directory.user(e.user_id);
      it = names.emplace(e.user_id, u ? u->username : std::string()).first;
    }
    e.username = it->second;
  }
  return out;
}

std::string audit_json(const AuditQuery& q, const std::vector<AuditEntry>& entries) {
  std::string out = "{\"from\":" + std::to_string(q.from) + ",\"to\":" + std::to_string(q.to) + ",\"entries\":[";
  bool first = true;
  for (const auto& e : entries) {
    out += first ? "{" : ",{";
    first = false;
    out += "\"at\":" + std::to_string(e.at);
    for (auto [key, value] : {std::pair{"action", &e.action}, {"user_id", &e.user_id}, {"user", &e.username},
                              {"device", &e.device}, {"table", &e.table}, {"row", &e.row}, {"columns", &e.columns}}) {
      out += ",\"" + std::string(key) + "\":";
      append_json_string(out, *value);
    }
    out += "}";
  }
  return out + "]}";
}

std::string audit_csv(const std::vector<AuditEntry>& entries) {
  std::string out = "at,time_utc,action,user,user_id,device,table,row,columns\r\n";
  for (const auto& e : entries)
    out += std::to_string(e.at) + "," + iso_utc(e.at) + "," + e.action + "," + csv_field(e.username) + "," +
           csv_field(e.user_id) + "," + csv_field(e.device) + "," + csv_field(e.table) + "," + csv_field(e.row) +
           "," + csv_field(e.columns) + "\r\n";
  return out;
}

}  // namespace gw::sync
