#include "shared/sqlite.hpp"

namespace gw {

DbError::Kind sqlite_fault(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DbError::Kind::busy;
    case SQLITE_FULL: return DbError::Kind::full;
    case SQLITE_MISMATCH: return DbError::Kind::mismatch;
    case SQLITE_CONSTRAINT: return DbError::Kind::constraint;
    default: return DbError::Kind::io;
  }
}

namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw DbError(sqlite_fault(rc), msg, rc);
}

class SqliteStmt final : public StmtImpl {
 public:
  SqliteStmt(sqlite3* db, std::string_view sql) : db_(db) {
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "prepare '" + std::string(sql.substr(0, 80)) + "'");
  }
  ~SqliteStmt() override { sqlite3_finalize(s_); }

  void bind_null(int i) override { sqlite3_bind_null(s_, i); }
  void bind_int(int i, int64_t v) override { sqlite3_bind_int64(s_, i, v); }
  void bind_real(int i, double v) override { sqlite3_bind_double(s_, i, v); }
  void bind_text(int i, std::string_view v, bool kept) override {
    sqlite3_bind_text64(s_, i, v.data(), v.size(), kept ? SQLITE_STATIC : SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void bind_blob(int i, std::string_view v, bool kept) override {
    sqlite3_bind_blob64(s_, i, v.data(), v.size(), kept ? SQLITE_STATIC : SQLITE_TRANSIENT);
  }

  bool step() override {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(s_);
    fail(db_, rc, "step");
  }
  void reset() override {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  int columns() const override { return sqlite3_column_count(s_); }
  ColumnType type(int i) const override {
    switch (sqlite3_column_type(s_, i)) {
      case SQLITE_INTEGER: return ColumnType::integer;
      case SQLITE_FLOAT: return ColumnType::real;
      case SQLITE_TEXT: return ColumnType::text;
      case SQLITE_BLOB: return ColumnType::blob;
      default: return ColumnType::null;
    }
  }
  std::string_view name(int i) const override { return sqlite3_column_name(s_, i); }
  int64_t int64(int i) const override { return sqlite3_column_int64(s_, i); }
  double real(int i) const override { return sqlite3_column_double(s_, i); }
  std::string_view text(int i) const override {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, i))) : std::string_view();
  }
  std::string_view blob(int i) const override {
    auto* p = static_cast<const char*>(sqlite3_column_blob(s_, i));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, i))) : std::string_view();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace

SqliteDb::SqliteDb(const std::string& path, Mode mode) : path_(path) {
  int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw DbError(sqlite_fault(rc), msg, rc);
  }
  sqlite3_busy_timeout(db_, 5000);
  if (mode == Mode::read_only) return;
  try {
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;");
  } catch (const DbError& e) {
    // No destructor runs for a constructor that throws: the connection
    // (e.g. refused its WAL on a full disk) is closed here.
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw DbError(e.kind(), "open " + path + ": " + e.what(), e.code());
  }
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Stmt SqliteDb::prepare(std::string_view sql) { return Stmt(std::make_unique<SqliteStmt>(db_, sql)); }

void SqliteDb::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DbError(sqlite_fault(rc), "exec '" + s.substr(0, 80) + "': " + msg, rc);
  }
}

std::vector<std::string> SqliteDb::column_names(std::string_view table) {
  auto info = prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
  info.bind(1, table);
  std::vector<std::string> out;
  while (info.step()) out.emplace_back(info.text(0));
  return out;
}

}  // namespace gw
