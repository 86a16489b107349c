#include "sync/sim/checker.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "shared/codec.hpp"
#include "shared/tuning.hpp"
#include "sync/server/case_rules.hpp"
#include "sync/core/merge.hpp"

namespace gw::sync::sim {

void Checker::add_device(std::string name, std::string user_id, Replica& replica, std::vector<std::string> patches) {
  devices_.push_back({std::move(name), std::move(user_id), &replica, std::move(patches)});
}

void Checker::fail(std::string what) {
  if (failures_.size() < 30) failures_.push_back(std::move(what));
}

std::vector<std::string> Checker::run() {
  for (const auto& d : devices_) {
    check_device(d);
    check_log(d);
  }
  check_review_conflicts();
  check_quarantine();
  check_replay();
  check_write_rules();
  check_photo_quota();
  check_tracks();
  return failures_;
}

void compare_rows(RowStore& a, const char* a_name, RowStore& b, const char* b_name, const TableSpec& t,
                  const std::vector<std::string>& ids, bool clocks, std::vector<std::string>& out, size_t max,
                  const std::function<std::vector<uint16_t>(const Row&)>& hidden) {
  Row ra, rb;
  for (const auto& id : ids) {
    if (out.size() >= max) return;
    bool ha = a.load(t, id, ra), hb = b.load(t, id, rb);
    std::string where = std::string(t.name) + " " + id;
    if (ha != hb) {
      out.push_back(where + ": " + (ha ? a_name : b_name) + " has it, " + (ha ? b_name : a_name) + " does not");
      continue;
    }
    // Columns `b` may not read (a's row decides): not compared.
    std::vector<uint16_t> skip = ha && hidden ? hidden(ra) : std::vector<uint16_t>{};
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (std::find(skip.begin(), skip.end(), c) != skip.end()) continue;
      bool same = ra.values[c] == rb.values[c];
      if (clocks)
        same = same && ra.clocks[c].hlc == rb.clocks[c].hlc &&
               a.origin_name(ra.clocks[c].origin) == b.origin_name(rb.clocks[c].origin);
      if (!same) {
        out.push_back(where + "." + std::string(t.columns[c].name) + ": " + a_name + " '" +
                      value_to_string(ra.values[c]) + "' @" + std::to_string(ra.clocks[c].hlc) + ", " + b_name + " '" +
                      value_to_string(rb.values[c]) + "' @" + std::to_string(rb.clocks[c].hlc));
        break;
      }
    }
  }
}

void Checker::check_device(const DeviceRef& d) {
  auto user = server_.directory().user(d.user_id);
  if (!user) return fail(d.name + ": user unknown to the server");
  auto buckets = server_.directory().readable_buckets(*user);
  std::set<std::string> want(buckets.begin(), buckets.end());
  std::set<std::string> have;
  for (const auto& [b, seq] : d.replica->cursors()) have.insert(b);
  if (want != have)
    fail(d.name + ": holds cursors for " + std::to_string(have.size()) + " buckets, may read " +
         std::to_string(want.size()));
  if (d.replica->pending_count() != 0) fail(d.name + ": still has unsynced patches after healing");

  auto& dev = d.replica->store();
  auto& srv = server_.store();
  for (const auto& t : all_tables()) {
    // Rows the device holds must be in buckets it may read...
    auto rows = dev.db().prepare("SELECT id, _bucket FROM " + std::string(t.name));
    std::set<std::string> dev_ids;
    while (rows.step()) {
      std::string bucket(rows.text(1));
      if (!want.count(bucket))
        fail(d.name + ": holds " + std::string(t.name) + " " + std::string(rows.text(0)) + " of bucket " + bucket +
             " it may not read");
      dev_ids.emplace(rows.text(0));
    }
    // ...and every server row of those buckets must be there, equal.
    std::vector<std::string> ids;
    auto srows = srv.db().prepare("SELECT id, _bucket FROM " + std::string(t.name) + " ORDER BY id");
    while (srows.step())
      if (want.count(std::string(srows.text(1)))) ids.emplace_back(srows.text(0));
    for (const auto& id : dev_ids)
      if (!std::binary_search(ids.begin(), ids.end(), id)) ids.push_back(id);
    std::vector<std::string> diffs;
    compare_rows(srv, "server", dev, d.name.c_str(), t, ids, true, diffs, 5,
                 [&](const Row& r) { return hidden_columns(*user, t, r, srv); });
    for (auto& x : diffs) fail(d.name + ": " + x);
  }
}

void Checker::check_log(const DeviceRef& d) {
  std::map<std::string, std::string> refused;  // patch id -> rejected | quarantined
  for (const auto& e : d.replica->problems()) refused[e.id] = e.state;
  auto q = server_.store().db().prepare("SELECT count(*), max(status) FROM _log WHERE patch_id = ?");
  for (const auto& id : d.patches) {
    q.bind(1, id);
    q.step();
    int64_t n = q.int64(0);
    std::string status(q.text(1));
    q.reset();
    if (n != 1) {
      fail(d.name + ": patch " + id + " is in the server's log " + std::to_string(n) + " times");
      continue;
    }
    auto it = refused.find(id);
    std::string expect = it == refused.end() ? "accepted" : it->second;
    if (status != expect) fail(d.name + ": patch " + id + " is " + status + " on the server, " + expect + " on the device");
  }
}

void Checker::check_review_conflicts() {
  // Re-derive, from the log alone, which writes to review columns were
  // concurrent when they were merged; each must have opened exactly one
  // conflict. In merge order, which is seq order, not arrival (n) order: a
  // quarantined patch an admin accepts merges at the decision, long after
  // its log row was written (seed 63958).
  struct Held {
    Value value;
    HlcTime hlc = 0;
    std::string origin;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Held> held;
  std::map<std::tuple<std::string, std::string, std::string>, int> expected;
  auto& db = server_.store().db();
  auto log = db.prepare("SELECT body FROM _log WHERE status = 'accepted' ORDER BY seq");
  while (log.step()) {
    auto j = parse_json(log.text(0));
    if (!j) continue;
    auto p = decode_patch(*j);
    if (!p) continue;
    for (const auto& f : p->set) {
      const auto& c = p->table->columns[f.col];
      auto key = std::make_tuple(std::string(p->table->name), p->row, std::string(c.name));
      auto& h = held[key];
      if (c.merge == Merge::review && h.hlc && h.value != f.value && p->base_of(f.col) != h.hlc) ++expected[key];
      if (supersedes(c.merge, WriteStamp{p->hlc, p->origin}, WriteStamp{h.hlc, h.origin})) {
        h.value = f.value;
        h.hlc = p->hlc;
        h.origin = p->origin;
      }
    }
  }
  std::map<std::tuple<std::string, std::string, std::string>, int> opened;
  auto c = db.prepare("SELECT tbl, row_id, col, author_id, theirs FROM conflicts WHERE kind = 'review'");
  // Who brought `theirs` is who pushed the write the log holds for it.
  auto by = db.prepare("SELECT author FROM _log WHERE tbl = ? AND row_id = ? AND hlc = ? AND origin = ? "
                       "AND status = 'accepted'");
  while (c.step()) {
    ++opened[{std::string(c.text(0)), std::string(c.text(1)), std::string(c.text(2))}];
    auto theirs = parse_json(c.text(4));
    const Json* hlc = theirs ? theirs->find("hlc") : nullptr;
    const Json* origin = theirs ? theirs->find("origin") : nullptr;
    if (!hlc || !hlc->is_int() || !origin || !origin->is_string()) {
      fail("review conflict on " + std::string(c.text(1)) + " names no write as theirs");
      continue;
    }
    by.bind(1, c.text(0)).bind(2, c.text(1)).bind(3, hlc->as_int()).bind(4, origin->as_string());
    std::string author = by.step() ? std::string(by.text(0)) : std::string("(none)");
    by.reset();
    if (author == "server") author.clear();
    if (author != c.text(3))
      fail("review conflict on " + std::string(c.text(1)) + "." + std::string(c.text(2)) + " names " +
           std::string(c.text(3)) + " as the author of theirs, the log " + author);
  }
  if (opened != expected) {
    int shown = 0;
    for (const auto& [k, n] : expected)
      if (opened[k] != n && shown++ < 5)
        fail("review conflicts on " + std::get<0>(k) + " " + std::get<1>(k) + "." + std::get<2>(k) + ": " +
             std::to_string(n) + " concurrent writes, " + std::to_string(opened[k]) + " conflicts");
    for (const auto& [k, n] : opened)
      if (!expected.count(k) && shown++ < 5)
        fail("review conflict without a concurrent write on " + std::get<0>(k) + " " + std::get<1>(k));
  }
}

void Checker::check_quarantine() {
  auto& db = server_.store().db();
  auto q = db.prepare("SELECT patch_id FROM _log WHERE status = 'quarantined'");
  auto c = db.prepare("SELECT count(*) FROM conflicts WHERE kind = 'quarantine' AND instr(theirs, ?) > 0");
  while (q.step()) {
    c.bind(1, std::string(q.text(0)));
    c.step();
    if (c.int64(0) != 1) fail("quarantined patch " + std::string(q.text(0)) + " has " + std::to_string(c.int64(0)) + " conflict rows");
    c.reset();
  }
}

void replay_merge(RowStore& store, const Patch& p, Row& row) {
  const TableSpec& t = *p.table;
  store.load(t, p.row, row);
  for (const auto& f : p.set) {
    auto& clk = row.clocks[f.col];
    WriteStamp cur{clk.hlc, store.origin_name(clk.origin), clk.cycle, state_rank(row.values[f.col])};
    WriteStamp in{p.hlc, p.origin, p.cycle, state_rank(f.value)};
    if (supersedes(t.columns[f.col].merge, in, cur)) {
      row.values[f.col] = f.value;
      clk = ColumnClock{p.hlc, store.intern(p.origin), p.cycle, 0};
    }
  }
  row.exists = true;
  store.save(t, p.row, row);
}

// However devices raced offline, no record carries more photos than the
// park allows (AttachmentRule): the server counts under its one writer.
void Checker::check_photo_quota() {
  auto q = server_.store().db().prepare(
      "SELECT record_id, count(*) FROM attachments WHERE coalesce(deleted, 0) = 0 GROUP BY record_id "
      "HAVING count(*) > ?");
  q.bind(1, int64_t{tuning::kPhotosPerRecord});
  while (q.step())
    fail("record " + std::string(q.text(0)) + " carries " + std::to_string(q.int64(1)) + " photos, over the " +
         std::to_string(tuning::kPhotosPerRecord) + " allowed");
}

// A patrol's track: each worker's segment number once, in its patrol's
// grid (park_rules.cpp TrackRule).
void Checker::check_tracks() {
  auto q = server_.store().db().prepare(
      "SELECT t.patrol_id, t.worker_id, t.seq, count(*), max(p.grid_id IS NULL OR t.grid_id != p.grid_id) "
      "FROM tracks t LEFT JOIN patrols p ON p.id = t.patrol_id GROUP BY t.patrol_id, t.worker_id, t.seq");
  while (q.step()) {
    std::string segment = "patrol " + std::string(q.text(0)) + " segment " + std::to_string(q.int64(2)) + " of " +
                          std::string(q.text(1));
    if (q.int64(3) > 1) fail(segment + " is held " + std::to_string(q.int64(3)) + " times");
    if (q.int64(4) != 0) fail(segment + " is not in its patrol's grid, or its patrol is missing");
  }
}

void Checker::check_replay() {
  // Merge every accepted patch again, in a shuffled order, into an empty store.
  std::vector<Patch> patches;
  auto& db = server_.store().db();
  auto log = db.prepare("SELECT body FROM _log WHERE status = 'accepted'");
  while (log.step()) {
    auto j = parse_json(log.text(0));
    auto p = j ? decode_patch(*j) : Result<Patch>(j.error());
    if (!p) return fail("log entry does not decode: " + p.error().message);
    patches.push_back(std::move(*p));
  }
  uint64_t s = seed_ | 1;
  for (size_t i = patches.size(); i > 1; --i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    std::swap(patches[i - 1], patches[s % i]);
  }
  SqliteDb replay_db(":memory:");
  RowStore replay(replay_db);
  Txn txn(replay);
  Row row;
  for (const auto& p : patches) replay_merge(replay, p, row);
  txn.commit();
  for (const auto& t : all_tables()) {
    auto ids = server_.store().ids(t);
    auto more = replay.ids(t);
    ids.insert(ids.end(), more.begin(), more.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<std::string> diffs;
    compare_rows(server_.store(), "server", replay, "replay", t, ids, true, diffs);
    for (auto& x : diffs) fail("merge is order-dependent: " + x);
  }
}

}  // namespace gw::sync::sim
