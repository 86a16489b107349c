// A thin RAII layer over the SQLite C API: a connection, prepared statements,
// transactions. SQLite errors are I/O faults here and throw SqliteError; the
// layers above turn them into Code::io results at their boundary.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "shared/value.hpp"

namespace gw {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::nullptr_t);
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, int64_t{v}); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);  // copied: safe with temporaries
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind_blob(int i, const void* data, size_t n);
  Stmt& bind(int i, const Value& v);

  bool step();  // true: a row is ready
  void run() { step(); reset(); }
  void reset();

  int columns() const { return sqlite3_column_count(s_); }
  bool is_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  int64_t int64(int i) const { return sqlite3_column_int64(s_, i); }
  double real(int i) const { return sqlite3_column_double(s_, i); }
  std::string_view text(int i) const;
  std::string_view blob(int i) const;
  Value value(int i) const;

  sqlite3_stmt* raw() const { return s_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

// "?,?,?" for an IN list of n bound values.
inline std::string bind_list(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

class Db {
 public:
  // Opens (creating) a database file in WAL mode with synchronous=NORMAL:
  // durable across application crashes, and a power cut loses at most the
  // last transactions, never integrity.
  explicit Db(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(std::string_view sql);
  // From here every commit is on the disk before it returns (the WAL is
  // synced at each commit; ~0.2 ms here, see ./dev soak): for a file whose
  // commits are promises — the server's, whose commit is an acknowledgement,
  // and the tablet's, a record the worker saw saved and a chain place it may
  // already have sent. NORMAL loses those to a power cut.
  void make_durable() { exec("PRAGMA synchronous = FULL"); }
  Stmt prepare(std::string_view sql) { return Stmt(db_, sql); }
  int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() const { return db_; }

  // Single-value query helpers for tests and tools.
  int64_t query_int(std::string_view sql);

 private:
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

// A read snapshot: every query until the end of scope sees one state of the
// database, even while another connection commits (WAL).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Db& db_;
};

}  // namespace gw
