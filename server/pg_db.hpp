// PostgreSQL behind the storage seam (shared/db.hpp), through libpq: a
// city's gridwork-servers share one database (DESIGN §13).
//
// Statements keep SQLite's `?` parameters and are renumbered to $1..$n once,
// when prepared. Parameters go as text of no declared type, so PostgreSQL
// types each from where it stands (a bigint column, a bytea hash), as SQLite
// takes any value anywhere; bytes go in binary. Results come as text and are
// read back into the four types the engine knows.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/db.hpp"

namespace gw::server {

class PgDb final : public Db {
 public:
  // Connects (a postgresql:// URL or a libpq key=value string) and checks
  // the database sorts text byte-wise, as SQLite does: ids are ordered the
  // same on every replica and server. Throws DbError when it cannot.
  explicit PgDb(const std::string& url);
  ~PgDb() override;

  Dialect dialect() const override { return Dialect::postgresql; }
  void exec(std::string_view sql) override;
  Stmt prepare(std::string_view sql) override;
  int64_t changes() const override { return changes_; }
  bool in_transaction() const override;
  void begin_write() override;
  void begin_read() override;
  // A write transaction (READ COMMITTED) without the writers' lock: for
  // writes that number nothing a cursor follows (photo bytes, server/
  // blob_store.cpp), which must never wait for a push. It takes row locks.
  void begin_unordered();
  void commit() override;
  void rollback() override;
  std::vector<std::string> column_names(std::string_view table) override;
  std::string where() const override { return where_; }

  // Runs a prepared statement (for PgStmt): the result, never null, whose
  // status was checked; throws DbError otherwise.
  PGresult* run(const std::string& sql, const std::vector<const char*>& values, const std::vector<int>& lengths,
                const std::vector<int>& formats);
  PGconn* raw() const { return conn_; }

 private:
  // A connection lost (the database restarted, a failover) is opened again
  // before the next transaction or statement outside one; statements are
  // prepared again on demand. Never inside a transaction: its statements
  // would land one by one on the new connection, each committed alone.
  void reconnect_if_lost();
  void connect();
  [[noreturn]] void fail(PGresult* res, std::string_view what);
  const std::string* prepared_name(const std::string& sql);

  std::string url_, where_;
  PGconn* conn_ = nullptr;
  int64_t changes_ = 0;
  bool in_txn_ = false;  // begun and not yet committed or rolled back, even on a lost connection
  std::unordered_map<std::string, std::string> prepared_;  // SQL → statement name on this connection
  uint64_t next_name_ = 0;
};

// "postgresql://…" or "postgres://…": a PostgreSQL target, not a file.
bool is_postgres_url(std::string_view target);

// `?` parameters renumbered $1..$n, outside quoted strings and names.
std::string numbered_params(std::string_view sql);

}  // namespace gw::server
