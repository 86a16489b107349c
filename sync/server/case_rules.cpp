#include "sync/server/case_rules.hpp"

#include "shared/workflow.hpp"
#include "sync/core/mutants.hpp"

namespace gw::sync {
namespace {

// A patch's or a row's column as text, "" when absent or not text.
struct Reader {
  const TableSpec& t;
  const Patch& p;

  const Value* value(std::string_view column) const {
    return p.value_of(static_cast<uint16_t>(t.index_of(column)));
  }
  std::string_view text(std::string_view column) const {
    const Value* v = value(column);
    auto* s = v ? std::get_if<std::string>(v) : nullptr;
    return s ? std::string_view(*s) : std::string_view();
  }
  int64_t integer(std::string_view column) const {
    const Value* v = value(column);
    auto* i = v ? std::get_if<int64_t>(v) : nullptr;
    return i ? *i : 0;
  }
};

Status new_case(const UserInfo& u, const Reader& in) {
  bool caller = in.value("caller_name") || in.value("caller_phone");
  if (auto st = check_new_case(u.roles, in.text("source"), caller); !st) return st;
  if (in.text("status") != "reported")
    return Error{Code::state, "a new case starts as reported, not " + std::string(in.text("status"))};
  if (in.value("last_action") && in.text("last_action") != "report")
    return Error{Code::state, "a new case's first step is 'report'"};
  if (in.value("reporter_id") && in.text("reporter_id") != u.id)
    return Error{Code::forbidden, "a case is reported in its reporter's own name"};
  for (const auto& f : in.p.set) {
    std::string_view c = in.t.columns[f.col].name;
    if (is_case_workflow_column(c) && !case_move_writes("report", c))
      return Error{Code::invalid, "a new case cannot set cases." + std::string(c) + ": its workflow steps set it"};
  }
  return Status::ok();
}

// The move a patch makes. The author saw the held status unless another
// move reached the server in between (the status's base differs); then the
// state merge orders the two, and the move only has to exist for its
// action and target with the author's roles.
Status case_move(const UserInfo& u, const Reader& in, const Row& held) {
  if (testing::mutant(testing::Mutant::case_moves_unchecked)) return Status::ok();
  std::string_view action = in.text("last_action"), to = in.text("status");
  if (action.empty()) return Error{Code::invalid, "a workflow step must name its action (cases.last_action)"};
  if (!in.value("status")) return Error{Code::invalid, "a workflow step sets cases.status"};
  auto col = static_cast<uint16_t>(in.t.index_of("status"));
  auto* held_status = std::get_if<std::string>(&held.values[col]);
  bool saw_held = in.p.base_of(col) == held.clocks[col].hlc;
  CaseStep step{.action = action,
                .note = in.text("status_note"),
                .resolution = in.text("resolution"),
                .route = in.text("route"),
                .score = static_cast<int>(in.integer("score"))};
  Status verdict = Error{Code::state, "no step '" + std::string(action) + "' leads a case to " + std::string(to)};
  if (saw_held) {
    step.from = held_status ? std::string_view(*held_status) : std::string_view();
    const CaseMove* move = find_case_move(action, step.from);
    verdict = check_case_step(u.roles, step);
    if (verdict && move->to != to)
      verdict = Error{Code::state, "'" + std::string(action) + "' takes a " + std::string(step.from) + " case to " +
                                       std::string(move->to) + ", not " + std::string(to)};
  } else {
    for (const auto& m : case_moves()) {
      if (m.action != action || m.to != to) continue;
      step.from = m.from;
      verdict = check_case_step(u.roles, step);
      if (verdict) break;
    }
  }
  if (!verdict) return verdict;
  for (const auto& f : in.p.set) {
    std::string_view c = in.t.columns[f.col].name;
    if (is_case_workflow_column(c) && !case_move_writes(action, c))
      return Error{Code::invalid, "'" + std::string(action) + "' does not set cases." + std::string(c)};
  }
  return Status::ok();
}

// A case_log row records a step: it must be a step the actor may take,
// written in the actor's own name. Its fields beyond the reason live on the
// case and were judged there.
Status log_entry(const UserInfo& u, const Reader& in) {
  if (in.text("actor_id") != u.id) return Error{Code::forbidden, "a case_log row is written in its actor's own name"};
  std::string_view action = in.text("action"), from = in.text("from_status"), to = in.text("to_status");
  const CaseMove* move = find_case_move(action, from);
  if (!move || move->to != to)
    return Error{Code::state, "no step '" + std::string(action) + "' leads a case from " +
                                  (from.empty() ? std::string("new") : std::string(from)) + " to " + std::string(to)};
  CaseStep step{.action = action, .from = from, .note = in.text("note"), .resolution = in.text("note"),
                .route = "grid", .score = 1};  // route and score are checked on the case itself
  return check_case_step(u.roles, step);
}

}  // namespace

Status check_case_patch(const UserInfo& u, const Patch& p, const Row& held) {
  const TableSpec& t = *p.table;
  Reader in{t, p};
  if (t.name == "case_log") return held.exists ? Status::ok() : log_entry(u, in);
  if (t.name != "cases") return Status::ok();
  if (!held.exists) return new_case(u, in);
  for (const auto& f : p.set)
    if (is_case_workflow_column(t.columns[f.col].name)) return case_move(u, in, held);
  return Status::ok();
}

std::vector<uint16_t> hidden_columns(const UserInfo& u, const TableSpec& t, const Row& row, RowStore& store) {
  if (t.name == "conflicts") {
    // The grid's workers learn which field is contested, not the values:
    // a held patch may carry what they may not read.
    if (u.roles.has(Role::admin)) return {};
    return {static_cast<uint16_t>(t.index_of("base")), static_cast<uint16_t>(t.index_of("ours")),
            static_cast<uint16_t>(t.index_of("theirs")), static_cast<uint16_t>(t.index_of("value"))};
  }
  if (u.roles.has(Role::supervisor) || (t.name != "cases" && t.name != "case_log")) return {};
  auto at = [&](const TableSpec& s, std::string_view c) { return static_cast<uint16_t>(s.index_of(c)); };
  auto text = [](const Value& v) {
    auto* s = std::get_if<std::string>(&v);
    return s ? std::string_view(*s) : std::string_view();
  };
  const TableSpec& cases = *find_table("cases");
  auto confidential = [&](const Row& c) {
    auto* flag = std::get_if<int64_t>(&c.values[at(cases, "confidential")]);
    return flag && *flag && text(c.values[at(cases, "reporter_id")]) != u.id;
  };
  if (t.name == "cases") {
    if (!confidential(row)) return {};
    return {at(t, "reporter_id"), at(t, "caller_name"), at(t, "caller_phone")};
  }
  if (text(row.values[at(t, "action")]) != "report") return {};
  Row c;
  if (!store.load(cases, std::string(text(row.values[at(t, "case_id")])), c) || !confidential(c)) return {};
  return {at(t, "actor_id")};
}

}  // namespace gw::sync
