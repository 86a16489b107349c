// SQLite behind the storage seam (shared/db.hpp): the tablet's database and
// a one-park server's.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "shared/db.hpp"

namespace gw {

class SqliteDb final : public Db {
 public:
  // Opens (creating) a database file in WAL mode with synchronous=NORMAL:
  // durable across application crashes, and a power cut loses at most the
  // last transactions, never integrity.
  // Read-only opens touch nothing, not even the journal mode: for tools
  // that only look.
  enum class Mode { read_write, read_only };
  explicit SqliteDb(const std::string& path, Mode mode = Mode::read_write);
  ~SqliteDb() override;

  Dialect dialect() const override { return Dialect::sqlite; }
  void exec(std::string_view sql) override;
  Stmt prepare(std::string_view sql) override;
  int64_t changes() const override { return sqlite3_changes64(db_); }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }
  void begin_write() override { exec("BEGIN IMMEDIATE"); }
  void begin_read() override { exec("BEGIN"); }
  // Every commit on the disk before it returns (the WAL is synced at each
  // commit; ~0.2 ms here, see ./dev soak): for a file whose commits are
  // promises — the server's, whose commit is an acknowledgement, and the
  // tablet's, a record the worker saw saved and a chain place it may
  // already have sent. NORMAL loses those to a power cut.
  void make_durable() override { exec("PRAGMA synchronous = FULL"); }
  std::vector<std::string> column_names(std::string_view table) override;
  std::string where() const override { return path_; }

  sqlite3* raw() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// The kind of fault an SQLite result code is.
DbError::Kind sqlite_fault(int rc);

}  // namespace gw
