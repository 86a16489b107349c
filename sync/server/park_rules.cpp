// The park's rules (DESIGN §5, §6, §7) as the engine calls them: each class
// says which check and which effects a table has; the work itself stays
// where it is written (case_rules.cpp, engine_services.cpp,
// engine_conflicts.cpp).
#include "sync/server/park_rules.hpp"

#include "shared/tuning.hpp"
#include "sync/server/case_rules.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::sync {

namespace {

const Value& col(const TableSpec& t, const Row& r, std::string_view name) {
  return r.values[static_cast<size_t>(t.index_of(name))];
}

// A text column as the patch sets it, "" when it does not.
std::string patch_text(const Patch& p, std::string_view column) {
  const Value* v = p.value_of(static_cast<uint16_t>(p.table->index_of(column)));
  return v ? text_or_empty(*v) : std::string();
}

}  // namespace

// Cases and their log: every step judged by the workflow's move table; a
// case routed to a department gives its cadres the grid.
class CaseWorkflowRule final : public ParkRule {
 public:
  explicit CaseWorkflowRule(ServerEngine& e) : e_(e) {}
  Verdict check(const UserInfo& u, const Patch& p, const Row& held) override {
    if (auto st = check_case_patch(u, p, held); !st) return {st.error().code, st.error().message};
    return {};
  }
  void merged(const Patch& p, const Row& before, const Row& after) override {
    const TableSpec& t = *p.table;
    if (t.name != "cases") return;
    for (const char* c : {"route", "department_id", "status"})
      if (p.value_of(static_cast<uint16_t>(t.index_of(c)))) return e_.route_case(before, after);
  }

 private:
  ServerEngine& e_;
};

// A takeover (战时接管): a new one judged first (one unit grid, no other
// running); started, it hands the grid to the department; ended, back.
class TakeoverRule final : public ParkRule {
 public:
  explicit TakeoverRule(ServerEngine& e) : e_(e) {}
  Verdict check(const UserInfo&, const Patch& p, const Row& held) override {
    return held.exists ? Verdict{} : e_.check_new_takeover(p);
  }
  void merged(const Patch& p, const Row& before, const Row& after) override {
    const TableSpec& t = *p.table;
    bool ended_before = !is_null(col(t, before, "ended_at"));
    bool ended_now = !is_null(col(t, after, "ended_at"));
    // Started and ended offline before it reached the server: nothing to undo.
    if (!before.exists && !ended_now) e_.start_takeover(p.row, after);
    else if (before.exists && !ended_before && ended_now) e_.end_takeover(p.row, after);
  }

 private:
  ServerEngine& e_;
};

// A supervisor's reassignment moves a write right and fences the grid (the
// server's own assignment rows are its effects already).
class AssignmentRule final : public ParkRule {
 public:
  explicit AssignmentRule(ServerEngine& e) : e_(e) {}
  void merged(const Patch& p, const Row& before, const Row& after) override {
    if (p.origin != kServerOrigin) e_.assignment_changed(p.row, before, after);
  }

 private:
  ServerEngine& e_;
};

// An admin's decision of a conflict: judged against the conflict held, then
// carried out (the decided value written, the losing authors told).
class ConflictDecisionRule final : public ParkRule {
 public:
  explicit ConflictDecisionRule(ServerEngine& e) : e_(e) {}
  Verdict check(const UserInfo& u, const Patch& p, const Row& held) override { return e_.check_decision(u, p, held); }
  void merged(const Patch& p, const Row& before, const Row& after) override {
    if (p.origin != kServerOrigin) e_.conflict_decided(p, before, after);
  }

 private:
  ServerEngine& e_;
};

// An evidence photo (issue 22) is attached by its author to a record the
// server holds, in that record's grid, at most tuning::kPhotosPerRecord a
// record: the row names bytes an upload must then match (DESIGN §14).
class AttachmentRule final : public ParkRule {
 public:
  explicit AttachmentRule(ServerEngine& e) : e_(e) {}
  Verdict check(const UserInfo& u, const Patch& p, const Row& held) override {
    if (held.exists) return {};  // every column but `deleted` is fixed: the general checks judged it
    auto text = [&](const char* c) { return patch_text(p, c); };
    if (text("author_id") != u.id) return {Code::forbidden, "a photo is attached in its author's name only"};
    const TableSpec* record_table = find_table(text("record_table"));
    Row record;
    if (!record_table || !e_.store().load(*record_table, text("record_id"), record) || !record.exists)
      return {Code::not_found, "the record this photo is attached to is not on the server: send the record first"};
    const Value& grid = col(*record_table, record, "grid_id");
    if (text_or_empty(grid) != text("grid_id"))
      return {Code::invalid, "a photo is attached in its record's grid"};
    auto count = e_.store().db().prepare(
        "SELECT count(*) FROM attachments WHERE record_id = ? AND coalesce(deleted, 0) = 0");
    count.bind(1, text("record_id"));
    if (count.step() && count.int64(0) >= tuning::kPhotosPerRecord)
      return {Code::too_large, "a record carries at most " + std::to_string(tuning::kPhotosPerRecord) + " photos"};
    return {};
  }

 private:
  ServerEngine& e_;
};

// A patrol's track segment (issue 23) is recorded by its worker, on a
// patrol the server holds in the same grid (a patrol walked by two shows
// two tracks); each worker's segment number once: a segment resent under a
// new id would draw the walk twice.
class TrackRule final : public ParkRule {
 public:
  explicit TrackRule(ServerEngine& e) : e_(e) {}
  Verdict check(const UserInfo& u, const Patch& p, const Row& held) override {
    if (held.exists) return {};  // every column is fixed
    if (patch_text(p, "worker_id") != u.id) return {Code::forbidden, "a patrol's track is recorded by its worker only"};
    const TableSpec& patrols = *find_table("patrols");
    Row patrol;
    if (!e_.store().load(patrols, patch_text(p, "patrol_id"), patrol) || !patrol.exists)
      return {Code::not_found, "the patrol of this track is not on the server: send the patrol first"};
    if (text_or_empty(col(patrols, patrol, "grid_id")) != patch_text(p, "grid_id"))
      return {Code::invalid, "a track is recorded in its patrol's grid"};
    const Value* seq = p.value_of(static_cast<uint16_t>(p.table->index_of("seq")));
    if (!seq || !std::holds_alternative<int64_t>(*seq)) return {};  // the schema's checks refuse it
    auto same = e_.store().db().prepare("SELECT count(*) FROM tracks WHERE patrol_id = ? AND worker_id = ? AND seq = ?");
    same.bind(1, patch_text(p, "patrol_id"));
    same.bind(2, u.id);
    same.bind(3, std::get<int64_t>(*seq));
    if (same.step() && same.int64(0) > 0) return {Code::invalid, "this segment of the patrol's track is already held"};
    return {};
  }

 private:
  ServerEngine& e_;
};

// A check-in (签到) is its user's own.
class CheckinRule final : public ParkRule {
 public:
  Verdict check(const UserInfo& u, const Patch& p, const Row& held) override {
    if (!held.exists && patch_text(p, "user_id") != u.id) return {Code::forbidden, "a check-in is made in its user's name only"};
    return {};
  }
};

ParkRules park_rules(ServerEngine& engine) {
  ParkRules rules;
  auto add = [&](std::string_view table, std::unique_ptr<ParkRule> rule) {
    rules[std::string(table)].push_back(std::move(rule));
  };
  add("cases", std::make_unique<CaseWorkflowRule>(engine));
  add("case_log", std::make_unique<CaseWorkflowRule>(engine));
  add("takeovers", std::make_unique<TakeoverRule>(engine));
  add("assignments", std::make_unique<AssignmentRule>(engine));
  add("conflicts", std::make_unique<ConflictDecisionRule>(engine));
  add("attachments", std::make_unique<AttachmentRule>(engine));
  add("tracks", std::make_unique<TrackRule>(engine));
  add("checkins", std::make_unique<CheckinRule>());
  return rules;
}

}  // namespace gw::sync
