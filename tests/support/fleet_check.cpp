// The fleet's end checks, on the database files alone (every process that
// wrote them closed or stopped): what the server acknowledged is there once,
// what the devices wrote reached it, the chains have no holes, every device
// holds what the server holds, and every file passes integrity_check.
#include <filesystem>

#include "shared/schema.hpp"
#include "shared/sqlite.hpp"
#include "sync/core/row_store.hpp"
#include "tests/support/fleet.hpp"

namespace gw::test {

namespace {

std::string integrity(Db& db) {
  if (db.dialect() != Dialect::sqlite) return "ok";  // PostgreSQL checks its own pages
  auto s = db.prepare("PRAGMA integrity_check");
  std::string out;
  while (s.step()) out += std::string(s.text(0)) + (out.empty() ? "" : "; ");
  return out;
}

// How many times the server's log holds a patch, and its verdict.
std::pair<int64_t, std::string> logged(Db& server, const std::string& patch_id) {
  auto s = server.prepare("SELECT count(*), max(status) FROM _log WHERE patch_id = ?");
  s.bind(1, patch_id);
  s.step();
  return {s.int64(0), s.is_null(1) ? "" : std::string(s.text(1))};
}

std::string show(const Value& v) { return is_null(v) ? "NULL" : value_to_string(v); }

}  // namespace

std::vector<std::string> Fleet::check(Db& server) {
  close_devices();
  std::vector<std::string> problems = device_problems_;
  for (const auto& r : ledger_.refusals()) problems.push_back(r);
  auto problem = [&](std::string p) {
    if (problems.size() < 40) problems.push_back(std::move(p));
  };
  if (auto r = integrity(server); r != "ok") problem("server database: integrity_check says " + r);
  for (const auto& id : ledger_.acked()) {
    auto [n, status] = logged(server, id);
    if (n != 1 || status != "accepted")
      problem("acknowledged patch " + id + ": " + std::to_string(n) + " times in the log, status '" + status + "'");
  }
  for (const auto& [device, ids] : ledger_.written_by_device()) {
    for (const auto& id : ids)
      if (logged(server, id).first != 1) problem(device + ": written patch " + id + " never reached the server");
    // Links 1..n, each once: no patch lost between two that arrived.
    auto c = server.prepare("SELECT count(*), coalesce(min(n), 1), coalesce(max(n), 0) FROM _chain WHERE device = ?");
    c.bind(1, device);
    c.step();
    if (c.int64(0) != c.int64(2) || c.int64(1) != 1)
      problem(device + ": chain holds " + std::to_string(c.int64(0)) + " links numbered " + std::to_string(c.int64(1)) +
              ".." + std::to_string(c.int64(2)));
  }

  sync::RowStore server_rows(server);
  auto rows = ledger_.rows();
  for (const auto& [device, path] : files_) {
    SqliteDb db(path);
    if (auto r = integrity(db); r != "ok") problem(device + ": integrity_check says " + r);
    sync::RowStore mine(db);
    for (const auto& [table, id] : rows) {
      const TableSpec& t = *find_table(table);
      sync::Row theirs, ours;
      if (!server_rows.load(t, id, theirs)) {
        problem(table + "/" + id + " is not on the server");
        continue;
      }
      if (!mine.load(t, id, ours)) continue;  // outside this device's grids
      for (size_t c = 0; c < t.columns.size(); ++c)
        if (!(theirs.values[c] == ours.values[c]))
          problem(device + ": " + table + "/" + id + "." + std::string(t.columns[c].name) + " is " +
                  show(ours.values[c]) + ", the server has " + show(theirs.values[c]));
    }
  }
  return problems;
}

}  // namespace gw::test
