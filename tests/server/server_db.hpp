// The test server's database opened beside it, whatever its engine: an
// SQLite file, or a PostgreSQL database when the tests run on PostgreSQL
// (GRIDWORK_TEST_DB=postgres). A Db itself, so checks read it as they
// would an SQLite file.
#pragma once

#include <memory>
#include <string>

#include "server/database.hpp"

namespace gw::test {

class ServerDb final : public Db {
 public:
  explicit ServerDb(const std::string& target) : db_(server::open_database(target)) {}

  Dialect dialect() const override { return db_->dialect(); }
  void exec(std::string_view sql) override { db_->exec(sql); }
  Stmt prepare(std::string_view sql) override { return db_->prepare(sql); }
  int64_t changes() const override { return db_->changes(); }
  bool in_transaction() const override { return db_->in_transaction(); }
  void begin_write() override { db_->begin_write(); }
  void begin_read() override { db_->begin_read(); }
  std::vector<std::string> column_names(std::string_view table) override { return db_->column_names(table); }
  std::string where() const override { return db_->where(); }

 private:
  std::unique_ptr<Db> db_;
};

}  // namespace gw::test
