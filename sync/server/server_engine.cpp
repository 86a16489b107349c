#include "sync/server/server_engine.hpp"

#include <algorithm>
#include <unordered_set>

#include "shared/codec.hpp"
#include "shared/tuning.hpp"
#include "shared/workflow.hpp"
#include "sync/server/case_rules.hpp"
#include "sync/server/epoch.hpp"
#include "sync/core/merge.hpp"
#include "sync/core/mutants.hpp"

namespace gw::sync {


ServerEngine::ServerEngine(Db& db, Hlc& clock, uint64_t id_seed)
    : db_(db), store_(db), directory_(store_), clock_(clock), ids_(id_seed) {
  Transaction txn(db_);  // servers starting at once on one PostgreSQL: one after the other
  db_.exec_ddl(R"(
    CREATE TABLE IF NOT EXISTS _changes (seq {int} PRIMARY KEY, bucket TEXT NOT NULL, tbl {int} NOT NULL,
                                         row_id TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS _changes_bucket ON _changes (bucket, seq);
    CREATE TABLE IF NOT EXISTS _log (
      n {rowid}, patch_id TEXT UNIQUE NOT NULL, batch TEXT, author TEXT, origin TEXT,
      tbl TEXT, row_id TEXT, hlc {int}, restamped_from {int}, status TEXT NOT NULL, code TEXT,
      reason TEXT, seq {int}, body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS _log_row ON _log (tbl, row_id);
    CREATE TABLE IF NOT EXISTS _batches (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, answer TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS _chain (device TEXT NOT NULL, n {int} NOT NULL, hash {blob} NOT NULL,
      prev {blob} NOT NULL, sig {blob} NOT NULL, patch_id TEXT NOT NULL, body TEXT NOT NULL, at {int} NOT NULL,
      key {blob} NOT NULL, PRIMARY KEY (device, n)) {without_rowid};
    CREATE INDEX IF NOT EXISTS _chain_patch ON _chain (patch_id);
    CREATE TABLE IF NOT EXISTS _seals (device TEXT NOT NULL, sig {blob} NOT NULL, first_n {int} NOT NULL,
      last_n {int} NOT NULL, hashes {blob} NOT NULL, PRIMARY KEY (device, sig)) {without_rowid};
    CREATE INDEX IF NOT EXISTS _seals_place ON _seals (device, first_n);
  )");
  // _seals' key leads its columns: SQLite 3.40.1 (Debian 12) has
  // integrity_check report NOT NULL columns of a WITHOUT ROWID table as
  // NULL when its key comes after them (the crash test's check caught it).
  database_epoch(db_, clock_.wall_ms());
  txn.commit();
  seq_ = db_.query_int("SELECT coalesce(max(seq), 0) FROM _changes");
  // After the DDL above: these use _log and _changes.
  log_q_ = db_.prepare(
      "INSERT INTO _log (patch_id, batch, author, origin, tbl, row_id, hlc, restamped_from, status, code, reason, "
      "seq, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  change_del_q_ = db_.prepare("DELETE FROM _changes WHERE seq = ?");
  change_add_q_ = db_.prepare("INSERT INTO _changes (seq, bucket, tbl, row_id) VALUES (?, ?, ?, ?)");
  pull_q_.changes = db_.prepare("SELECT seq, tbl, row_id FROM _changes WHERE bucket = ? AND seq > ? ORDER BY seq LIMIT ?");
  pull_q_.head = db_.prepare("SELECT max(seq) FROM _changes WHERE bucket = ?");
  pull_q_.count = db_.prepare("SELECT count(*) FROM _changes WHERE bucket = ? AND seq > ? AND seq <= ?");
  pull_q_.epoch = db_.prepare("SELECT value FROM _meta WHERE key = 'epoch'");
  // Three statements a pushed patch: prepared anew each time they were 12%
  // of a push's instructions (callgrind, bench-replicate).
  chain_at_q_ = db_.prepare("SELECT hash FROM _chain WHERE device = ? AND n = ?");
  chain_head_q_ = db_.prepare("SELECT n, hash FROM _chain WHERE device = ? ORDER BY n DESC LIMIT 1");
  chain_add_q_ = db_.prepare(
      "INSERT INTO _chain (device, n, hash, prev, sig, patch_id, body, at, key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  seal_add_q_ = db_.prepare(
      "INSERT INTO _seals (device, first_n, last_n, hashes, sig) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  rules_ = park_rules(*this);
}

const std::vector<std::unique_ptr<ParkRule>>& ServerEngine::rules_of(const TableSpec& t) const {
  static const std::vector<std::unique_ptr<ParkRule>> none;
  auto it = rules_.find(t.name);
  return it == rules_.end() ? none : it->second;
}

std::unique_ptr<Txn> ServerEngine::begin_write() {
  auto txn = std::make_unique<Txn>(store_);
  seq_ = std::max(seq_, db_.query_int("SELECT coalesce(max(seq), 0) FROM _changes"));
  return txn;
}

// ---- write checks ------------------------------------------------------------

Verdict ServerEngine::check(const UserInfo& u, const Patch& p, const Row& row) {
  const TableSpec& t = *p.table;
  if (u.disabled) return {Code::forbidden, "user " + u.username + " is disabled"};
  if (!u.roles.intersects(t.writers))
    return {Code::forbidden, "role " + u.roles.to_string() + " may not write " + std::string(t.name)};
  for (const auto& f : p.set) {
    const auto& c = t.columns[f.col];
    if (!c.writers.empty() && !u.roles.intersects(c.writers))
      return {Code::forbidden, "role " + u.roles.to_string() + " may not write " + std::string(t.name) + "." +
                                   std::string(c.name)};
  }
  if (t.bucket == BucketRule::user && (!u.office() || t.own_rows_only)) {
    // A user's own rows only: the notices addressed to them, and the
    // reveals they made (the office too: nobody records one in another's name).
    std::string bucket = row.exists ? row.bucket : bucket_of(t, p.set);
    if (bucket != "user:" + u.id) return {Code::forbidden, u.username + " may write only their own " + std::string(t.name)};
  }
  if (t.bucket != BucketRule::grid) return {};
  std::string grid = row.exists ? text_or_empty(row.values[static_cast<size_t>(t.bucket_index())])
                                : text_or_empty(*p.value_of(static_cast<uint16_t>(t.bucket_index())));
  if (!directory_.grid_exists(grid)) return {Code::invalid, "unknown grid " + grid};
  switch (directory_.grid_right(u, grid, Hlc::ms_of(p.hlc))) {
    case GridRight::held: return {};
    case GridRight::ended:
      if (testing::mutant(testing::Mutant::grid_ended_merges)) return {};
      return {Code::quarantined, u.username + "'s right to write grid " + grid +
                                     " had ended when this was recorded; kept for review"};
    case GridRight::none:
      if (testing::mutant(testing::Mutant::grid_none_writes)) return {};
      break;
  }
  return {Code::forbidden, u.username + " may not write grid " + grid};
}

// ---- merge -------------------------------------------------------------------

int ServerEngine::merge(const Patch& p, Row& row) {
  const TableSpec& t = *p.table;
  int64_t seq = next_seq();
  int conflicts = 0;
  bool existed = row.exists;
  int64_t old_seq = row.seq;
  if (!existed) row.bucket = bucket_of(t, p.set);
  Row before = row;
  for (const auto& f : p.set) {
    const auto& c = t.columns[f.col];
    auto& clk = row.clocks[f.col];
    auto& held = row.values[f.col];
    WriteStamp cur{clk.hlc, store_.origin_name(clk.origin), clk.cycle, state_rank(held)};
    WriteStamp in{p.hlc, p.origin, p.cycle, state_rank(f.value)};
    // Concurrent writes to contested columns: the writer saw another version
    // than the one held. Opened here, by the server alone, so once.
    if (existed && clk.hlc && held != f.value && is_concurrent(p.base_of(f.col), clk.hlc)) {
      bool open = c.merge == Merge::review ||
                  (c.merge == Merge::state && in.cycle == cur.cycle && incompatible_states(held, f.value));
      if (open) {
        open_conflict(p, before, f.col, c.merge == Merge::review ? "review" : "state", f.value);
        ++conflicts;
      }
    }
    if (supersedes(c.merge, in, cur)) {
      held = f.value;
      clk = ColumnClock{p.hlc, store_.intern(p.origin), p.cycle, seq};
    } else {
      // Lost to a newer value: re-announce the column anyway, so the writer's
      // next pull brings the value that stands.
      clk.seq = seq;
    }
  }
  row.exists = true;
  row.seq = seq;
  store_.save(t, p.row, row);
  touched_.insert(row.bucket);
  if (old_seq) change_del_q_.bind(1, old_seq).run();
  change_add_q_.bind(1, seq)
      .bind(2, row.bucket)
      .bind(3, int64_t{table_index(t)})
      .bind(4, p.row)
      .run();
  for (const auto& rule : rules_of(t)) rule->merged(p, before, row);
  return conflicts;
}

void ServerEngine::write_as_server(const TableSpec& t, const std::string& row_id, const Fields& set) {
  Patch p;
  p.id = ids_.next(clock_.wall_ms());
  p.table = &t;
  p.row = row_id;
  p.hlc = clock_.now();
  p.origin = std::string(kServerOrigin);
  p.set = set;
  Row row;
  if (store_.load(t, row_id, row))
    for (const auto& f : set) p.base.emplace_back(f.col, row.clocks[f.col].hlc);
  merge(p, row);
  log(p, {}, std::string(kServerOrigin), 0, {}, row.seq);
}

void ServerEngine::log(const Patch& p, const std::string& batch, const std::string& author, HlcTime restamped_from,
                       const Verdict& v, int64_t seq, const std::string* text) {
  Stmt& s = log_q_;
  s.reset();  // no binding left over from a failed use: some are bound only conditionally
  const char* status = v.code == Code::ok ? "accepted" : v.code == Code::quarantined ? "quarantined" : "rejected";
  s.bind(1, p.id).bind(2, batch).bind(3, author).bind(4, p.origin).bind(5, p.table->name).bind(6, p.row);
  s.bind(7, p.hlc);
  if (restamped_from) s.bind(8, restamped_from);
  s.bind(9, status);
  if (v.code != Code::ok) s.bind(10, code_name(v.code)).bind(11, v.message);
  if (v.code == Code::ok) s.bind(12, seq);
  if (text) s.bind(13, *text);
  else s.bind(13, encode_patch(p));
  s.run();
}

// ---- push ----------------------------------------------------------------------

std::optional<PushAnswer> ServerEngine::replayed(const std::string& batch, const std::string& user) {
  auto s = db_.prepare("SELECT user_id, answer FROM _batches WHERE id = ?");
  s.bind(1, batch);
  if (!s.step()) return std::nullopt;
  if (s.text(0) != user) return PushAnswer{};  // someone else's batch id: nothing to tell
  auto j = parse_json(s.text(1));
  if (!j) return std::nullopt;
  auto a = decode_push_answer(*j);
  if (!a) return std::nullopt;
  a->server_hlc = clock_.now();
  return std::move(*a);
}

Result<PushAnswer> ServerEngine::push(const Principal& who, Json body, PushMode mode, SignedLinks* signed_links) {
  auto req = decode_push_request(std::move(body));
  if (!req) return req.error();
  auto user = directory_.user(who.user_id);
  if (!user) return Error{Code::unauthorized, "unknown user"};
  try {
    auto txn = begin_write();
    // Sent from cursors of another epoch: the device re-sends what this
    // database lacks and re-reads it first; nothing is merged or refused.
    if (auto restart = restart_for(req->epoch, who.device_id)) {
      PushAnswer answer;
      answer.restart = restart;
      answer.epoch = restart->epoch;
      answer.server_hlc = clock_.now();
      return answer;
    }
    if (auto again = replayed(req->batch, who.user_id)) return std::move(*again);
    push_ = PushContext{};
    push_.author = who.user_id;
    push_.batch = req->batch;
    // A sealed push that did not come through the HTTP front (the loopback):
    // its seal checked here, once, as the front does.
    SignedLinks sealed_here;
    if (!signed_links && keys_ && !req->seal.empty()) {
      if (auto key = keys_(who.device_id)) {
        sealed_here = check_signatures(req->patches, *key, 1, req->seal);
        signed_links = &sealed_here;
      }
    }
    decided_.clear();
    lost_.clear();
    PushAnswer answer;
    auto seen = db_.prepare("SELECT status, code, reason FROM _log WHERE patch_id = ?");
    for (size_t i = 0; i < req->patches.size(); ++i) {
      auto refuse = [&](const Error& e) {
        const Json* id = req->patches[i].find("id");
        answer.rejected.push_back({id && id->is_string() ? id->as_string() : "#" + std::to_string(i), e.code, e.message});
      };
      // The link first: a patch that fails to decode still holds its place
      // in the chain, so one bad patch never breaks the chain after it.
      auto link = check_link(req->patches[i], who.device_id, signed_links, i);
      if (!link) {
        refuse(link.error());
        continue;
      }
      // The patch, its link checked: decoded, judged, merged and logged.
      // True when its `_log` row holds the link's text.
      auto judge = [&]() -> bool {
        bool decoded = signed_links && i < signed_links->patches.size() && signed_links->patches[i];
        auto take = [&] {  // once: what is taken is no longer there
          Result<Patch> taken = std::move(*signed_links->patches[i]);
          signed_links->patches[i].reset();
          return taken;
        };
        auto p = decoded ? take() : decode_patch(req->patches[i]);
        // Its `_log` text: the link's as sent, when that is the canonical
        // text (sealed), so the link itself need not keep it (keep_link).
        const std::string* log_text = nullptr;
        if (decoded && p && !signed_links->seal.empty() && !signed_links->links[i].text.empty())
          log_text = &signed_links->links[i].text;
        if (!p) {
          refuse(p.error());
          return false;
        }
        // A patch seen before (in another batch): the same answer, nothing applied again.
        seen.bind(1, p->id);
        if (seen.step()) {
          if (seen.text(0) == "accepted") answer.accepted.push_back(p->id);
          else answer.rejected.push_back({p->id, code_from_name(seen.text(1)), std::string(seen.text(2))});
          seen.reset();
          return false;
        }
        seen.reset();
        if (*link == LinkOutcome::resent) {  // its place is taken, yet no verdict: it never was judged
          refuse(Error{Code::forbidden, "a resent link whose patch the server does not know"});
          return false;
        }
        if (*link == LinkOutcome::unchained && keys_) {
          refuse(Error{Code::forbidden, "a patch must be a signed link of its device's chain"});
          return false;
        }
        if (p->origin != who.device_id) {
          answer.rejected.push_back({p->id, Code::forbidden, "a device pushes only its own patches"});
          return false;
        }
        HlcTime restamped_from = 0;
        if (Hlc::ms_of(p->hlc) - clock_.wall_ms() > tuning::kMaxClockAheadMs) {
          // A clock far ahead would win every later write: take the server's time.
          restamped_from = p->hlc;
          p->hlc = clock_.now();
          log_text = nullptr;  // its text is of the time it came with
        } else {
          (void)clock_.fold(p->hlc, tuning::kMaxClockAheadMs);
        }
        Row row;
        store_.load(*p->table, p->row, row);
        Verdict v;
        if (!row.exists) {
          if (auto st = check_required(*p->table, p->set); !st) v = {st.error().code, st.error().message};
        } else {
          for (const auto& f : p->set) {
            const auto& c = p->table->columns[f.col];
            if (c.merge == Merge::immutable && row.values[f.col] != f.value) {
              v = {Code::immutable, std::string(p->table->name) + "." + std::string(c.name) + " cannot change once set"};
              break;
            }
          }
        }
        if (v.code == Code::ok && mode == PushMode::hold)
          v = {Code::quarantined, "sent from a device that was revoked: kept for an admin's review, not merged"};
        if (v.code == Code::ok) v = check(*user, *p, row);
        for (const auto& rule : rules_of(*p->table))
          if (v.code == Code::ok) v = rule->check(*user, *p, row);
        if (v.code == Code::quarantined) {
          quarantine(*p, row, v.message);
          ++answer.conflicts;
        }
        if (v.code == Code::ok) {
          answer.conflicts += merge(*p, row);
          answer.accepted.push_back(p->id);
        } else {
          answer.rejected.push_back({p->id, v.code, v.message});
        }
        log(*p, req->batch, who.user_id, restamped_from, v, row.seq, log_text);
        return log_text != nullptr;
      };
      bool text_in_log = judge();
      if (*link == LinkOutcome::fresh) keep_link(text_in_log);
    }
    write_decisions();
    send_decision_notices();
    // Every link past the chain's end: the batch overtook the one before it
    // (protocol 4) or that one never came. Nothing was taken, and the answer
    // is not kept, so the batch is judged when it comes again in its turn.
    if (push_.gaps && push_.gaps == req->patches.size()) answer.gap = push_.head_n + 1;
    push_ = PushContext{};
    answer.server_hlc = clock_.now();
    answer.epoch = epoch();
    if (!answer.gap)
      db_.prepare("INSERT INTO _batches (id, user_id, answer) VALUES (?, ?, ?)")
          .bind(1, req->batch)
          .bind(2, who.user_id)
          .bind(3, encode(answer))
          .run();
    txn->commit();
    return answer;
  } catch (const DbError& e) {
    // Rolled back (by SQLite itself on a full disk): what was kept in
    // memory of this push goes with it — its numbers, its buckets to wake.
    push_ = PushContext{};
    decided_.clear();
    lost_.clear();
    touched_.clear();
    seq_ = db_.query_int("SELECT coalesce(max(seq), 0) FROM _changes");
    return Error{Code::io, e.what()};
  }
}

}  // namespace gw::sync
