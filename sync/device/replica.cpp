#include "sync/device/replica.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "shared/codec.hpp"
#include "shared/tuning.hpp"
#include "sync/core/chain.hpp"
#include "sync/core/merge.hpp"

namespace gw::sync {

namespace {
constexpr uint64_t bit(uint16_t col) { return uint64_t{1} << col; }

// The columns of a row with pending local edits.
constexpr std::string_view kPendingColumnsSql =
    "SELECT cols FROM _outbox WHERE tbl = ? AND row_id = ? AND state = 'pending'";

// Resets a cached statement when leaving a scope, even by an exception.
struct ResetOnExit {
  Stmt& s;
  ~ResetOnExit() { s.reset(); }
};

uint64_t pending_columns_of(Stmt& s, const TableSpec& t, std::string_view row) {
  ResetOnExit guard{s};
  s.bind(1, t.name).bind(2, row);
  uint64_t cols = 0;
  while (s.step()) cols |= static_cast<uint64_t>(s.int64(0));
  s.reset();
  return cols;
}
}  // namespace

Replica::Replica(Db& db, std::string device_id, Hlc& clock, uint64_t id_seed, const Sealer* sealer)
    : db_(db), sealer_(sealer), store_(db, sealer), device_id_(std::move(device_id)), clock_(clock), ids_(id_seed) {
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS _outbox (
      n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL,
      cols INTEGER NOT NULL, priority INTEGER NOT NULL, body TEXT NOT NULL, batch TEXT,
      state TEXT NOT NULL DEFAULT 'pending', code TEXT, reason TEXT);
    CREATE INDEX IF NOT EXISTS _outbox_row ON _outbox (tbl, row_id) WHERE state = 'pending';
    CREATE INDEX IF NOT EXISTS _outbox_queue ON _outbox (state, priority, n);
    CREATE INDEX IF NOT EXISTS _outbox_open ON _outbox (state, batch);
    CREATE TABLE IF NOT EXISTS _shadow (
      tbl TEXT, row_id TEXT, col INTEGER, value, hlc INTEGER, origin TEXT, cycle INTEGER,
      seq INTEGER, pulled INTEGER, PRIMARY KEY (tbl, row_id, col)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS _cursors (bucket TEXT PRIMARY KEY, seq INTEGER NOT NULL,
                                         since INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS _links (n INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS _links_at ON _links (at);
  )");
  // Outboxes made before patches were chained gain the column; their
  // patches are chained when they first go out (or again, unanswered).
  if (!db_.query_int("SELECT count(*) FROM pragma_table_info('_outbox') WHERE name = 'chain_n'"))
    db_.exec("ALTER TABLE _outbox ADD COLUMN chain_n INTEGER");
  // After the DDL above: these use _outbox and _shadow.
  pending_q_ = db_.prepare(kPendingColumnsSql);
  // A pulled value replaces the shadow only when newer: pulls can repeat.
  shadow_keep_q_ = db_.prepare(R"(
    INSERT INTO _shadow VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (tbl, row_id, col) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
      origin = excluded.origin, cycle = excluded.cycle, seq = excluded.seq, pulled = excluded.pulled
    WHERE excluded.seq > _shadow.seq)");
  shadow_row_q_ = db_.prepare(
      "SELECT col, value, hlc, origin, cycle, seq, pulled FROM _shadow WHERE tbl = ? AND row_id = ? ORDER BY col");
  shadow_drop_q_ = db_.prepare("DELETE FROM _shadow WHERE tbl = ? AND row_id = ? AND col = ?");
  outbox_add_q_ =
      db_.prepare("INSERT INTO _outbox (id, tbl, row_id, cols, priority, body) VALUES (?, ?, ?, ?, ?, ?)");
  outbox_load_q_ = db_.prepare("SELECT id, tbl, row_id, cols FROM _outbox WHERE n = ? AND state = 'pending'");
  outbox_del_q_ = db_.prepare("DELETE FROM _outbox WHERE n = ?");
  link_keep_q_ = db_.prepare("INSERT OR REPLACE INTO _links (n, body, at) VALUES (?, ?, ?)");
  clock_keep_q_ = db_.prepare(
      "INSERT INTO _meta VALUES ('hlc', ?) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)");
  // The clock goes on from the latest time this file holds: the app may
  // have died (or closed offline) after stamping records, and a clock
  // behind the server's would stamp the next edit with a time already used,
  // or older than a pulled value it overwrites, and lose it.
  if (HlcTime kept = db_.query_int("SELECT coalesce((SELECT value FROM _meta WHERE key = 'hlc'), 0)"))
    (void)clock_.fold(kept, tuning::kClientFoldAheadMs);
}

// In the transaction that used or learnt the time: it lands with the data.
void Replica::keep_clock() { clock_keep_q_.bind(1, clock_.last()).run(); }

uint64_t Replica::pending_columns(const TableSpec& t, std::string_view row) {
  return pending_columns_of(pending_q_, t, row);
}

bool Replica::has_pending(const TableSpec& t, std::string_view row) { return pending_columns(t, row) != 0; }

constexpr std::string_view kOutboxContext = "_outbox";

void Replica::bind_body(Stmt& s, int i, const std::string& body) {
  if (!sealer_) {
    s.bind(i, body);
    return;
  }
  std::string sealed = sealer_->seal(kOutboxContext, body);
  s.bind_blob(i, sealed.data(), sealed.size());
}

// A body in clear (text) was queued before sealing; seal_clear() seals it.
std::string Replica::body_at(const Stmt& s, int i) const {
  if (!sealer_ || s.type(i) != ColumnType::blob) return std::string(s.text(i));
  auto plain = sealer_->open(kOutboxContext, s.blob(i));
  if (!plain) throw DbError(DbError::Kind::sealed, "an outbox record is sealed under another key");
  return std::move(*plain);
}

void Replica::bind_shadow(Stmt& s, int i, const TableSpec& t, uint16_t col, const Value& v) {
  const auto* text = std::get_if<std::string>(&v);
  if (!sealer_ || !text || !t.columns[col].sealed()) {
    s.bind(i, v);
    return;
  }
  std::string sealed = sealer_->seal(seal_context(t, t.columns[col]), *text);
  s.bind_blob(i, sealed.data(), sealed.size());
}

Value Replica::shadow_at(const Stmt& s, int i, const TableSpec& t, uint16_t col) const {
  if (!sealer_ || !t.columns[col].sealed() || s.type(i) != ColumnType::blob) return s.value(i);
  auto plain = sealer_->open(seal_context(t, t.columns[col]), s.blob(i));
  if (!plain) throw DbError(DbError::Kind::sealed, "a kept server value is sealed under another key");
  return std::move(*plain);
}

int64_t Replica::seal_clear() {
  if (!sealer_) return 0;
  Txn txn(store_);
  int64_t sealed = store_.seal_clear();
  {
    auto bodies = db_.prepare("SELECT n, body FROM _outbox WHERE typeof(body) = 'text'");
    auto put = db_.prepare("UPDATE _outbox SET body = ? WHERE n = ?");
    while (bodies.step()) {
      bind_body(put, 1, std::string(bodies.text(1)));
      put.bind(2, bodies.int64(0)).run();
      ++sealed;
    }
  }
  auto shadows = db_.prepare("SELECT tbl, row_id, col, value FROM _shadow WHERE typeof(value) = 'text'");
  auto put = db_.prepare("UPDATE _shadow SET value = ? WHERE tbl = ? AND row_id = ? AND col = ?");
  while (shadows.step()) {
    const TableSpec* t = find_table(shadows.text(0));
    auto col = static_cast<uint16_t>(shadows.int64(2));
    if (!t || col >= t->columns.size() || !t->columns[col].sealed()) continue;
    bind_shadow(put, 1, *t, col, std::string(shadows.text(3)));
    put.bind(2, t->name).bind(3, shadows.text(1)).bind(4, int64_t{col}).run();
    ++sealed;
  }
  txn.commit();
  return sealed;
}

void Replica::shadow_keep(const TableSpec& t, std::string_view row, uint16_t col, const Value& v,
                          const ColumnClock& c, bool pulled) {
  Stmt& s = shadow_keep_q_;
  ResetOnExit guard{s};
  s.bind(1, t.name).bind(2, row).bind(3, int64_t{col}).bind(5, c.hlc);
  bind_shadow(s, 4, t, col, v);
  s.bind(6, std::string_view(store_.origin_name(c.origin))).bind(7, int64_t{c.cycle}).bind(8, c.seq);
  s.bind(9, int64_t{pulled ? 1 : 0});
  s.step();
}

Result<Patch> Replica::write(const TableSpec& t, std::string_view row_id, const Fields& set) {
  if (set.empty()) return Error{Code::invalid, "nothing to write"};
  if (!is_uuid_text(row_id)) return Error{Code::invalid, "row ids are UUIDs"};
  uint64_t seen = 0;
  for (const auto& f : set) {
    if (f.col >= t.columns.size()) return Error{Code::unknown_column, "no such column"};
    if (seen & bit(f.col)) return Error{Code::invalid, std::string(t.columns[f.col].name) + " written twice"};
    seen |= bit(f.col);
    if (auto st = check_value(t, t.columns[f.col], f.value); !st) return st.error();
  }
  try {
    Txn txn(store_);
    Row row;
    if (!store_.load(t, row_id, row)) {
      if (auto st = check_required(t, set); !st) return st.error();
      row.bucket = bucket_of(t, set);
    } else {
      for (const auto& f : set) {
        const auto& c = t.columns[f.col];
        if (c.merge == Merge::immutable && row.values[f.col] != f.value)
          return Error{Code::immutable, std::string(t.name) + "." + std::string(c.name) + " cannot change once set"};
      }
    }
    uint64_t pending = pending_columns(t, row_id);
    Patch p;
    p.id = ids_.next(clock_.wall_ms());
    p.table = &t;
    p.row = std::string(row_id);
    p.hlc = clock_.now();
    keep_clock();
    p.origin = device_id_;
    p.set = set;
    uint32_t me = store_.intern(device_id_);
    for (const auto& f : set) {
      auto& clk = row.clocks[f.col];
      if (clk.hlc) p.base.emplace_back(f.col, clk.hlc);
      // The server's value, kept until the server settles ours. A column
      // that never had a value needs none: no shadow means nothing
      // (settle_entry), which spares a new row a write per column.
      if (!(pending & bit(f.col)) && clk.hlc) shadow_keep(t, row_id, f.col, row.values[f.col], clk, false);
      uint32_t cycle = clk.cycle;
      if (t.columns[f.col].merge == Merge::state && state_rank(f.value) < state_rank(row.values[f.col])) ++cycle;
      if (t.columns[f.col].merge == Merge::state) p.cycle = cycle;
      row.values[f.col] = f.value;
      clk = ColumnClock{p.hlc, me, cycle, 0};
    }
    row.exists = true;
    store_.save(t, row_id, row);
    {
      Stmt& ins = outbox_add_q_;
      ResetOnExit guard{ins};
      ins.bind(1, p.id).bind(2, t.name).bind(3, row_id).bind(4, static_cast<int64_t>(seen));
      ins.bind(5, int64_t{t.priority});
      bind_body(ins, 6, encode_patch(p));
      ins.step();
    }
    txn.commit();
    return p;
  } catch (const DbError& e) {
    return Error{Code::io, e.what()};
  }
}

Result<std::string> Replica::create(const TableSpec& t, const Fields& set) {
  std::string id = ids_.next(clock_.wall_ms());
  auto p = write(t, id, set);
  if (!p) return p.error();
  return id;
}

std::optional<OutgoingBatch> Replica::next_batch(size_t max_patches, const std::vector<std::string>& in_flight,
                                                 size_t max_bytes) {
  OutgoingBatch out;
  std::vector<size_t> unchained;  // indexes into out.entries
  // An unanswered batch goes again, unchanged, and before any later one:
  // the server refuses a link that skips places in the chain. Chain order,
  // not outbox order: batches are filled by priority. (A batch queued before
  // the device chained its patches has no places: NULL, first.)
  std::string passed = "?";
  for (size_t i = 1; i < in_flight.size(); ++i) passed += ", ?";
  auto open = db_.prepare(
      "SELECT n, body, batch, chain_n IS NULL FROM _outbox WHERE state = 'pending' AND batch = "
      "(SELECT batch FROM _outbox WHERE state = 'pending' AND batch IS NOT NULL AND batch NOT IN (" + passed +
      ") ORDER BY chain_n, n LIMIT 1) ORDER BY chain_n, n");
  open.bind(1, in_flight.empty() ? std::string() : in_flight[0]);
  for (size_t i = 1; i < in_flight.size(); ++i) open.bind(static_cast<int>(i + 1), in_flight[i]);
  while (open.step()) {
    if (open.int64(3)) unchained.push_back(out.entries.size());
    out.entries.push_back(open.int64(0));
    out.request.patches.emplace_back(body_at(open, 1));
    out.request.batch = std::string(open.text(2));
  }
  if (!out.entries.empty()) {
    std::vector<std::string> hashes;
    if (!unchained.empty()) hashes = chain(out, unchained);  // queued before the device chained its patches
    out.request.seal = seal(out.request.patches, hashes);
    return out;
  }

  auto next = db_.prepare(
      "SELECT n, body FROM _outbox WHERE state = 'pending' AND batch IS NULL ORDER BY priority, n LIMIT ?");
  next.bind(1, static_cast<int64_t>(max_patches));
  size_t bytes = 0;
  while (bytes < max_bytes && next.step()) {
    unchained.push_back(out.entries.size());
    out.entries.push_back(next.int64(0));
    bytes += out.request.patches.emplace_back(body_at(next, 1)).size();
  }
  if (out.entries.empty()) return std::nullopt;
  out.request.batch = ids_.next(clock_.wall_ms());
  out.request.seal = seal(out.request.patches, chain(out, unchained));
  return out;
}

// Patches take their places in the device's chain in the order they first
// go out (not the order they were written: the outbox sends by priority),
// and keep them: a batch sent again is the same bytes. Marks the batch too.
std::vector<std::string> Replica::chain(OutgoingBatch& out, const std::vector<size_t>& unchained) {
  std::vector<std::string> hashes(out.entries.size());
  Txn txn(store_);  // or the caller's, settling the batch before (SyncClient::push)
  ChainHead head = chain_head();
  // A chained patch is marked with its batch in the same write.
  auto upd = db_.prepare("UPDATE _outbox SET body = ?, chain_n = ?, batch = ? WHERE n = ?");
  std::vector<char> marked(out.entries.size(), 0);
  for (size_t i : unchained) {
    auto body = chain_patch(out.request.patches[i], head, nullptr);  // sealed as a batch: seal()
    if (!body) continue;  // not a patch the server could read either: it says so
    out.request.patches[i] = std::move(*body);
    bind_body(upd, 1, out.request.patches[i]);  // sealed: it waits here until the server answers
    upd.bind(2, head.n).bind(3, out.request.batch).bind(4, out.entries[i]).run();
    marked[i] = 1;
    hashes[i] = head.hash;
    keep_link(head.n, out.request.patches[i]);
  }
  save_chain_head(head);
  forget_old_links();
  auto mark = db_.prepare("UPDATE _outbox SET batch = ? WHERE n = ?");
  for (size_t i = 0; i < out.entries.size(); ++i)
    if (!marked[i]) mark.bind(1, out.request.batch).bind(2, out.entries[i]).run();
  txn.commit();
  return hashes;
}

ChainHead Replica::chain_head() {
  ChainHead head{db_.query_int("SELECT coalesce((SELECT value FROM _meta WHERE key = 'chain_n'), 0)"), {}};
  auto h = db_.prepare("SELECT value FROM _meta WHERE key = 'chain_head'");
  head.hash = h.step() ? std::string(h.blob(0)) : chain_genesis(device_id_);
  return head;
}

void Replica::save_chain_head(const ChainHead& head) {
  auto meta = db_.prepare("INSERT OR REPLACE INTO _meta VALUES (?, ?)");
  meta.bind(1, "chain_n").bind(2, head.n).run();
  meta.bind(1, "chain_head").bind_blob(2, head.hash.data(), head.hash.size()).run();
}

std::string Replica::seal(const std::vector<std::string>& patches, const std::vector<std::string>& known) const {
  if (!key_) return {};
  return seal_links(patches, *key_, known).value_or(std::string());
}

Result<std::string> Replica::link(std::string_view patch_json) {
  Transaction txn(db_);
  ChainHead head = chain_head();
  auto body = chain_patch(patch_json, head, key_);
  if (!body) return body.error();
  save_chain_head(head);
  keep_link(head.n, *body);
  forget_old_links();
  txn.commit();
  return body;
}

// Every link as it went out, sealed like the outbox, for a while after the
// server answered: a server restored from a backup lacks the ones it took
// after the copy, and they come back only from here.
void Replica::keep_link(int64_t n, const std::string& body) {
  int64_t now = clock_.wall_ms();
  Stmt& keep = link_keep_q_;
  keep.bind(1, n);
  bind_body(keep, 2, body);
  keep.bind(3, now).run();
}

void Replica::forget_old_links() {
  db_.prepare("DELETE FROM _links WHERE at < ?").bind(1, clock_.wall_ms() - tuning::kChainKeepMs).run();
}

Result<std::optional<OutgoingBatch>> Replica::links_after(int64_t n, size_t max) {
  auto s = db_.prepare("SELECT n, body FROM _links WHERE n > ? ORDER BY n LIMIT ?");
  s.bind(1, n).bind(2, static_cast<int64_t>(max));
  OutgoingBatch out;
  while (s.step()) {
    if (out.request.patches.empty() && s.int64(0) != n + 1)
      return Error{Code::state, "the server lacks places " + std::to_string(n + 1) + " to " +
                                    std::to_string(s.int64(0) - 1) + " of this device's chain, kept here no longer"};
    out.request.patches.push_back(body_at(s, 1));
  }
  if (out.request.patches.empty()) return std::optional<OutgoingBatch>();
  out.request.batch = ids_.next(clock_.wall_ms());
  out.request.seal = seal(out.request.patches);
  return std::optional<OutgoingBatch>(std::move(out));
}

int64_t Replica::epoch() {
  auto q = db_.prepare("SELECT value FROM _meta WHERE key = 'server_epoch'");
  return q.step() ? q.int64(0) : 0;
}

void Replica::adopt_epoch(int64_t epoch) {
  if (!epoch || this->epoch()) return;
  db_.prepare("INSERT OR REPLACE INTO _meta VALUES ('server_epoch', ?)").bind(1, epoch).run();
}

void Replica::restart(int64_t epoch) {
  Txn txn(store_);
  db_.exec("UPDATE _cursors SET seq = 0, since = 0");
  db_.exec("UPDATE _shadow SET seq = 0");
  store_.forget_seqs();
  db_.prepare("INSERT OR REPLACE INTO _meta VALUES ('server_epoch', ?)").bind(1, epoch).run();
  txn.commit();
}

int64_t Replica::held_count() { return db_.query_int("SELECT count(*) FROM _outbox WHERE state = 'quarantined'"); }

std::optional<OutgoingBatch> Replica::held_batch(size_t max_patches) {
  OutgoingBatch out;
  // Those asked after longest ago first: each answer still held stamps its
  // entries with the asking batch (UUIDv7, so later sorts after).
  auto s = db_.prepare("SELECT n, body FROM _outbox WHERE state = 'quarantined' ORDER BY batch, n LIMIT ?");
  s.bind(1, static_cast<int64_t>(max_patches));
  while (s.step()) {
    out.entries.push_back(s.int64(0));
    out.request.patches.emplace_back(body_at(s, 1));
  }
  if (out.entries.empty()) return std::nullopt;
  out.request.batch = ids_.next(clock_.wall_ms());
  out.request.seal = seal(out.request.patches);
  return out;
}

std::pair<int64_t, int64_t> Replica::settle_held(const OutgoingBatch& batch, const PushAnswer& answer) {
  std::pair<int64_t, int64_t> decided{0, 0};
  std::unordered_map<std::string, const Rejection*> rejected;
  for (const auto& r : answer.rejected) rejected[r.id] = &r;
  std::unordered_set<std::string> accepted(answer.accepted.begin(), answer.accepted.end());
  Transaction txn(db_);
  auto id_q = db_.prepare("SELECT id FROM _outbox WHERE n = ? AND state = 'quarantined'");
  auto upd = db_.prepare("UPDATE _outbox SET state = 'rejected', code = ?, reason = ? WHERE n = ?");
  auto asked = db_.prepare("UPDATE _outbox SET batch = ? WHERE n = ?");
  for (int64_t n : batch.entries) {
    id_q.reset();
    id_q.bind(1, n);
    if (!id_q.step()) continue;
    std::string id(id_q.text(0));
    if (accepted.count(id)) {
      // Merged on review: the next pull brings its values, where readable.
      outbox_del_q_.bind(1, n).run();
      ++decided.first;
    } else if (auto it = rejected.find(id); it != rejected.end() && it->second->code != Code::quarantined) {
      upd.bind(1, code_name(it->second->code)).bind(2, it->second->message).bind(3, n).run();
      ++decided.second;
    } else {
      asked.bind(1, batch.request.batch).bind(2, n).run();
    }
  }
  txn.commit();
  return decided;
}

void Replica::settle_entry(const OutboxEntry& e, uint64_t cols, bool accepted) {
  const TableSpec& t = *find_table(e.table);
  uint64_t settled = cols & ~pending_columns(t, e.row);
  if (!settled) return;
  // The server's values kept under the settled columns. A column with no
  // shadow had no value before our edit (write() keeps none then).
  Stmt& get = shadow_row_q_;
  ResetOnExit get_guard{get};
  get.bind(1, t.name).bind(2, e.row);
  Row row;
  bool loaded = false, changed = false;
  uint64_t restore = accepted ? 0 : settled, shadowed = 0;
  while (get.step()) {
    auto col = static_cast<uint16_t>(get.int64(0));
    if (!(settled & bit(col))) continue;
    shadowed |= bit(col);
    // Refused, or overtaken by a pull meanwhile: the server's value stands.
    // Accepted with nothing pulled since: ours stays until the pull that
    // brings the server's seq for it.
    if (accepted && !get.int64(6)) continue;
    if (!loaded) loaded = store_.load(t, e.row, row);
    if (!loaded) break;
    row.values[col] = shadow_at(get, 1, t, col);
    row.clocks[col] = ColumnClock{get.int64(2), store_.intern(get.text(3)), static_cast<uint32_t>(get.int64(4)),
                                  get.int64(5)};
    restore &= ~bit(col);
    changed = true;
  }
  get.reset();
  // Refused columns without a shadow go back to nothing.
  for (uint16_t col = 0; restore && col < t.columns.size(); ++col) {
    if (!(restore & bit(col))) continue;
    if (!loaded) loaded = store_.load(t, e.row, row);
    if (!loaded) break;
    row.values[col] = Null{};
    row.clocks[col] = ColumnClock{};
    changed = true;
  }
  for (uint16_t col = 0; shadowed && col < t.columns.size(); ++col)
    if (shadowed & bit(col)) shadow_drop_q_.bind(1, t.name).bind(2, e.row).bind(3, int64_t{col}).run();
  if (changed) {
    bool empty = true;
    for (const auto& c : row.clocks) empty = empty && c.hlc == 0;
    if (empty) store_.erase(t, e.row);  // a new row the server refused
    else store_.save(t, e.row, row);
  }
  // Its bucket may be one the user can no longer read: the next complete
  // pull sweeps such rows.
  sweep_needed_ = true;
}

void Replica::fold(HlcTime server_hlc) {
  if (server_hlc > 0) (void)clock_.fold(server_hlc, tuning::kClientFoldAheadMs);
}

void Replica::settle(const OutgoingBatch& batch, const PushAnswer& answer) {
  std::unordered_map<std::string, const Rejection*> rejected;
  for (const auto& r : answer.rejected) rejected[r.id] = &r;
  std::unordered_map<std::string, bool> accepted;
  for (const auto& id : answer.accepted) accepted[id] = true;

  Txn txn(store_);
  fold(answer.server_hlc);
  keep_clock();
  adopt_epoch(answer.epoch);
  Stmt& load = outbox_load_q_;
  ResetOnExit load_guard{load};
  for (int64_t n : batch.entries) {
    load.bind(1, n);
    if (!load.step()) {
      load.reset();
      continue;  // settled already (a repeated answer)
    }
    OutboxEntry e;
    e.n = n;
    e.id = std::string(load.text(0));
    e.table = std::string(load.text(1));
    e.row = std::string(load.text(2));
    auto cols = static_cast<uint64_t>(load.int64(3));
    load.reset();
    if (accepted.count(e.id)) {
      outbox_del_q_.bind(1, n).run();
      settle_entry(e, cols, true);
    } else if (auto it = rejected.find(e.id); it != rejected.end()) {
      // Refused patches stay in the outbox, visible with their reason.
      auto upd = db_.prepare("UPDATE _outbox SET state = ?, code = ?, reason = ? WHERE n = ?");
      upd.bind(1, it->second->code == Code::quarantined ? "quarantined" : "rejected");
      upd.bind(2, code_name(it->second->code)).bind(3, it->second->message).bind(4, n).run();
      settle_entry(e, cols, false);
    } else {
      // Not mentioned: the server did not see it; send it again later.
      db_.prepare("UPDATE _outbox SET batch = NULL WHERE n = ?").bind(1, n).run();
    }
  }
  txn.commit();
}

std::string Replica::cursor_basis() {
  CursorBasis h;
  auto s = db_.prepare("SELECT bucket, seq, since FROM _cursors ORDER BY bucket");
  while (s.step()) h.add(s.text(0), s.int64(1), s.int64(2));
  return h.hex();
}

PullRequest Replica::pull_request(int limit) {
  PullRequest r;
  r.limit = limit;
  auto s = db_.prepare("SELECT bucket, seq, since FROM _cursors");
  while (s.step()) {
    std::string b(s.text(0));
    r.cursors[b] = s.int64(1);
    if (s.int64(2) < s.int64(1)) r.since[b] = s.int64(2);
  }
  r.basis = cursor_basis();
  r.epoch = epoch();
  return r;
}

Cursors Replica::cursors() {
  Cursors out;
  auto s = db_.prepare("SELECT bucket, seq FROM _cursors");
  while (s.step()) out[std::string(s.text(0))] = s.int64(1);
  return out;
}

void Replica::evict(const std::string& bucket) {
  db_.prepare("DELETE FROM _cursors WHERE bucket = ?").bind(1, bucket).run();
  for (const auto& t : all_tables()) {
    // Never a row with unsynced changes: it goes after its push is settled.
    BucketFilter f = bucket_filter(t, bucket);
    auto del = db_.prepare("DELETE FROM " + std::string(t.name) + " WHERE " + f.sql +
                           " AND id NOT IN (SELECT row_id FROM _outbox WHERE tbl = ? AND state = 'pending')");
    del.bind(1, f.value).bind(2, t.name).run();
  }
}

void Replica::sweep() {
  // Rows of buckets this device no longer holds, except unsynced ones.
  for (const auto& t : all_tables()) {
    auto del = db_.prepare("DELETE FROM " + std::string(t.name) +
                           " WHERE _bucket NOT IN (SELECT bucket FROM _cursors) AND id NOT IN "
                           "(SELECT row_id FROM _outbox WHERE tbl = ? AND state = 'pending')");
    del.bind(1, t.name).run();
  }
  sweep_needed_ = false;
}

bool Replica::apply_pull(const PullAnswer& answer) {
  Txn txn(store_);
  if (!answer.basis.empty() && answer.basis != cursor_basis()) return false;
  if (answer.restart) return false;  // SyncClient::recover's, not a page
  adopt_epoch(answer.epoch);
  fold(answer.server_hlc);
  keep_clock();
  bool any_pending = db_.query_int("SELECT EXISTS (SELECT 1 FROM _outbox WHERE state = 'pending')") != 0;
  // Only a device with unsynced edits asks this, for every row it pulls
  // (a statement kept by the Replica).
  Stmt* pending_q = any_pending ? &pending_q_ : nullptr;
  // Patches of one answer mostly share an origin: intern it once.
  std::string_view last_origin;
  uint32_t origin_id = 0;
  Row row;
  for (const auto& p : answer.patches) {
    const TableSpec& t = *p.table;
    bool existed = store_.load_clocks(t, p.row, row);
    uint64_t pending = pending_q ? pending_columns_of(*pending_q, t, p.row) : 0;
    if (last_origin.empty() || p.origin != last_origin) {
      origin_id = store_.intern(p.origin);
      last_origin = p.origin;
    }
    ColumnClock incoming{p.hlc, origin_id, p.cycle, p.seq};
    uint64_t changed = 0;
    for (const auto& f : p.set) {
      if (pending & bit(f.col)) {
        shadow_keep(t, p.row, f.col, f.value, incoming, true);
        continue;
      }
      // Sequence numbers order the server's versions: an old or repeated
      // answer never overwrites a newer value.
      if (p.seq <= row.clocks[f.col].seq) continue;
      row.values[f.col] = f.value;
      row.clocks[f.col] = incoming;
      changed |= bit(f.col);
    }
    if (!changed) continue;
    bool moved = existed && row.bucket != p.bucket;
    if (moved) {
      // A row changing bucket is written whole: read the columns it keeps.
      Row full;
      store_.load(t, p.row, full);
      for (uint16_t col = 0; col < t.columns.size(); ++col)
        if (!(changed & bit(col))) row.values[col] = std::move(full.values[col]);
    }
    row.exists = true;
    row.bucket = p.bucket;
    row.seq = std::max(row.seq, p.seq);
    // An existing row rewrites only what changed, so an update leaves the
    // indexes on its other columns alone.
    if (existed && !moved) store_.update(t, p.row, row, changed);
    else store_.save(t, p.row, row);
  }
  // A new bucket is read from 0; `since` catches up only when an answer
  // says the paging is complete (see PullRequest).
  auto up = db_.prepare(
      "INSERT INTO _cursors VALUES (?1, ?2, CASE WHEN ?3 THEN ?2 ELSE 0 END) ON CONFLICT (bucket) DO UPDATE SET "
      "seq = max(seq, excluded.seq), since = CASE WHEN ?3 THEN max(since, excluded.seq) ELSE since END");
  for (const auto& [bucket, seq] : answer.cursors) up.bind(1, bucket).bind(2, seq).bind(3, int64_t{!answer.more}).run();
  for (const auto& bucket : answer.evict) evict(bucket);
  if (!answer.more && (sweep_needed_ || !answer.evict.empty())) sweep();
  txn.commit();
  return true;
}

int64_t Replica::pending_count() { return db_.query_int("SELECT count(*) FROM _outbox WHERE state = 'pending'"); }

bool Replica::dismiss(const std::string& patch_id) {
  db_.prepare("DELETE FROM _outbox WHERE id = ? AND state != 'pending'").bind(1, patch_id).run();
  return db_.changes() > 0;
}

std::vector<OutboxEntry> Replica::problems() {
  std::vector<OutboxEntry> out;
  auto s = db_.prepare(
      "SELECT n, id, tbl, row_id, body, batch, state, code, reason FROM _outbox WHERE state != 'pending' ORDER BY n");
  while (s.step()) {
    out.push_back({s.int64(0), std::string(s.text(1)), std::string(s.text(2)), std::string(s.text(3)),
                   body_at(s, 4), std::string(s.text(5)), std::string(s.text(6)), std::string(s.text(7)),
                   std::string(s.text(8))});
  }
  return out;
}

}  // namespace gw::sync
