#include "sync/core/row_store.hpp"

#include "shared/ddl.hpp"

namespace gw::sync {

void Row::reset(const TableSpec& t) {
  exists = false;
  values.assign(t.columns.size(), Value{});
  clocks.assign(t.columns.size(), ColumnClock{});
  bucket.clear();
  seq = 0;
}

namespace {

// Distinct column sets RowStore::update keeps a statement for, per table.
constexpr size_t kMaxUpdateStmts = 64;

// Binds text (or, with blob, a BLOB) without the engine's private copy:
// save() and update() step the statement before the row they bind goes
// away, and every use binds every parameter again before stepping.
void bind_static(Stmt& s, int i, const std::string& v, bool blob = false) { s.bind_kept(i, v, blob); }

void bind_static(Stmt& s, int i, const Value& v) {
  if (auto* text = std::get_if<std::string>(&v)) bind_static(s, i, *text);
  else s.bind(i, v);
}

// Stmt::value, but into an existing Value, reusing its string's buffer.
void read_column(const Stmt& s, int i, Value& v) {
  ColumnType type = s.type(i);
  if (type == ColumnType::text || type == ColumnType::blob) {
    std::string_view bytes = type == ColumnType::text ? s.text(i) : s.blob(i);
    if (auto* str = std::get_if<std::string>(&v)) str->assign(bytes);
    else v.emplace<std::string>(bytes);
  } else if (type == ColumnType::integer) {
    v = s.int64(i);
  } else if (type == ColumnType::real) {
    v = s.real(i);
  } else {
    v = Null{};
  }
}

std::string bucket_from(const TableSpec& t, const Value* v) {
  auto* s = v ? std::get_if<std::string>(v) : nullptr;
  switch (t.bucket) {
    case BucketRule::global: return std::string(kGlobalBucket);
    case BucketRule::admins: return std::string(kAdminBucket);
    case BucketRule::grid: return s ? "grid:" + *s : std::string();
    case BucketRule::user: return s ? "user:" + *s : std::string();
  }
  return {};
}
}  // namespace

std::string bucket_of(const TableSpec& t, const std::vector<Value>& values) {
  int i = t.bucket_index();
  return bucket_from(t, i < 0 ? nullptr : &values[static_cast<size_t>(i)]);
}

std::string bucket_of(const TableSpec& t, const Fields& fields) {
  int i = t.bucket_index();
  for (const auto& f : fields)
    if (static_cast<int>(f.col) == i) return bucket_from(t, &f.value);
  return bucket_from(t, nullptr);
}

BucketFilter bucket_filter(const TableSpec& t, std::string_view bucket) {
  std::string_view prefix = t.bucket == BucketRule::grid ? "grid:" : t.bucket == BucketRule::user ? "user:" : "";
  if (prefix.empty()) return {"_bucket = ?", std::string(bucket)};
  if (bucket.substr(0, prefix.size()) != prefix) return {"_bucket = ?", std::string(bucket)};  // finds none, slowly
  return {std::string(t.bucket_column) + " = ?", std::string(bucket.substr(prefix.size()))};
}

// Brings a store made by an older build up to this schema: the columns its
// tables lack are added at their end, which is where the spec appended them,
// so every packed clock keeps its column (a shorter blob unpacks with the new
// columns never written). A store whose columns are not a prefix of the spec
// was made by a build that reordered them: refused, not guessed at.
void RowStore::upgrade() {
  int64_t version = 0;
  {
    auto get = db_.prepare("SELECT value FROM _meta WHERE key = 'schema_version'");
    version = get.step() ? get.int64(0) : kSchemaVersion;
  }
  if (version > kSchemaVersion)
    throw DbError(DbError::Kind::mismatch, "database has schema version " + std::to_string(version) +
                                               ", newer than this build's " + std::to_string(kSchemaVersion) +
                                               ": update the app");
  for (const auto& t : all_tables()) {
    std::vector<std::string> have;
    for (auto& n : db_.column_names(t.name))
      if (n != "id" && !n.starts_with('_')) have.push_back(std::move(n));
    if (have.empty()) continue;  // a new table: created below
    for (size_t i = 0; i < t.columns.size(); ++i) {
      if (i < have.size()) {
        if (have[i] != t.columns[i].name)
          throw DbError(DbError::Kind::mismatch, std::string(t.name) + " has column " + have[i] +
                                                     " where this build has " + std::string(t.columns[i].name) +
                                                     ": the database is not of this schema");
        continue;
      }
      db_.exec_ddl(add_column_sql(t, t.columns[i]));
    }
    if (have.size() > t.columns.size())
      throw DbError(DbError::Kind::mismatch, std::string(t.name) + " has columns this build does not know");
  }
  db_.prepare("INSERT INTO _meta (key, value) VALUES ('schema_version', ?) "
              "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .bind(1, kSchemaVersion)
      .run();
}

RowStore::RowStore(Db& db, const Sealer* sealer) : db_(db), sealer_(sealer) {
  // In one write transaction: servers starting at once on one PostgreSQL
  // create the tables one after the other, never both half.
  Transaction txn(db_);
  db_.exec_ddl("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value {any})");
  upgrade();
  db_.exec_ddl("CREATE TABLE IF NOT EXISTS _origins (id {rowid}, name TEXT UNIQUE NOT NULL)");
  for (const auto& t : all_tables()) {
    db_.exec_ddl(create_table_sql(t, "_clk {blob}, _bucket TEXT, _seq {int}"));
    for (const auto& sql : create_index_sql(t)) db_.exec(sql);
    // No index on _bucket: a grid or user bucket is its bucket column, which
    // has an index of its own (bucket_filter), and global and admin tables
    // hold one bucket each. The extra index cost every new row a write.
    db_.exec("DROP INDEX IF EXISTS " + std::string(t.name) + "__bucket");
  }
  txn.commit();
  for (const auto& t : all_tables()) {
    std::string cols = column_list(t);
    std::string load = "SELECT " + cols + ", _clk, _bucket, _seq FROM " + std::string(t.name) + " WHERE id = ?";
    std::string save = "INSERT INTO " + std::string(t.name) + " (id, " + cols + ", _clk, _bucket, _seq) VALUES (?";
    for (size_t i = 0; i < t.columns.size() + 3; ++i) save += ", ?";
    save += ") ON CONFLICT(id) DO UPDATE SET ";
    for (const auto& c : t.columns) save += std::string(c.name) + " = excluded." + std::string(c.name) + ", ";
    save += "_clk = excluded._clk, _bucket = excluded._bucket, _seq = excluded._seq";
    stmts_.push_back({db_.prepare(load),
                      db_.prepare("SELECT _clk, _bucket, _seq FROM " + std::string(t.name) + " WHERE id = ?"),
                      db_.prepare(save), db_.prepare("DELETE FROM " + std::string(t.name) + " WHERE id = ?"), {}});
  }
  add_origin_ = db_.prepare("INSERT INTO _origins (name) VALUES (?) ON CONFLICT (name) DO NOTHING RETURNING id");
  find_origin_ = db_.prepare("SELECT id FROM _origins WHERE name = ?");
  reload_origins();
}

static bool is_sealed_column(const Sealer* sealer, const ColumnSpec& c) { return sealer && c.sealed(); }

void RowStore::bind_column(Stmt& s, int i, const TableSpec& t, size_t col, const Value& v) {
  const auto* text = std::get_if<std::string>(&v);
  if (!text || !is_sealed_column(sealer_, t.columns[col])) return bind_static(s, i, v);
  scratch_.push_back(sealer_->seal(seal_context(t, t.columns[col]), *text));
  bind_static(s, i, scratch_.back(), true);
}

// A BLOB in a pii column is sealed; text there was written before sealing
// (seal_clear() seals it) and is taken as it is.
void RowStore::open_columns(const TableSpec& t, Row& row) {
  if (!sealer_) return;
  auto& s = stmts(t).load;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (!t.columns[i].sealed() || s.type(static_cast<int>(i)) != ColumnType::blob) continue;
    auto plain = sealer_->open(seal_context(t, t.columns[i]), s.blob(static_cast<int>(i)));
    if (!plain) {
      s.reset();
      throw DbError(DbError::Kind::sealed, std::string(t.name) + "." + std::string(t.columns[i].name) +
                                         " holds a value sealed under another key: unlock with this user's password");
    }
    row.values[i] = std::move(*plain);
  }
}

int64_t RowStore::seal_clear() {
  if (!sealer_) return 0;
  int64_t sealed = 0;
  Row row;
  for (const auto& t : all_tables()) {
    std::string clear;
    for (const auto& c : t.columns)
      if (c.sealed()) clear += std::string(clear.empty() ? "" : " OR ") + "typeof(" + std::string(c.name) + ") = 'text'";
    if (clear.empty()) continue;
    auto find = db_.prepare("SELECT id FROM " + std::string(t.name) + " WHERE " + clear);
    std::vector<std::string> ids;
    while (find.step()) ids.emplace_back(find.text(0));
    for (const auto& id : ids)
      if (load(t, id, row)) save(t, id, row), ++sealed;
  }
  return sealed;
}

void RowStore::reload_origins() {
  origins_.assign(1, std::string());
  origin_ids_.clear();
  auto all = db_.prepare("SELECT id, name FROM _origins ORDER BY id");
  while (all.step()) {
    auto id = static_cast<uint32_t>(all.int64(0));
    if (origins_.size() <= id) origins_.resize(id + 1);
    origins_[id] = std::string(all.text(1));
    origin_ids_.emplace(origins_[id], id);
  }
}

Txn::Txn(RowStore& store) : store_(store), joined_(store.db().in_transaction()) {
  if (!joined_) store_.db().begin_write();
}

Txn::~Txn() {
  if (done_ || joined_) return;
  // SQLite rolls the whole transaction back by itself when a write fails
  // with SQLITE_FULL or an I/O error (a full disk): there is then nothing
  // to roll back, yet the origins cached inside it are gone all the same.
  try {
    if (store_.db().in_transaction()) store_.db().rollback();
  } catch (...) {
    // Rolled back on close at worst; the cache is reloaded below either way.
  }
  try {
    store_.reload_origins();
  } catch (...) {
    // The connection is unusable; the next statement reports why.
  }
}

void Txn::commit() {
  if (!joined_) store_.db().commit();
  done_ = true;
}

bool RowStore::load(const TableSpec& t, std::string_view id, Row& out) {
  auto& s = stmts(t).load;
  s.bind(1, id);
  if (!s.step()) {
    s.reset();
    out.reset(t);
    return false;
  }
  // Filled in place: a Row reused across loads keeps its strings' buffers,
  // which saves an allocation per text column on every merge.
  size_t n = t.columns.size();
  out.exists = true;
  out.values.resize(n);
  for (size_t i = 0; i < n; ++i) read_column(s, static_cast<int>(i), out.values[i]);
  open_columns(t, out);
  out.clocks = unpack_clocks(s.blob(static_cast<int>(n)), n);
  out.bucket.assign(s.text(static_cast<int>(n + 1)));
  out.seq = s.int64(static_cast<int>(n + 2));
  s.reset();
  return true;
}

bool RowStore::load_clocks(const TableSpec& t, std::string_view id, Row& out) {
  auto& s = stmts(t).load_clocks;
  s.bind(1, id);
  size_t n = t.columns.size();
  // Values are left null: the caller fills in the columns it writes.
  for (auto& v : out.values) v = Null{};
  out.values.resize(n);
  if (!s.step()) {
    s.reset();
    out.reset(t);
    return false;
  }
  out.exists = true;
  out.clocks = unpack_clocks(s.blob(0), n);
  out.bucket.assign(s.text(1));
  out.seq = s.int64(2);
  s.reset();
  return true;
}

void RowStore::save(const TableSpec& t, std::string_view id, const Row& row) {
  auto& s = stmts(t).save;
  s.bind(1, id);
  size_t n = t.columns.size();
  scratch_.clear();
  scratch_.reserve(n);  // bound in place: never reallocated under the statement
  for (size_t i = 0; i < n; ++i) bind_column(s, static_cast<int>(i + 2), t, i, row.values[i]);
  std::string clk = pack_clocks(row.clocks);
  bind_static(s, static_cast<int>(n + 2), clk, true);
  bind_static(s, static_cast<int>(n + 3), row.bucket);
  s.bind(static_cast<int>(n + 4), row.seq);
  s.run();
}

void RowStore::update(const TableSpec& t, std::string_view id, const Row& row, uint64_t changed) {
  auto& cache = stmts(t).update;
  auto it = cache.find(changed);
  if (it == cache.end()) {
    // A statement per set of columns patches write together: few in
    // practice, and bounded here so odd writers cannot grow it for ever.
    if (cache.size() >= kMaxUpdateStmts) return save(t, id, row);
    std::string sql = "UPDATE " + std::string(t.name) + " SET ";
    for (size_t c = 0; c < t.columns.size(); ++c)
      if (changed & (uint64_t{1} << c)) sql += std::string(t.columns[c].name) + " = ?, ";
    sql += "_clk = ?, _seq = ? WHERE id = ?";
    it = cache.emplace(changed, db_.prepare(sql)).first;
  }
  Stmt& s = it->second;
  int k = 1;
  scratch_.clear();
  scratch_.reserve(t.columns.size());
  for (size_t c = 0; c < t.columns.size(); ++c)
    if (changed & (uint64_t{1} << c)) bind_column(s, k++, t, c, row.values[c]);
  std::string clk = pack_clocks(row.clocks);
  bind_static(s, k++, clk, true);
  s.bind(k++, row.seq);
  s.bind(k, id);
  s.run();
}

void RowStore::erase(const TableSpec& t, std::string_view id) {
  auto& s = stmts(t).erase;
  s.bind(1, id);
  s.run();
}

uint32_t RowStore::intern(std::string_view origin) {
  if (auto it = origin_ids_.find(std::string(origin)); it != origin_ids_.end()) return it->second;
  // Another connection (an admin command, another server) may have added
  // origins since the cache was filled: the database numbers them, inside
  // the caller's write transaction; a name another writer added first is
  // found by the second look.
  int64_t id = -1;
  for (Stmt* s : {&add_origin_, &find_origin_}) {
    s->bind(1, origin);
    if (s->step()) id = s->int64(0);
    s->reset();
    if (id >= 0) break;
  }
  if (id < 0) throw DbError(DbError::Kind::io, "origin " + std::string(origin) + " neither added nor found");
  auto uid = static_cast<uint32_t>(id);
  if (origins_.size() <= uid) origins_.resize(uid + 1);
  origins_[uid] = std::string(origin);
  origin_ids_.emplace(origins_[uid], uid);
  return uid;
}

const std::string& RowStore::origin_name(uint32_t id) {
  static const std::string kNone;
  if (id >= origins_.size()) reload_origins();
  return id < origins_.size() ? origins_[id] : kNone;
}

void RowStore::forget_seqs() {
  Row row;
  for (const auto& t : all_tables()) {
    for (const auto& id : ids(t)) {
      if (!load_clocks(t, id, row)) continue;
      for (auto& c : row.clocks) c.seq = 0;
      row.seq = 0;
      update(t, id, row, 0);  // the clocks and seq only
    }
  }
}

std::vector<std::string> RowStore::ids(const TableSpec& t, std::string_view bucket) {
  std::string sql = "SELECT id FROM " + std::string(t.name);
  BucketFilter f = bucket_filter(t, bucket);
  if (!bucket.empty()) sql += " WHERE " + f.sql;
  sql += " ORDER BY id";
  auto s = db_.prepare(sql);
  if (!bucket.empty()) s.bind(1, f.value);
  std::vector<std::string> out;
  while (s.step()) out.emplace_back(s.text(0));
  return out;
}

}  // namespace gw::sync
