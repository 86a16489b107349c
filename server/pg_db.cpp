#include "server/pg_db.hpp"

#include <charconv>
#include <cstdlib>
#include <memory>
#include <optional>

namespace gw::server {

namespace {

// Distinct statements kept prepared on one connection. The engine's SQL is a
// few hundred texts; IN lists of every length could make more, and those
// beyond the bound run unprepared.
constexpr size_t kMaxPrepared = 2000;

// The advisory lock key of the database's single writer ("gw" and 1: one
// space per database for now; a city's spaces will each have theirs).
constexpr int64_t kWriterLock = 0x67770001;

// PostgreSQL type oids (catalog/pg_type_d.h, stable across versions).
constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700,
              kFloat8 = 701, kNumeric = 1700;

DbError::Kind fault_of(std::string_view state) {
  if (state == "40001" || state == "40P01" || state == "55P03") return DbError::Kind::busy;
  if (state == "53100") return DbError::Kind::full;
  if (state.starts_with("23")) return DbError::Kind::constraint;
  return DbError::Kind::io;
}

std::string without_password(const std::string& url) {
  // postgresql://user:secret@host/db → postgresql://user@host/db
  size_t scheme = url.find("://");
  size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + url.substr(at);
}

class PgStmt final : public StmtImpl {
 public:
  PgStmt(PgDb& db, std::string_view sql) : db_(db), sql_(numbered_params(sql)) {}
  ~PgStmt() override { PQclear(res_); }

  void bind_null(int i) override { slot(i) = Param{}; }
  void bind_int(int i, int64_t v) override { slot(i) = Param{std::to_string(v), false, 0}; }
  void bind_real(int i, double v) override {
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // shortest text that reads back the same
    slot(i) = Param{std::string(buf, end), false, 0};
  }
  void bind_text(int i, std::string_view v, bool) override { slot(i) = Param{std::string(v), false, 0}; }
  void bind_blob(int i, std::string_view v, bool) override { slot(i) = Param{std::string(v), false, 1}; }

  bool step() override {
    if (!res_) {
      std::vector<const char*> values;
      std::vector<int> lengths, formats;
      for (const auto& p : params_) {
        values.push_back(p.null ? nullptr : p.bytes.data());
        lengths.push_back(static_cast<int>(p.bytes.size()));
        formats.push_back(p.format);
      }
      res_ = db_.run(sql_, values, lengths, formats);
      row_ = -1;
    }
    if (++row_ < PQntuples(res_)) {
      decoded_.assign(static_cast<size_t>(PQnfields(res_)), std::nullopt);
      return true;
    }
    // As SQLite does, the next step runs the statement again.
    PQclear(res_);
    res_ = nullptr;
    return false;
  }
  void reset() override {
    PQclear(res_);
    res_ = nullptr;
    for (auto& p : params_) p = Param{};
  }

  int columns() const override { return res_ ? PQnfields(res_) : 0; }
  ColumnType type(int i) const override {
    if (PQgetisnull(res_, row_, i)) return ColumnType::null;
    switch (PQftype(res_, i)) {
      case kBool: case kInt2: case kInt4: case kInt8: case kOid: return ColumnType::integer;
      case kFloat4: case kFloat8: return ColumnType::real;
      case kNumeric:  // sum() of integers is numeric: an integer when it has no fraction
        return raw(i).find_first_of(".eE") == std::string_view::npos ? ColumnType::integer : ColumnType::real;
      case kBytea: return ColumnType::blob;
      default: return ColumnType::text;
    }
  }
  std::string_view name(int i) const override { return PQfname(res_, i); }
  int64_t int64(int i) const override {
    std::string_view s = raw(i);
    if (s == "t") return 1;  // bool
    int64_t v = 0;
    if (std::from_chars(s.data(), s.data() + s.size(), v).ec != std::errc{}) return static_cast<int64_t>(real(i));
    return v;
  }
  double real(int i) const override {
    std::string s(raw(i));
    return s.empty() ? 0 : std::strtod(s.c_str(), nullptr);
  }
  std::string_view text(int i) const override { return PQftype(res_, i) == kBytea ? blob(i) : raw(i); }
  std::string_view blob(int i) const override {
    if (PQftype(res_, i) != kBytea) return raw(i);
    auto& d = decoded_[static_cast<size_t>(i)];
    if (!d) {
      size_t n = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(res_, row_, i)), &n);
      d.emplace(reinterpret_cast<const char*>(bytes), bytes ? n : 0);
      PQfreemem(bytes);
    }
    return *d;
  }

 private:
  struct Param {
    std::string bytes;
    bool null = true;
    int format = 0;  // 0 text, 1 binary
  };
  Param& slot(int i) {
    if (res_) {  // bound again after a step: a new run
      PQclear(res_);
      res_ = nullptr;
    }
    if (params_.size() < static_cast<size_t>(i)) params_.resize(static_cast<size_t>(i));
    return params_[static_cast<size_t>(i - 1)];
  }
  std::string_view raw(int i) const {
    if (!res_ || PQgetisnull(res_, row_, i)) return {};
    return {PQgetvalue(res_, row_, i), static_cast<size_t>(PQgetlength(res_, row_, i))};
  }

  PgDb& db_;
  std::string sql_;
  std::vector<Param> params_;
  PGresult* res_ = nullptr;
  int row_ = -1;
  mutable std::vector<std::optional<std::string>> decoded_;  // bytea columns of the current row
};

}  // namespace

bool is_postgres_url(std::string_view target) {
  return target.starts_with("postgresql://") || target.starts_with("postgres://");
}

std::string numbered_params(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // a string or a quoted name, '' and "" inside
      size_t end = sql.find(c, i + 1);
      while (end != std::string_view::npos && end + 1 < sql.size() && sql[end + 1] == c) end = sql.find(c, end + 2);
      end = end == std::string_view::npos ? sql.size() - 1 : end;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() - 1 : end;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

PgDb::PgDb(const std::string& url) : url_(url), where_(without_password(url)) {
  connect();
  auto collate = prepare(
      "SELECT datcollate, datlocprovider = 'c' FROM pg_database WHERE datname = current_database()");
  std::string c = collate.step() ? std::string(collate.text(0)) : "";
  bool libc = c.empty() || collate.int64(1) == 1;
  collate.reset();
  if (!libc || (c != "C" && c != "POSIX" && c != "C.UTF-8" && c != "C.utf8")) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw DbError(DbError::Kind::mismatch,
                  where_ + " sorts text by a locale (" + (libc ? c : "ICU") +
                      "); Gridwork needs byte order, as on every tablet: create the database with "
                      "`createdb --locale=C --locale-provider=libc --template=template0`");
  }
}

PgDb::~PgDb() { PQfinish(conn_); }

void PgDb::connect() {
  if (conn_) PQfinish(conn_);
  conn_ = PQconnectdb(url_.c_str());
  prepared_.clear();
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = "connect " + where_ + ": " + PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw DbError(DbError::Kind::io, msg);
  }
  // Notices reach the caller as errors where they matter; libpq would
  // print them on stderr besides ("terminating connection…").
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  // CREATE ... IF NOT EXISTS tells of every table that exists: not worth a log line.
  exec("SET client_min_messages = warning");
}

void PgDb::reconnect_if_lost() {
  if (!in_txn_ && (!conn_ || PQstatus(conn_) == CONNECTION_BAD)) connect();
}

void PgDb::fail(PGresult* res, std::string_view what) {
  std::string state = res && PQresultErrorField(res, PG_DIAG_SQLSTATE) ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : "";
  std::string msg(what);
  msg += ": ";
  msg += res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  PQclear(res);
  throw DbError(fault_of(state), msg);
}

void PgDb::exec(std::string_view sql) {
  reconnect_if_lost();
  std::string s(sql);
  PGresult* res = PQexec(conn_, s.c_str());
  auto status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(res, "exec '" + s.substr(0, 80) + "'");
  const char* n = PQcmdTuples(res);
  changes_ = n && *n ? std::atoll(n) : 0;
  PQclear(res);
}

Stmt PgDb::prepare(std::string_view sql) { return Stmt(std::make_unique<PgStmt>(*this, sql)); }

const std::string* PgDb::prepared_name(const std::string& sql) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) return &it->second;
  if (prepared_.size() >= kMaxPrepared) return nullptr;
  std::string name = "gw" + std::to_string(++next_name_);
  PGresult* res = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
  if (PQresultStatus(res) != PGRES_COMMAND_OK) fail(res, "prepare '" + sql.substr(0, 80) + "'");
  PQclear(res);
  return &prepared_.emplace(sql, std::move(name)).first->second;
}

PGresult* PgDb::run(const std::string& sql, const std::vector<const char*>& values, const std::vector<int>& lengths,
                    const std::vector<int>& formats) {
  reconnect_if_lost();
  auto n = static_cast<int>(values.size());
  const std::string* name = prepared_name(sql);
  PGresult* res = name ? PQexecPrepared(conn_, name->c_str(), n, values.data(), lengths.data(), formats.data(), 0)
                       : PQexecParams(conn_, sql.c_str(), n, nullptr, values.data(), lengths.data(), formats.data(), 0);
  auto status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(res, "run '" + sql.substr(0, 80) + "'");
  if (status == PGRES_COMMAND_OK) {
    const char* c = PQcmdTuples(res);
    changes_ = c && *c ? std::atoll(c) : 0;
  }
  return res;
}

bool PgDb::in_transaction() const {
  auto s = PQtransactionStatus(conn_);
  return in_txn_ || s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

// Never through exec(): a COMMIT sent on a connection made anew would find
// no transaction and pass with a warning, acknowledging writes that were
// lost with the old one. And PostgreSQL answers COMMIT of a failed
// transaction with ROLLBACK, no error: said here as the error it is.
void PgDb::commit() {
  in_txn_ = false;  // committed or not, it is over
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD)
    throw DbError(DbError::Kind::io, "the connection to " + where_ + " was lost before the commit: nothing was committed");
  PGresult* res = PQexec(conn_, "COMMIT");
  if (PQresultStatus(res) != PGRES_COMMAND_OK) fail(res, "commit");
  bool rolled_back = std::string_view(PQcmdStatus(res)) == "ROLLBACK";
  PQclear(res);
  if (rolled_back) throw DbError(DbError::Kind::io, "the transaction had failed and was rolled back: nothing was committed");
}

void PgDb::rollback() {
  in_txn_ = false;
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) return;  // the server rolled it back when the link went
  PGresult* res = PQexec(conn_, "ROLLBACK");
  if (PQresultStatus(res) != PGRES_COMMAND_OK) fail(res, "rollback");
  PQclear(res);
}

// One writer at a time per database, across every server, as SQLite has
// one per file: a transaction numbers its changes after those committed
// before it, so commit order is sequence order and no cursor skips a change
// committed late (DESIGN §13). Pulls, logins and checks never wait for it.
void PgDb::begin_write() {
  exec("BEGIN");
  in_txn_ = true;
  exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLock) + ")");
}

void PgDb::begin_unordered() {
  exec("BEGIN");
  in_txn_ = true;
}

void PgDb::begin_read() {
  exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  in_txn_ = true;
}

std::vector<std::string> PgDb::column_names(std::string_view table) {
  auto s = prepare(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? "
      "ORDER BY ordinal_position");
  s.bind(1, table);
  std::vector<std::string> out;
  while (s.step()) out.emplace_back(s.text(0));
  return out;
}

}  // namespace gw::server
