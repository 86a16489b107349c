#include "shared/sqlite.hpp"

namespace gw {

namespace {
[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(rc, msg);
}
}  // namespace

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
  if (rc != SQLITE_OK) fail(db, rc, "prepare '" + std::string(sql.substr(0, 80)) + "'");
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    db_ = o.db_;
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

Stmt& Stmt::bind(int i, std::nullptr_t) { sqlite3_bind_null(s_, i); return *this; }
Stmt& Stmt::bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); return *this; }
Stmt& Stmt::bind(int i, double v) { sqlite3_bind_double(s_, i, v); return *this; }
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::bind_blob(int i, const void* data, size_t n) {
  sqlite3_bind_blob64(s_, i, data, n, SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind(int i, const Value& v) {
  switch (v.index()) {
    case 1: return bind(i, std::get<int64_t>(v));
    case 2: return bind(i, std::get<double>(v));
    case 3: return bind(i, std::string_view(std::get<std::string>(v)));
    default: return bind(i, nullptr);
  }
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(s_);
  fail(db_, rc, "step");
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string_view Stmt::text(int i) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, i))) : std::string_view();
}

std::string_view Stmt::blob(int i) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(s_, i));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, i))) : std::string_view();
}

Value Stmt::value(int i) const {
  switch (sqlite3_column_type(s_, i)) {
    case SQLITE_INTEGER: return int64(i);
    case SQLITE_FLOAT: return real(i);
    case SQLITE_TEXT: return std::string(text(i));
    case SQLITE_BLOB: return std::string(blob(i));
    default: return Null{};
  }
}

Db::Db(const std::string& path) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;");
  } catch (const SqliteError& e) {
    // No destructor runs for a constructor that throws: the connection
    // (e.g. refused its WAL on a full disk) is closed here.
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqliteError(e.code(), "open " + path + ": " + e.what());
  }
}

Db::~Db() { sqlite3_close_v2(db_); }

void Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, "exec '" + s.substr(0, 80) + "': " + msg);
  }
}

int64_t Db::query_int(std::string_view sql) {
  Stmt s(db_, sql);
  return s.step() ? s.int64(0) : 0;
}

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // A failed rollback leaves SQLite to roll back on close; nothing to add.
    }
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

ReadSnapshot::ReadSnapshot(Db& db) : db_(db) { db_.exec("BEGIN"); }

ReadSnapshot::~ReadSnapshot() {
  try {
    db_.exec("COMMIT");
  } catch (...) {
    // A read transaction has nothing to lose.
  }
}

}  // namespace gw
