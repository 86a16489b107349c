// Rows of the synced tables with their packed column clocks and bucket: the
// storage every replica, device or server, is built on.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/schema.hpp"
#include "shared/db.hpp"
#include "shared/value.hpp"
#include "sync/core/column_clock.hpp"
#include "sync/core/sealer.hpp"

namespace gw::sync {

struct Row {
  bool exists = false;
  std::vector<Value> values;  // by column index
  Clocks clocks;              // by column index
  std::string bucket;
  int64_t seq = 0;            // largest column seq: where the row sits in its bucket

  void reset(const TableSpec& t);  // an empty, non-existing row of t
};

// The bucket a row belongs to (DESIGN §4), from its bucket column.
std::string bucket_of(const TableSpec& t, const std::vector<Value>& values);
std::string bucket_of(const TableSpec& t, const Fields& fields);

// The rows of t in a bucket, as a WHERE clause with one parameter: the
// bucket column's index answers it.
struct BucketFilter {
  std::string sql;
  std::string value;
};
BucketFilter bucket_filter(const TableSpec& t, std::string_view bucket);

inline constexpr std::string_view kGlobalBucket = "global";
inline constexpr std::string_view kAdminBucket = "role:admin";

class RowStore;

// A write transaction on a RowStore, rolled back if not committed; a
// rollback also resets what the store cached about the rolled-back writes.
// Inside another
// Txn on the same connection it joins that one (begins, commits and rolls
// back nothing): several writes, each with its own Txn, then land together
// or not at all under one outer Txn.
class Txn {
 public:
  explicit Txn(RowStore& store);
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  void commit();

 private:
  RowStore& store_;
  bool joined_ = false;  // inside an outer Txn: that one decides
  bool done_ = false;
};

class RowStore {
 public:
  // Creates the data tables (with _clk, _bucket, _seq) and the origin table
  // if missing; brings a file of an older schema version up to this one and
  // refuses one of a newer version (DbError, Kind::mismatch).
  // With a sealer (a device's store), the values of pii columns are kept
  // sealed (BLOB) and opened on load; without one (the server's), in clear.
  explicit RowStore(Db& db, const Sealer* sealer = nullptr);

  Db& db() { return db_; }

  bool load(const TableSpec& t, std::string_view id, Row& out);
  // The clocks, bucket and seq only, values all null: what applying pulled
  // patches needs, without copying every text column of the row.
  bool load_clocks(const TableSpec& t, std::string_view id, Row& out);
  void save(const TableSpec& t, std::string_view id, const Row& row);
  // Writes back a row load() found, with only the data columns in `changed`
  // (a bit per column index) besides its clocks and seq: indexes on the
  // other columns are left alone. Same result as save() as long as the row
  // stays in the bucket it was loaded with; a row that moves goes to save().
  void update(const TableSpec& t, std::string_view id, const Row& row, uint64_t changed);
  void erase(const TableSpec& t, std::string_view id);

  // Device ids are interned to small integers inside this store. A new one
  // is written in the caller's transaction; after a rollback the cache must
  // be reloaded (Txn below does that), or it would name ids the file lacks.
  uint32_t intern(std::string_view origin);
  void reload_origins();
  // Reloads on a miss: another connection (the server's writer) may have
  // added origins since this one looked.
  const std::string& origin_name(uint32_t id);

  // Seals the pii values still in clear (a store written before sealing, or
  // under no sealer): loaded and saved again, row by row. Returns how many
  // rows it sealed; run it in a Txn. Nothing to do without a sealer.
  int64_t seal_clear();

  // Every column's server sequence number back to 0 (Replica::restart):
  // numbers from a database since restored name other changes, or none.
  void forget_seqs();

  // For checks and tools: every row id of a table, in id order.
  std::vector<std::string> ids(const TableSpec& t, std::string_view bucket = {});

 private:
  void upgrade();
  // Binds a data column's value, sealed when it is personal data; the
  // sealed bytes live in scratch_ until the statement has run.
  void bind_column(Stmt& s, int i, const TableSpec& t, size_t col, const Value& v);
  void open_columns(const TableSpec& t, Row& row);
  struct TableStmts {
    Stmt load, load_clocks, save, erase;
    std::unordered_map<uint64_t, Stmt> update;  // by set of changed columns
  };
  TableStmts& stmts(const TableSpec& t) { return stmts_[static_cast<size_t>(table_index(t))]; }

  Db& db_;
  const Sealer* sealer_;
  std::vector<std::string> scratch_;
  std::vector<TableStmts> stmts_;
  std::vector<std::string> origins_{""};  // id 0: nobody
  std::unordered_map<std::string, uint32_t> origin_ids_;
  Stmt add_origin_;
  Stmt find_origin_;
};

}  // namespace gw::sync
