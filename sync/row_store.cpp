#include "sync/row_store.hpp"

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

RowStore::RowStore(Db& db) : db_(db) {
  db_.exec("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value)");
  {
    auto get = db_.prepare("SELECT value FROM _meta WHERE key = 'schema_version'");
    if (get.step()) {
      if (get.int64(0) != kSchemaVersion)
        throw SqliteError(SQLITE_MISMATCH, "database has schema version " + std::to_string(get.int64(0)) +
                                               ", this build needs " + std::to_string(kSchemaVersion));
    } else {
      db_.prepare("INSERT INTO _meta VALUES ('schema_version', ?)").bind(1, kSchemaVersion).run();
    }
  }
  db_.exec("CREATE TABLE IF NOT EXISTS _origins (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)");
  for (const auto& t : all_tables()) {
    db_.exec(create_table_sql(t, "_clk BLOB, _bucket TEXT, _seq INTEGER"));
    for (const auto& sql : create_index_sql(t)) db_.exec(sql);
    db_.exec("CREATE INDEX IF NOT EXISTS " + std::string(t.name) + "__bucket ON " + std::string(t.name) +
             " (_bucket, _seq)");
    std::string cols = column_list(t);
    std::string load = "SELECT " + cols + ", _clk, _bucket, _seq FROM " + std::string(t.name) + " WHERE id = ?";
    std::string save = "INSERT INTO " + std::string(t.name) + " (id, " + cols + ", _clk, _bucket, _seq) VALUES (?";
    for (size_t i = 0; i < t.columns.size() + 3; ++i) save += ", ?";
    save += ") ON CONFLICT(id) DO UPDATE SET ";
    for (const auto& c : t.columns) save += std::string(c.name) + " = excluded." + std::string(c.name) + ", ";
    save += "_clk = excluded._clk, _bucket = excluded._bucket, _seq = excluded._seq";
    stmts_.push_back({db_.prepare(load), db_.prepare(save),
                      db_.prepare("DELETE FROM " + std::string(t.name) + " WHERE id = ?")});
  }
  add_origin_ = db_.prepare("INSERT INTO _origins (id, name) VALUES (?, ?)");
  reload_origins();
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

Txn::Txn(RowStore& store) : store_(store) { store_.db().exec("BEGIN IMMEDIATE"); }

Txn::~Txn() {
  if (done_) return;
  try {
    store_.db().exec("ROLLBACK");
    store_.reload_origins();
  } catch (...) {
    // The connection is unusable; the next statement reports why.
  }
}

void Txn::commit() {
  store_.db().exec("COMMIT");
  done_ = true;
}

bool RowStore::load(const TableSpec& t, std::string_view id, Row& out) {
  auto& s = stmts(t).load;
  s.bind(1, id);
  out.reset(t);
  if (s.step()) {
    size_t n = t.columns.size();
    out.exists = true;
    for (size_t i = 0; i < n; ++i) out.values[i] = s.value(static_cast<int>(i));
    out.clocks = unpack_clocks(s.blob(static_cast<int>(n)), n);
    out.bucket = std::string(s.text(static_cast<int>(n + 1)));
    out.seq = s.int64(static_cast<int>(n + 2));
  }
  s.reset();
  return out.exists;
}

void RowStore::save(const TableSpec& t, std::string_view id, const Row& row) {
  auto& s = stmts(t).save;
  s.bind(1, id);
  size_t n = t.columns.size();
  for (size_t i = 0; i < n; ++i) s.bind(static_cast<int>(i + 2), row.values[i]);
  std::string clk = pack_clocks(row.clocks);
  s.bind_blob(static_cast<int>(n + 2), clk.data(), clk.size());
  s.bind(static_cast<int>(n + 3), std::string_view(row.bucket));
  s.bind(static_cast<int>(n + 4), row.seq);
  s.run();
}

void RowStore::erase(const TableSpec& t, std::string_view id) {
  auto& s = stmts(t).erase;
  s.bind(1, id);
  s.run();
}

uint32_t RowStore::intern(std::string_view origin) {
  if (auto it = origin_ids_.find(std::string(origin)); it != origin_ids_.end()) return it->second;
  auto id = static_cast<uint32_t>(origins_.size());
  add_origin_.bind(1, int64_t{id}).bind(2, origin);
  add_origin_.run();
  origins_.emplace_back(origin);
  origin_ids_.emplace(origins_.back(), id);
  return id;
}

const std::string& RowStore::origin_name(uint32_t id) {
  static const std::string kNone;
  if (id >= origins_.size()) reload_origins();
  return id < origins_.size() ? origins_[id] : kNone;
}

std::vector<std::string> RowStore::ids(const TableSpec& t, std::string_view bucket) {
  std::string sql = "SELECT id FROM " + std::string(t.name);
  if (!bucket.empty()) sql += " WHERE _bucket = ?";
  sql += " ORDER BY id";
  auto s = db_.prepare(sql);
  if (!bucket.empty()) s.bind(1, bucket);
  std::vector<std::string> out;
  while (s.step()) out.emplace_back(s.text(0));
  return out;
}

}  // namespace gw::sync
