// ServerEngine's pulls (DESIGN §4): a page of every bucket the caller may
// read, in cursor order; grid pages shared among readers through PageCache.
#include <algorithm>
#include <unordered_set>

#include "shared/tuning.hpp"
#include "shared/workflow.hpp"
#include "sync/server/case_rules.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::sync {

// One patch per distinct write among the row's columns newer than `since`,
// less the `hidden` columns.
void ServerEngine::emit_row(const std::vector<uint16_t>& hidden, const TableSpec& t, std::string_view row_id,
                            const Row& row, const std::string& bucket, int64_t since, std::vector<Patch>& out) {
  std::vector<bool> done(t.columns.size(), false);
  for (uint16_t c : hidden) done[c] = true;
  for (uint16_t c = 0; c < t.columns.size(); ++c) {
    const auto& clk = row.clocks[c];
    if (done[c] || clk.seq <= since || clk.hlc == 0) continue;
    Patch p;
    p.table = &t;
    p.row = std::string(row_id);
    p.hlc = clk.hlc;
    p.origin = store_.origin_name(clk.origin);
    p.cycle = clk.cycle;
    p.bucket = bucket;
    for (uint16_t k = c; k < t.columns.size(); ++k) {
      const auto& o = row.clocks[k];
      if (done[k] || o.seq <= since || o.hlc != clk.hlc || o.origin != clk.origin || o.cycle != clk.cycle) continue;
      done[k] = true;
      p.set.push_back({k, row.values[k]});
      p.seq = std::max(p.seq, o.seq);
    }
    out.push_back(std::move(p));
  }
}

void ServerEngine::emit_row(const UserInfo& u, const TableSpec& t, std::string_view row_id, const Row& row,
                            const std::string& bucket, int64_t since, std::vector<Patch>& out) {
  emit_row(hidden_columns(u, t, row, store_), t, row_id, row, bucket, since, out);
}

// Grids new to a device (a takeover, a new assignment) come before the
// catch-up of the rest, and their open cases, most severe and soonest due
// first, lead the first page: a cadre taking a grid over at 2 a.m. sees what
// is burning while its households still stream in. They come again later in
// sequence order, which the device skips (same seq), so paging stays exact.
int64_t ServerEngine::urgent_first(const UserInfo& u, const std::vector<std::string>& fresh, int64_t budget,
                                   std::vector<Patch>& out) {
  if (fresh.empty() || budget <= 0) return 0;
  const TableSpec& t = *find_table("cases");
  std::string sql = "SELECT id FROM cases WHERE status IN " + std::string(kOpenCaseStatusesSql) +
                    " AND coalesce(deleted, 0) <> 1 AND grid_id IN (" + bind_list(fresh.size()) +
                    ") ORDER BY CASE severity WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, "
                    "due_at LIMIT ?";
  auto s = db_.prepare(sql);
  int i = 1;
  for (const auto& b : fresh) s.bind(i++, std::string_view(b).substr(5));  // "grid:<id>"
  s.bind(i, budget);
  int64_t rows = 0;
  Row row;
  while (s.step()) {
    if (!store_.load(t, s.text(0), row)) continue;
    emit_row(u, t, s.text(0), row, row.bucket, 0, out);
    ++rows;
  }
  return rows;
}

// Up to `budget` rows of `bucket` after `cursor`, as patches in `out`; the
// cursor moves to the last row's seq. Returns the rows taken; `more` is set
// when the bucket holds rows past them.
int64_t ServerEngine::page_bucket(const UserInfo& u, const std::string& bucket, int64_t& cursor, int64_t since,
                                  int64_t budget, std::vector<Patch>& out, bool& more) {
  auto& changes = pull_q_.changes;
  changes.bind(1, bucket).bind(2, cursor).bind(3, budget + 1);
  int64_t rows = 0;
  Row row;
  while (changes.step()) {
    if (rows == budget) {
      more = true;
      break;
    }
    ++rows;
    const TableSpec& t = all_tables()[static_cast<size_t>(changes.int64(1))];
    if (store_.load(t, changes.text(2), row)) emit_row(u, t, changes.text(2), row, bucket, since, out);
    cursor = changes.int64(0);
  }
  changes.reset();
  return rows;
}

// A grid bucket's page for readers who see what `u` sees, encoded. Rows
// with hidden columns are named in `guarded`: whether another reader sees
// them the same may depend on who it is (a confidential case's reporter).
std::shared_ptr<EncodedPage> ServerEngine::build_page(const UserInfo& u, const PageKey& key) {
  auto page = std::make_shared<EncodedPage>();
  auto& changes = pull_q_.changes;
  changes.bind(1, key.bucket).bind(2, key.cursor).bind(3, key.limit + 1);
  std::vector<Patch> patches;
  size_t count = 0;
  Row row;
  while (changes.step()) {
    if (static_cast<int64_t>(page->rows.size()) == key.limit) {
      page->more = true;
      break;
    }
    auto tbl = static_cast<size_t>(changes.int64(1));
    const TableSpec& t = all_tables()[tbl];
    if (store_.load(t, changes.text(2), row)) {
      auto hidden = hidden_columns(u, t, row, store_);
      if (!hidden.empty()) page->guarded.push_back({tbl, std::string(changes.text(2))});
      patches.clear();
      emit_row(hidden, t, changes.text(2), row, key.bucket, key.since, patches);
      for (const auto& p : patches) {
        if (count++) page->json += ',';
        encode_patch(p, page->json);
      }
    }
    page->rows.push_back({page->json.size(), count, changes.int64(0)});
  }
  changes.reset();
  return page;
}

// Whether `u` reads every guarded row of a page built for `anyone` alike.
bool ServerEngine::reads_alike(const UserInfo& u, const UserInfo& anyone, const EncodedPage& page) {
  Row row;
  for (const auto& [tbl, id] : page.guarded) {
    const TableSpec& t = all_tables()[tbl];
    if (store_.load(t, id, row) && hidden_columns(u, t, row, store_) != hidden_columns(anyone, t, row, store_))
      return false;
  }
  return true;
}

// The grid page for `key` as `u` reads it: another reader's when one was
// built for the same rows, built for anyone of `u`'s roles and kept
// otherwise; built for `u` alone when `u` reads a guarded row differently.
std::shared_ptr<const EncodedPage> ServerEngine::shared_page(const UserInfo& u, const PageKey& key) {
  UserInfo anyone = u;
  anyone.id.clear();
  auto page = pages_->take(key);
  if (page && !page->rows.empty()) {
    // A row moved out of the bucket since the page was built leaves the
    // head where it was, but not the count of the page's range.
    auto& count = pull_q_.count;
    count.bind(1, key.bucket).bind(2, key.cursor).bind(3, page->rows.back().seq);
    bool intact = count.step() && count.int64(0) == static_cast<int64_t>(page->rows.size());
    count.reset();
    if (!intact) page = nullptr;
  }
  if (!page) {
    try {
      page = build_page(anyone, key);
    } catch (...) {
      pages_->abandon(key);  // or those waiting for it would wait in vain
      throw;
    }
    pages_->put(key, page);
  }
  return reads_alike(u, anyone, *page) ? page : build_page(u, key);
}

int64_t ServerEngine::bucket_head(const std::string& bucket) {
  auto& head = pull_q_.head;
  head.bind(1, bucket);
  int64_t seq = head.step() ? head.int64(0) : 0;
  head.reset();
  return seq;
}

Result<PullAnswer> ServerEngine::pull(const Principal& who, const Json& body) {
  auto req = decode_pull_request(body);
  if (!req) return req.error();
  return pull(who, *req);
}

void ServerEngine::pull_ahead(const Principal& who, const PullRequest& req, const PullAnswer& answer) noexcept {
  if (!pages_ || !answer.more || answer.restart) return;
  try {
    (void)pull(who, next_pull_request(req, answer));
  } catch (...) {  // a hint that failed: the device's own request builds the page
  }
}

Result<PullAnswer> ServerEngine::pull(const Principal& who, const PullRequest& req) {
  auto user = directory_.user(who.user_id);
  if (!user) return Error{Code::unauthorized, "unknown user"};
  if (user->disabled) return Error{Code::forbidden, "user " + user->username + " is disabled"};
  try {
    // One snapshot for the whole answer: scopes, rows and cursors agree even
    // while the writer commits on another connection.
    ReadSnapshot snapshot(db_);
    PullAnswer answer;
    answer.basis = req.basis;
    if ((answer.restart = restart_for(req.epoch, who.device_id))) {
      answer.epoch = answer.restart->epoch;
      answer.server_hlc = clock_.now();
      return answer;
    }
    answer.epoch = epoch();
    auto buckets = directory_.readable_buckets(*user);
    std::unordered_set<std::string> allowed(buckets.begin(), buckets.end());
    for (const auto& [bucket, seq] : req.cursors)
      if (!allowed.count(bucket)) answer.evict.push_back(bucket);
    // user: and global first (they say what the device holds), then grids
    // the device has not begun, then the rest. A bucket no answer has named
    // yet (absent from the cursors) is new: its urgent cases lead, once.
    auto begun = [&](const std::string& b) {
      auto it = req.cursors.find(b);
      return it != req.cursors.end() && it->second > 0;
    };
    std::vector<std::string> fresh;
    for (const auto& b : buckets)
      if (b.starts_with("grid:") && !req.cursors.count(b)) fresh.push_back(b);
    std::stable_partition(buckets.begin(), buckets.end(),
                          [&](const std::string& b) { return !b.starts_with("grid:") || !begun(b); });

    int64_t budget = req.limit ? req.limit : tuning::kPullPageRows;
    budget -= urgent_first(*user, fresh, budget / 2, answer.patches);
    for (const auto& bucket : buckets) {
      auto it = req.cursors.find(bucket);
      int64_t cursor = it == req.cursors.end() ? 0 : it->second;
      auto since_it = req.since.find(bucket);
      int64_t since = std::min(cursor, since_it == req.since.end() ? cursor : since_it->second);
      if (budget <= 0) {
        answer.more = true;
      } else if (!pages_ || !bucket.starts_with("grid:")) {
        budget -= page_bucket(*user, bucket, cursor, since, budget, answer.patches, answer.more);
      } else if (int64_t head = bucket_head(bucket); head > cursor) {
        PageKey key{bucket, cursor, since, budget, head, user->roles.bits()};
        auto page = shared_page(*user, key);
        if (!page->rows.empty()) {
          answer.encoded.push_back({answer.patches.size(), page->json, page->rows.back().patches, page});
          cursor = page->rows.back().seq;
        }
        answer.more = answer.more || page->more;
        budget -= static_cast<int64_t>(page->rows.size());
      }
      answer.cursors[bucket] = cursor;
    }
    answer.server_hlc = clock_.now();
    return answer;
  } catch (const DbError& e) {
    return Error{Code::io, e.what()};
  }
}

}  // namespace gw::sync
