#include "shared/demo/sqlite_sink.hpp"

#include "shared/ddl.hpp"
#include "shared/tuning.hpp"

namespace gw::demo {

SqliteSink::SqliteSink(Db& db) : db_(db) {
  for (const auto& t : all_tables()) {
    db_.exec_ddl(create_table_sql(t));
    for (const auto& sql : create_index_sql(t)) db_.exec(sql);
    std::string sql = "INSERT INTO " + std::string(t.name) + " (id, " + column_list(t) + ") VALUES (?";
    for (size_t i = 0; i < t.columns.size(); ++i) sql += ", ?";
    sql += ')';
    inserts_.push_back(db_.prepare(sql));
  }
}

SqliteSink::~SqliteSink() {
  if (in_txn_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // Nothing more to undo: SQLite rolls back an open transaction on close.
    }
  }
}

void SqliteSink::put(const TableSpec& table, const std::string& id, const Fields& fields) {
  if (in_txn_ == 0) db_.exec("BEGIN");
  auto& s = inserts_[static_cast<size_t>(table_index(table))];
  s.bind(1, std::string_view(id));
  for (const auto& f : fields) s.bind(f.col + 2, f.value);
  s.run();
  if (++in_txn_ == tuning::kBulkTxnRows) finish();
}

void SqliteSink::finish() {
  if (in_txn_ == 0) return;
  db_.exec("COMMIT");
  in_txn_ = 0;
}

}  // namespace gw::demo
