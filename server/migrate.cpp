#include "server/migrate.hpp"

#include <algorithm>

#include "server/auth.hpp"
#include "shared/hlc.hpp"
#include "shared/schema.hpp"
#include "sync/server/audit.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::server {

namespace {

// The server's own tables beside the synced ones, and the integer keys the
// database numbers (whose counters must go on after the copied rows).
constexpr const char* kEngineTables[] = {"_meta",  "_origins", "_changes", "_log",   "_batches",
                                         "_chain", "_accounts", "_devices", "_tokens", "_reads"};
struct Numbered {
  const char* table;
  const char* column;
};
constexpr Numbered kNumbered[] = {{"_origins", "id"}, {"_log", "n"}, {"_reads", "n"}};

std::vector<std::string> server_tables() {
  std::vector<std::string> out;
  for (const auto& t : all_tables()) out.emplace_back(t.name);
  for (const char* t : kEngineTables) out.emplace_back(t);
  return out;
}

// The schema, made or brought up to date, on either side.
void ensure_schema(Db& db) {
  Hlc clock([] { return int64_t{0}; });
  sync::ServerEngine engine(db, clock);
  create_auth_tables(db);
  sync::create_audit_tables(db);
}

// A table in the source this build does not know would be left behind: refused.
Status no_unknown_tables(Db& from, const std::vector<std::string>& known) {
  if (from.dialect() != Dialect::sqlite) return {};
  auto q = from.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (q.step())
    if (std::find(known.begin(), known.end(), q.text(0)) == known.end())
      return Error{Code::invalid, "the source has a table this build does not know: " + std::string(q.text(0))};
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

}  // namespace

Result<MigrateReport> migrate(Db& from, Db& to, const std::function<void(const std::string&, int64_t)>& progress) {
  try {
    ensure_schema(from);
    ensure_schema(to);
    auto tables = server_tables();
    if (auto st = no_unknown_tables(from, tables); !st) return st.error();
    MigrateReport report;
    Transaction txn(to);
    for (const auto& t : tables)
      if (t != "_meta" && to.query_int("SELECT count(*) FROM " + t) > 0)
        return Error{Code::invalid, to.where() + " already holds rows (" + t + "): migrate only into an empty database"};
    to.exec("DELETE FROM _meta");  // this build's schema version, made above: the source's comes instead
    for (const auto& t : tables) {
      auto cols = from.column_names(t);
      auto there = to.column_names(t);
      for (const auto& c : cols)
        if (std::find(there.begin(), there.end(), c) == there.end())
          return Error{Code::invalid, "column " + t + "." + c + " of the source is missing in " + to.where()};
      int64_t rows = copy_table(from, to, t, cols);
      int64_t have = to.query_int("SELECT count(*) FROM " + t), had = from.query_int("SELECT count(*) FROM " + t);
      if (rows != had || have != had)
        return Error{Code::io, t + ": " + std::to_string(had) + " rows in the source, " + std::to_string(have) +
                                   " copied; nothing was committed"};
      report.tables.push_back({t, rows});
      report.rows += rows;
      if (progress) progress(t, rows);
    }
    if (to.dialect() == Dialect::postgresql)
      for (const auto& n : kNumbered)
        to.exec(std::string("SELECT setval(pg_get_serial_sequence('") + n.table + "', '" + n.column +
                "'), coalesce(max(" + n.column + "), 0) + 1, false) FROM " + n.table);
    txn.commit();
    return report;
  } catch (const DbError& e) {
    return Error{Code::io, e.what()};
  }
}

}  // namespace gw::server
