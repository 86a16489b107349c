#include "server/migrate.hpp"

#include <algorithm>
#include <chrono>

#include "server/auth.hpp"
#include "shared/hlc.hpp"
#include "shared/schema.hpp"
#include "sync/server/audit.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::server {

namespace {

// The server's own tables beside the synced ones, and the integer keys the
// database numbers (whose counters must go on after the copied rows).
constexpr const char* kEngineTables[] = {"_meta",   "_origins", "_changes", "_log",    "_batches",        "_chain",
                                         "_accounts", "_devices", "_tokens",  "_reads", "_login_failures", "_seals"};
struct Numbered {
  const char* table;
  const char* column;
};
constexpr Numbered kNumbered[] = {{"_origins", "id"}, {"_log", "n"}, {"_reads", "n"}};

// The schema, made or brought up to date, on either side. An epoch made
// with it is the moment it was made (a zero would read as none).
void ensure_schema(Db& db) {
  Hlc clock([] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  });
  sync::ServerEngine engine(db, clock);
  create_auth_tables(db);
  sync::create_audit_tables(db);
}

// Photo bytes' tables on PostgreSQL (server/blob_store.cpp): known, but not
// copied as rows here; photos go store to store (copy_blobs), checked again.
constexpr const char* kBlobTables[] = {"_blobs", "_blob_chunks"};

// A table this build does not know would be left behind in a source, or
// mixed with the copy in a target: refused.
Status no_unknown_tables(Db& db, std::vector<std::string> known) {
  known.insert(known.end(), std::begin(kBlobTables), std::end(kBlobTables));
  auto q = db.prepare(db.dialect() == Dialect::sqlite
                          ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                          : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                            "AND table_type = 'BASE TABLE'");
  while (q.step())
    if (std::find(known.begin(), known.end(), q.text(0)) == known.end())
      return Error{Code::invalid, db.where() + " has a table this build does not know: " + std::string(q.text(0))};
  return {};
}

// Rows go in multi-row INSERTs: one round trip for hundreds of rows, which
// is what a client/server database charges for (about 50 x faster here than
// a statement per row on PostgreSQL).
std::string insert_sql(const std::string& table, const std::string& list, size_t cols, size_t rows) {
  std::string one = "(" + bind_list(cols) + ")", sql = "INSERT INTO " + table + " (" + list + ") VALUES ";
  for (size_t r = 0; r < rows; ++r) sql += (r ? ", " : "") + one;
  return sql;
}

int64_t copy_table(Db& from, Db& to, const std::string& table, const std::vector<std::string>& cols) {
  std::string list;
  for (const auto& c : cols) list += (list.empty() ? "" : ", ") + c;
  const size_t per = std::max<size_t>(1, std::min<size_t>(500, 30'000 / cols.size()));  // under 65,535 parameters
  auto read = from.prepare("SELECT " + list + " FROM " + table);
  Stmt full = to.prepare(insert_sql(table, list, cols.size(), per));
  // Values are copied out of the source row by row: a statement holds them until it runs.
  std::vector<Value> pending;
  std::vector<bool> blob;
  int64_t rows = 0;
  auto flush = [&](Stmt& s, size_t n) {
    for (size_t i = 0; i < n * cols.size(); ++i) {
      int k = static_cast<int>(i + 1);
      if (blob[i]) {
        const auto& b = std::get<std::string>(pending[i]);
        s.bind_blob(k, b.data(), b.size());
      } else {
        s.bind(k, pending[i]);
      }
    }
    s.run();
    pending.clear();
    blob.clear();
  };
  while (read.step()) {
    for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
      pending.push_back(read.value(i));
      blob.push_back(read.type(i) == ColumnType::blob);
    }
    if (++rows % static_cast<int64_t>(per) == 0) flush(full, per);
  }
  if (size_t left = pending.size() / cols.size(); left > 0) {
    Stmt rest = to.prepare(insert_sql(table, list, cols.size(), left));
    flush(rest, left);
  }
  return rows;
}

// One table copied and counted on both sides. A table missing in a source
// read as it is (made by an older build) copies no rows.
Result<int64_t> copy_counted(Db& from, Db& to, const std::string& t) {
  auto cols = from.column_names(t);
  if (cols.empty()) return int64_t{0};
  auto there = to.column_names(t);
  for (const auto& c : cols)
    if (std::find(there.begin(), there.end(), c) == there.end())
      return Error{Code::invalid, "column " + t + "." + c + " of the source is missing in " + to.where()};
  int64_t rows = copy_table(from, to, t, cols);
  int64_t have = to.query_int("SELECT count(*) FROM " + t), had = from.query_int("SELECT count(*) FROM " + t);
  if (rows != had || have != had)
    return Error{Code::io, t + ": " + std::to_string(had) + " rows in the source, " + std::to_string(have) +
                               " copied; nothing was committed"};
  return rows;
}

// PostgreSQL's identity counters go on after the copied keys (SQLite's
// rowids do by themselves).
void continue_counters(Db& to) {
  if (to.dialect() != Dialect::postgresql) return;
  for (const auto& n : kNumbered)
    to.exec(std::string("SELECT setval(pg_get_serial_sequence('") + n.table + "', '" + n.column + "'), coalesce(max(" +
            n.column + "), 0) + 1, false) FROM " + n.table);
}

}  // namespace

std::vector<std::string> server_tables() {
  std::vector<std::string> out;
  for (const auto& t : all_tables()) out.emplace_back(t.name);
  for (const char* t : kEngineTables) out.emplace_back(t);
  return out;
}

Status gridwork_database(Db& db) {
  for (const char* t : {"_meta", "_changes", "_log"})
    if (db.column_names(t).empty())
      return Error{Code::invalid, db.where() + " is not a Gridwork server database (it has no " + t + " table)"};
  auto v = db.prepare("SELECT value FROM _meta WHERE key = 'schema_version'");
  if (!v.step()) return Error{Code::invalid, db.where() + " is not a Gridwork server database (no schema version)"};
  if (int64_t version = v.int64(0); version > kSchemaVersion)
    return Error{Code::version_mismatch, db.where() + " has schema version " + std::to_string(version) +
                                             ", newer than this build's " + std::to_string(kSchemaVersion) +
                                             ": use a gridwork-server of that version or later"};
  return {};
}

Status empty_database(Db& db) {
  auto tables = server_tables();
  if (auto st = no_unknown_tables(db, tables); !st) return st;
  for (const auto& t : tables)
    if (t != "_meta" && !db.column_names(t).empty() && db.query_int("SELECT count(*) FROM " + t) > 0)
      return Error{Code::state, db.where() + " already holds rows (" + t +
                                    "): copy only into an empty database (a new file, or one made with createdb)"};
  return {};
}

Result<MigrateReport> migrate(Db& from, Db& to, const MigrateOptions& o) {
  try {
    if (!o.source_as_is) ensure_schema(from);
    // One snapshot of the source for every table: a copy of one moment,
    // also while servers write to it (PostgreSQL: REPEATABLE READ).
    ReadSnapshot snapshot(from);
    if (o.source_as_is)
      if (auto st = gridwork_database(from); !st) return st.error();
    const auto tables = server_tables();
    if (auto st = no_unknown_tables(from, tables); !st) return st.error();
    if (auto st = empty_database(to); !st) return st.error();  // before the schema is made there
    ensure_schema(to);
    Transaction txn(to);
    if (auto st = empty_database(to); !st) return st.error();  // still, now that it is locked
    to.exec("DELETE FROM _meta");  // this build's schema version and epoch, made above: the source's come instead
    MigrateReport report;
    for (const auto& t : tables) {
      auto rows = copy_counted(from, to, t);
      if (!rows) return rows.error();
      report.tables.push_back({t, *rows});
      report.rows += *rows;
      if (o.progress) o.progress(t, *rows);
    }
    continue_counters(to);
    if (o.before_commit) o.before_commit(to);
    txn.commit();
    return report;
  } catch (const DbError& e) {
    return Error{Code::io, e.what()};
  }
}

}  // namespace gw::server
