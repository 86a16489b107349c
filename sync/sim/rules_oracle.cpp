// The write rules, re-derived from the log (Checker::check_write_rules).
//
// Convergence says nothing of what the server let in: a server that takes
// every patch converges too. So the checker judges every patch a device
// pushed again, by its own statement of the rules (DESIGN §4, §5, §6, §8),
// against the server's state as it was when the patch arrived — rebuilt by
// merging the log's accepted patches in merge (seq) order into a store of
// its own — and compares with the verdict the log records. It shares the
// table specs and the workflow's move table with the engine, never the
// engine's checks (ServerEngine::check, Directory, case_rules.cpp): a bug
// there is a disagreement here.
#include <algorithm>
#include <set>

#include "shared/codec.hpp"
#include "shared/workflow.hpp"
#include "sync/core/merge.hpp"
#include "sync/sim/checker.hpp"

namespace gw::sync::sim {

namespace {

// What the rules say of a patch at its arrival.
enum class Due {
  merge,   // within the rules
  hold,    // the author's right to the grid had ended: quarantined for review
  refuse,  // against the rules
};

const char* due_name(Due d) { return d == Due::merge ? "merged" : d == Due::hold ? "quarantined" : "refused"; }

// The server's state at a point of its log: the accepted patches up to it,
// each merged by the column's rule.
class LogState {
 public:
  LogState() : db_(":memory:"), store_(db_) {}

  void merge(const Patch& p) { replay_merge(store_, p, scratch_); }

  bool row(const TableSpec& t, const std::string& id, Row& out) { return store_.load(t, id, out); }

  struct Who {
    bool known = false;
    RoleSet roles;
    bool disabled = false;
    bool office() const { return roles.has(Role::supervisor) || roles.has(Role::admin); }
  };

  Who user(const std::string& id) {
    const TableSpec& t = *find_table("users");
    Row r;
    Who w;
    if (!store_.load(t, id, r)) return w;
    w.known = true;
    w.roles = RoleSet::parse(text(t, r, "roles")).value_or(RoleSet{});
    w.disabled = integer(t, r, "disabled", 0) || integer(t, r, "deleted", 0);
    return w;
  }

  // DESIGN §6: a right to a grid is an assignment to it or to a grid above
  // it, from `from_at` until `to_at` — or, deactivated with no end, until
  // `active` was cleared. The office holds every grid.
  Due right(const Who& w, const std::string& user_id, const std::string& grid, int64_t at_ms) {
    if (w.office()) return Due::merge;
    std::set<std::string> above;
    const TableSpec& g = *find_table("grids");
    Row r;
    for (std::string id = grid; !id.empty() && above.size() < 16 && above.insert(id).second;)
      id = store_.load(g, id, r) ? text(g, r, "parent_id") : std::string();
    const TableSpec& a = *find_table("assignments");
    auto q = db_.prepare("SELECT id FROM assignments WHERE user_id = ?");
    q.bind(1, user_id);
    Due best = Due::refuse;
    while (q.step()) {
      if (!store_.load(a, std::string(q.text(0)), r) || integer(a, r, "deleted", 0)) continue;
      if (!above.count(text(a, r, "grid_id"))) continue;
      int64_t from = integer(a, r, "from_at", 0), to = integer(a, r, "to_at", INT64_MAX);
      if (!integer(a, r, "active", 0) && to == INT64_MAX)
        to = Hlc::ms_of(r.clocks[static_cast<size_t>(a.index_of("active"))].hlc);
      if (at_ms >= from && at_ms < to) return Due::merge;
      if (at_ms >= to) best = Due::hold;
    }
    return best;
  }

  static std::string text(const TableSpec& t, const Row& r, std::string_view c) {
    return text_or_empty(r.values[static_cast<size_t>(t.index_of(c))]);
  }
  static int64_t integer(const TableSpec& t, const Row& r, std::string_view c, int64_t fallback) {
    auto* i = std::get_if<int64_t>(&r.values[static_cast<size_t>(t.index_of(c))]);
    return i ? *i : fallback;
  }

 private:
  SqliteDb db_;
  RowStore store_;
  Row scratch_;
};

// Roles, columns, own rows and grids (DESIGN §4, §8). `why` says which rule.
Due judge(LogState& state, const std::string& author, const Patch& p, std::string& why) {
  const TableSpec& t = *p.table;
  auto refuse = [&](std::string because) {
    why = std::move(because);
    return Due::refuse;
  };
  auto who = state.user(author);
  if (!who.known || who.disabled) return refuse("an unknown or disabled user");
  if (!who.roles.intersects(t.writers)) return refuse("a table not the author's roles' to write");
  for (const auto& f : p.set) {
    const auto& c = t.columns[f.col];
    if (!c.writers.empty() && !who.roles.intersects(c.writers))
      return refuse("column " + std::string(c.name) + " not the author's roles' to write");
  }
  Row held;
  bool exists = state.row(t, p.row, held);
  auto bucket_value = [&]() -> std::string {
    if (t.bucket_index() < 0) return {};
    if (exists) return text_or_empty(held.values[static_cast<size_t>(t.bucket_index())]);
    const Value* v = p.value_of(static_cast<uint16_t>(t.bucket_index()));
    return v ? text_or_empty(*v) : std::string();
  };
  if (t.bucket == BucketRule::user && (!who.office() || t.own_rows_only) && bucket_value() != author)
    return refuse("another user's " + std::string(t.name));
  if (t.bucket != BucketRule::grid) return Due::merge;
  Due d = state.right(who, author, bucket_value(), Hlc::ms_of(p.hlc));
  why = d == Due::hold ? "a right to the grid that had ended" : d == Due::refuse ? "a grid never the author's" : "";
  return d;
}

// DESIGN §5: a merged step of the workflow is a move of the table for one of
// the author's roles, from the status the author saw when it saw the one the
// server held; a new case starts as reported. A necessary condition only:
// the engine refuses more (missing reasons, scores, the reporter's own case).
std::string workflow_breach(LogState& state, const std::string& author, const Patch& p) {
  if (p.table->name != "cases") return {};
  const TableSpec& t = *p.table;
  auto status_col = static_cast<uint16_t>(t.index_of("status"));
  const Value* to = p.value_of(status_col);
  if (!to) return {};
  Row held;
  if (!state.row(t, p.row, held))
    return text_or_empty(*to) == "reported" ? std::string() : "a new case that starts as " + text_or_empty(*to);
  const Value* action = p.value_of(static_cast<uint16_t>(t.index_of("last_action")));
  std::string act = action ? text_or_empty(*action) : std::string(), from = text_or_empty(held.values[status_col]);
  bool saw_held = p.base_of(status_col) == held.clocks[status_col].hlc;
  RoleSet roles = state.user(author).roles;
  for (const auto& m : case_moves())
    if (m.action == act && m.to == text_or_empty(*to) && roles.intersects(m.roles) && (!saw_held || m.from == from))
      return {};
  return "step '" + act + "' to " + text_or_empty(*to) + (saw_held ? " from " + from : std::string()) + " by " +
         roles.to_string();
}

}  // namespace

void Checker::check_write_rules() {
  auto& db = server_.store().db();
  std::set<std::string> pushed;
  for (const auto& d : devices_) pushed.insert(d.patches.begin(), d.patches.end());
  // Held patches an admin decided: merged at the decision (the admin's word
  // stands in for the right), or refused on review.
  std::set<std::string> accepted_on_review, refused_on_review;
  auto q = db.prepare("SELECT status, theirs FROM conflicts WHERE kind = 'quarantine' AND status != 'open'");
  while (q.step()) {
    auto j = parse_json(q.text(1));
    const Json* patch = j ? j->find("patch") : nullptr;
    const Json* id = patch ? patch->find("id") : nullptr;
    if (!id || !id->is_string()) continue;
    (q.text(0) == "resolved" ? accepted_on_review : refused_on_review).insert(id->as_string());
  }

  // The log as events: each accepted patch merges at its seq; each pushed
  // patch is judged where it arrived, after every merge logged before it.
  struct Entry {
    Patch patch;
    std::string author, status, code;
    bool merges = false, judged = false;
  };
  std::vector<Entry> entries;
  struct Event {
    double at;  // a merge at its seq, a judgement between two
    bool merge;
    size_t entry;
  };
  std::vector<Event> events;
  int64_t last_seq = 0;
  auto log = db.prepare("SELECT author, status, code, seq, body FROM _log ORDER BY n");
  while (log.step()) {
    auto j = parse_json(log.text(4));
    auto p = j ? decode_patch(*j) : Result<Patch>(j.error());
    if (!p) continue;  // check_replay reports it
    Entry e{std::move(*p), std::string(log.text(0)), std::string(log.text(1)), std::string(log.text(2))};
    bool on_review = accepted_on_review.count(e.patch.id) > 0;
    int64_t seq = log.is_null(3) ? 0 : log.int64(3);
    e.merges = e.status == "accepted";
    e.judged = pushed.count(e.patch.id) > 0;
    size_t i = entries.size();
    if (e.merges) events.push_back({static_cast<double>(seq), true, i});
    // Judged before its own merge; a patch accepted on review arrived held,
    // after what was merged before its log row, not before its late seq.
    if (e.judged) events.push_back({e.merges && !on_review ? seq - 0.5 : last_seq + 0.25, false, i});
    if (e.merges && !on_review) last_seq = std::max(last_seq, seq);
    entries.push_back(std::move(e));
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });

  LogState state;
  for (const auto& ev : events) {
    const Entry& e = entries[ev.entry];
    if (ev.merge) {
      state.merge(e.patch);
      continue;
    }
    std::string why;
    Due due = judge(state, e.author, e.patch, why);
    bool on_review = accepted_on_review.count(e.patch.id) || refused_on_review.count(e.patch.id);
    std::string got = e.status == "accepted" && on_review ? "accepted on review"
                      : e.status == "rejected" && on_review ? "refused on review"
                      : e.status + (e.code.empty() ? "" : " (" + e.code + ")");
    std::string where = std::string(e.patch.table->name) + " " + e.patch.row + " patch " + e.patch.id + ": ";
    bool ok = true;
    if (on_review || e.status == "quarantined") {
      ok = due == Due::hold;  // only a write whose right had ended is held
    } else if (e.status == "accepted") {
      ok = due == Due::merge;
      if (ok)
        if (auto breach = workflow_breach(state, e.author, e.patch); !breach.empty()) {
          ok = false;
          why = "a workflow step the move table has not: " + breach;
          due = Due::refuse;
        }
    } else if (e.code == "forbidden") {
      // Refused by the rules: ours must say so too, except where the engine
      // judges more than this oracle states (the workflow, decisions,
      // takeovers), which only ever refuses more.
      static const std::set<std::string_view> kMore = {"cases", "case_log", "conflicts", "takeovers"};
      ok = due == Due::refuse || (due == Due::merge && kMore.count(e.patch.table->name));
    }
    // Other refusals (invalid, immutable, a missing field, a workflow state)
    // come before or besides the write rules: no claim either way.
    if (!ok) fail("write rules: " + where + got + ", the rules say " + due_name(due) + (why.empty() ? "" : ": " + why));
  }
}

}  // namespace gw::sync::sim
