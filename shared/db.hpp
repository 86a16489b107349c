// The storage seam: one small interface over the SQL engines Gridwork runs
// on — SQLite (every tablet, and a one-park server; shared/sqlite.hpp) and
// PostgreSQL (a city's servers; server/pg_db.hpp). Statements are written
// once, with `?` parameters, in the SQL both accept (DESIGN §13); the few
// words that differ in DDL are written as {int}, {blob}, ... and filled in
// by Db::ddl.
//
// Errors of the engine are I/O faults here and throw DbError; the layers
// above turn them into Code::io results at their boundary.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "shared/value.hpp"

namespace gw {

class DbError : public std::runtime_error {
 public:
  enum class Kind {
    io,        // anything else: the disk, the network to the database, a bug in SQL
    busy,      // lost a race with another writer (deadlock, serialization): try again
    full,      // the disk is full
    mismatch,  // the database is of another schema version or layout
    sealed,    // a value sealed under another key
    constraint,
  };
  DbError(Kind kind, const std::string& what, int code = 0) : std::runtime_error(what), kind_(kind), code_(code) {}
  Kind kind() const { return kind_; }
  int code() const { return code_; }  // the engine's own code (SQLite's result code), 0 if none
  bool retryable() const { return kind_ == Kind::busy; }

 private:
  Kind kind_;
  int code_;
};

enum class ColumnType { null, integer, real, text, blob };

// One engine's prepared statement; Stmt below is what callers hold.
class StmtImpl {
 public:
  virtual ~StmtImpl() = default;
  virtual void bind_null(int i) = 0;
  virtual void bind_int(int i, int64_t v) = 0;
  virtual void bind_real(int i, double v) = 0;
  // kept: the caller keeps the bytes alive until the statement is reset or
  // bound again, so an engine may skip its private copy.
  virtual void bind_text(int i, std::string_view v, bool kept) = 0;
  virtual void bind_blob(int i, std::string_view v, bool kept) = 0;
  virtual bool step() = 0;
  virtual void reset() = 0;
  virtual int columns() const = 0;
  virtual ColumnType type(int i) const = 0;
  virtual std::string_view name(int i) const = 0;
  virtual int64_t int64(int i) const = 0;
  virtual double real(int i) const = 0;
  virtual std::string_view text(int i) const = 0;
  virtual std::string_view blob(int i) const = 0;
};

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(std::unique_ptr<StmtImpl> impl) : s_(std::move(impl)) {}
  explicit operator bool() const { return s_ != nullptr; }

  Stmt& bind(int i, std::nullptr_t) { s_->bind_null(i); return *this; }
  Stmt& bind(int i, int64_t v) { s_->bind_int(i, v); return *this; }
  Stmt& bind(int i, int v) { return bind(i, int64_t{v}); }
  Stmt& bind(int i, double v) { s_->bind_real(i, v); return *this; }
  Stmt& bind(int i, std::string_view v) { s_->bind_text(i, v, false); return *this; }  // copied: safe with temporaries
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind_blob(int i, const void* data, size_t n) {
    s_->bind_blob(i, std::string_view(static_cast<const char*>(data), n), false);
    return *this;
  }
  Stmt& bind(int i, const Value& v);
  // Not copied: `v` must outlive the statement's next reset.
  Stmt& bind_kept(int i, const std::string& v, bool blob = false) {
    blob ? s_->bind_blob(i, v, true) : s_->bind_text(i, v, true);
    return *this;
  }

  bool step() { return s_->step(); }  // true: a row is ready
  void run() { step(); reset(); }
  void reset() { s_->reset(); }

  int columns() const { return s_->columns(); }
  ColumnType type(int i) const { return s_->type(i); }
  bool is_null(int i) const { return type(i) == ColumnType::null; }
  std::string_view name(int i) const { return s_->name(i); }
  int64_t int64(int i) const { return s_->int64(i); }
  double real(int i) const { return s_->real(i); }
  std::string_view text(int i) const { return s_->text(i); }
  std::string_view blob(int i) const { return s_->blob(i); }
  Value value(int i) const;

 private:
  std::unique_ptr<StmtImpl> s_;
};

// "?,?,?" for an IN list of n bound values.
inline std::string bind_list(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

enum class Dialect { sqlite, postgresql };

class Db {
 public:
  virtual ~Db() = default;
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  virtual Dialect dialect() const = 0;
  virtual void exec(std::string_view sql) = 0;
  virtual Stmt prepare(std::string_view sql) = 0;
  // Rows the last INSERT, UPDATE or DELETE changed.
  virtual int64_t changes() const = 0;
  virtual bool in_transaction() const = 0;
  // A write transaction. SQLite takes the file's write lock here; PostgreSQL
  // takes row locks as it goes (the server orders them: DESIGN §13).
  virtual void begin_write() = 0;
  // A read snapshot: every query until commit() sees one state.
  virtual void begin_read() = 0;
  virtual void commit() { exec("COMMIT"); }
  virtual void rollback() { exec("ROLLBACK"); }
  // From here every commit is durable before it returns (the server's,
  // whose commit is an acknowledgement). A no-op where it always is.
  virtual void make_durable() {}
  // The columns of a table in their order; empty if it does not exist.
  virtual std::vector<std::string> column_names(std::string_view table) = 0;
  // Where it is, for messages: a file's path, or a URL without its password.
  virtual std::string where() const = 0;

  // DDL written once: {int} a 64-bit integer, {real} a double, {blob} bytes, {rowid} an
  // integer key the database numbers, {without_rowid} SQLite's clustered
  // table (nothing elsewhere), {any} a column of values of any type (TEXT
  // where columns have one type).
  std::string ddl(std::string_view portable) const;
  void exec_ddl(std::string_view portable) { exec(ddl(portable)); }

  // Single-value query helper for tests and tools.
  int64_t query_int(std::string_view sql);
};

// begin_write() ... commit(), rolled back if not committed.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) { db_.begin_write(); }
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.commit();
    done_ = true;
  }

 private:
  Db& db_;
  bool done_ = false;
};

// A read snapshot: every query until the end of scope sees one state of the
// database, even while another connection commits.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db) : db_(db) { db_.begin_read(); }
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Db& db_;
};

}  // namespace gw
