// Writes generated records into plain tables made from the specs' DDL: the
// demo park as a SQLite file anyone can open with the sqlite3 shell.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "shared/demo/park.hpp"
#include "shared/sqlite.hpp"

namespace gw::demo {

class SqliteSink : public RecordSink {
 public:
  explicit SqliteSink(Db& db);  // creates every table; batches rows in transactions
  ~SqliteSink() override;
  void put(const TableSpec& table, const std::string& id, const Fields& fields) override;
  void finish();  // commits the open batch

 private:
  Db& db_;
  std::vector<Stmt> inserts_;  // one per table, in all_tables() order
  size_t in_txn_ = 0;
};

}  // namespace gw::demo
