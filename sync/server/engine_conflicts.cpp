// Conflicts (DESIGN §7): the server opens one when a concurrent write
// reaches a reviewed field, an incompatible workflow move arrives, or a
// patch is quarantined; an admin decides it by writing the `conflicts` row,
// and the server carries the decision out in the same transaction — the
// chosen value written over both sides, a held patch merged, the authors
// whose values lost told what replaced them. Nothing is ever deleted: the
// log keeps every side.
#include <algorithm>
#include <map>
#include <tuple>

#include "shared/codec.hpp"
#include "shared/mask.hpp"
#include "sync/server/case_rules.hpp"
#include "sync/server/server_engine.hpp"

namespace gw::sync {

namespace {

const TableSpec& conflicts_table() { return *find_table("conflicts"); }

std::string text_of(const Row& r, std::string_view column) {
  const TableSpec& ct = conflicts_table();
  return text_or_empty(r.values[static_cast<size_t>(ct.index_of(column))]);
}

std::string text_of(const Patch& p, std::string_view column) {
  const Value* v = p.value_of(static_cast<uint16_t>(p.table->index_of(column)));
  return v ? text_or_empty(*v) : std::string();
}

// {"value":..,"hlc":..,"origin":..,"author":..} as stored in base, ours, theirs.
std::string side_json(const ColumnSpec& c, const Value* v, HlcTime hlc, std::string_view origin,
                      std::string_view author) {
  std::string out = "{";
  if (v) {
    out += "\"value\":";
    encode_value_to(c, *v, out);
    out += ',';
  }
  out += "\"hlc\":" + std::to_string(hlc);
  if (!origin.empty()) {
    out += ",\"origin\":";
    append_json_string(out, origin);
  }
  if (!author.empty()) {
    out += ",\"author\":";
    append_json_string(out, author);
  }
  out += '}';
  return out;
}

std::optional<Json> json_of(const std::string& text) {
  auto j = parse_json(text);
  if (!j || !j->is_object()) return std::nullopt;
  return std::move(*j);
}

// A side's value, checked against its column; nullopt when the side has none.
std::optional<Value> side_value(const TableSpec& t, const ColumnSpec& c, const std::string& side) {
  auto j = json_of(side);
  const Json* v = j ? j->find("value") : nullptr;
  if (!v) return std::nullopt;
  auto value = decode_value(t, c, *v);
  if (!value || !check_value(t, c, *value)) return std::nullopt;
  return std::move(*value);
}

std::string side_author(const std::string& side) {
  auto j = json_of(side);
  const Json* a = j ? j->find("author") : nullptr;
  return a && a->is_string() ? a->as_string() : std::string();
}

HlcTime side_hlc(const std::string& side) {
  auto j = json_of(side);
  const Json* h = j ? j->find("hlc") : nullptr;
  return h && h->is_int() ? static_cast<HlcTime>(h->as_int()) : 0;
}

// A quarantined patch as its conflict row keeps it.
Result<Patch> held_patch(const std::string& theirs) {
  auto j = json_of(theirs);
  const Json* p = j ? j->find("patch") : nullptr;
  if (!p) return Error{Code::invalid, "the conflict holds no patch"};
  return decode_patch(*p);
}

std::string shown(const Value& v) { return is_null(v) ? std::string("（空）") : value_to_string(v); }

}  // namespace

// ---- opening -----------------------------------------------------------------

ServerEngine::LoggedWrite ServerEngine::logged_write(const TableSpec& t, const std::string& row, uint16_t c,
                                                     HlcTime hlc) {
  LoggedWrite w;
  if (!hlc) return w;
  auto s = db_.prepare("SELECT author, origin, body FROM _log WHERE tbl = ? AND row_id = ? AND hlc = ? "
                       "AND status = 'accepted' ORDER BY n");
  s.bind(1, t.name).bind(2, row).bind(3, hlc);
  while (s.step()) {
    auto j = parse_json(s.text(2));
    auto p = j ? decode_patch(*j) : Result<Patch>(j.error());
    const Value* v = p ? p->value_of(c) : nullptr;
    if (!v) continue;
    w.found = true;
    w.value = *v;
    w.author = std::string(s.text(0));
    w.origin = std::string(s.text(1));
    return w;
  }
  return w;
}

std::string ServerEngine::author_id(const std::string& author) {
  return author == kServerOrigin ? std::string() : author;
}

void ServerEngine::open_conflict(const Patch& p, const Row& row, uint16_t c, std::string_view kind,
                                 const Value& theirs) {
  const TableSpec& t = *p.table;
  const auto& column = t.columns[c];
  const auto& clk = row.clocks[c];
  const TableSpec& ct = conflicts_table();
  // The value both writers started from, and who wrote what the server
  // held: the log has every accepted write.
  LoggedWrite base = logged_write(t, p.row, c, p.base_of(c));
  LoggedWrite held = logged_write(t, p.row, c, clk.hlc);
  std::string author = author_id(push_.author);
  Fields f;
  auto put = [&](const char* name, Value v) { add_field(f, ct, name, std::move(v)); };
  put("tbl", std::string(t.name));
  put("row_id", p.row);
  put("col", std::string(column.name));
  put("kind", std::string(kind));
  put("grid_id", text_or_empty(row.values[static_cast<size_t>(t.bucket_index())]));
  put("base", side_json(column, base.found ? &base.value : nullptr, p.base_of(c), base.origin,
                        author_id(base.author)));
  put("ours", side_json(column, &row.values[c], clk.hlc, store_.origin_name(clk.origin), author_id(held.author)));
  put("theirs", side_json(column, &theirs, p.hlc, p.origin, author));
  put("status", std::string("open"));
  if (!author.empty()) put("author_id", author);
  put("device", p.origin);
  put("opened_at", clock_.wall_ms());
  write_as_server(ct, ids_.next(clock_.wall_ms()), f);
}

void ServerEngine::quarantine(const Patch& p, const Row& row, const std::string& reason) {
  const TableSpec& ct = conflicts_table();
  const TableSpec& t = *p.table;
  std::string author = author_id(push_.author);
  Fields f;
  auto put = [&](const char* name, Value v) { add_field(f, ct, name, std::move(v)); };
  put("tbl", std::string(t.name));
  put("row_id", p.row);
  put("col", std::string("*"));
  put("kind", std::string("quarantine"));
  // Only grid tables are fenced, so a quarantined patch always has a grid.
  put("grid_id", row.exists ? text_or_empty(row.values[static_cast<size_t>(t.bucket_index())])
                            : text_or_empty(*p.value_of(static_cast<uint16_t>(t.bucket_index()))));
  std::string theirs = "{\"patch\":" + encode_patch(p) + ",\"reason\":";
  append_json_string(theirs, reason);
  theirs += ",\"hlc\":" + std::to_string(p.hlc) + ",\"origin\":";
  append_json_string(theirs, p.origin);
  if (!author.empty()) {
    theirs += ",\"author\":";
    append_json_string(theirs, author);
  }
  theirs += '}';
  put("theirs", std::move(theirs));
  put("status", std::string("open"));
  if (!author.empty()) put("author_id", author);
  put("device", p.origin);
  put("opened_at", clock_.wall_ms());
  write_as_server(ct, ids_.next(clock_.wall_ms()), f);
}

// ---- deciding ----------------------------------------------------------------

// An admin's write to a conflict row: only the decision columns, once, by
// a choice the conflict's kind allows, naming themselves.
Verdict ServerEngine::check_decision(const UserInfo& u, const Patch& p, const Row& held) {
  if (!held.exists) return {Code::forbidden, "conflicts are opened by the server, not written new"};
  std::string status = text_of(held, "status");
  if (status != "open") return {Code::state, "this conflict was already decided (" + status + ")"};
  std::string to = text_of(p, "status"), how = text_of(p, "resolution"), by = text_of(p, "resolved_by");
  if (to.empty() || to == "open") return {Code::invalid, "a decision sets status to resolved or refused"};
  if (!by.empty() && by != u.id) return {Code::forbidden, "resolved_by must be the admin deciding"};
  std::string kind = text_of(held, "kind");
  if (kind == "quarantine") {
    if (to == "refused") return {};
    if (how != "accept") return {Code::invalid, "a quarantined patch is accepted (resolution accept) or refused"};
    auto q = held_patch(text_of(held, "theirs"));
    if (!q) return {Code::invalid, "the held patch no longer decodes: " + q.error().message};
    // Judged again as at its arrival, on the row as it is now, but for the
    // right that had ended: the admin's acceptance stands in for it.
    Row row;
    store_.load(*q->table, q->row, row);
    if (!row.exists) {
      if (auto st = check_required(*q->table, q->set); !st) return {st.error().code, st.error().message};
    } else {
      for (const auto& f : q->set) {
        const auto& c = q->table->columns[f.col];
        if (c.merge == Merge::immutable && row.values[f.col] != f.value)
          return {Code::immutable, std::string(q->table->name) + "." + std::string(c.name) + " cannot change once set"};
      }
    }
    auto author = directory_.user(side_author(text_of(held, "theirs")));
    if (!author) return {Code::invalid, "the held patch's author is unknown"};
    // Its table's own rules, as at arrival (a case's workflow, a record's
    // nine photos): the quarantine held back the right, not these.
    for (const auto& rule : rules_of(*q->table))
      if (Verdict v = rule->check(*author, *q, row); v.code != Code::ok)
        return {v.code, "the held patch would not pass now: " + v.message};
    return {};
  }
  if (to == "refused") return {Code::invalid, "only a quarantined patch is refused; pick a value for this one"};
  const TableSpec* t = find_table(text_of(held, "tbl"));
  const ColumnSpec* c = t ? t->find(text_of(held, "col")) : nullptr;
  if (!c) return {Code::invalid, "the conflict names no known column"};
  if (how == "ours" || how == "theirs") return {};
  if (kind == "state")
    return {Code::invalid, "a case's status moves by workflow steps: keep one of the two statuses"};
  if (how == "base") {
    if (!side_value(*t, *c, text_of(held, "base")))
      return {Code::invalid, "the value both sides started from is unknown; pick a side or a new value"};
    return {};
  }
  if (how != "custom") return {Code::invalid, "resolution must be ours, theirs, base or custom"};
  if (!side_value(*t, *c, text_of(p, "value")))
    return {Code::invalid, "the new value is not a valid " + std::string(t->name) + "." + std::string(c->name)};
  return {};
}

void ServerEngine::conflict_decided(const Patch& p, const Row& before, const Row& after) {
  std::string status = text_of(after, "status");
  if (text_of(before, "status") != "open" || status == "open") return;
  const std::string admin = push_.author;  // a copy: push_.author changes below
  auto admin_user = directory_.user(admin);
  std::string admin_name = admin_user ? admin_user->username : admin;
  std::string kind = text_of(after, "kind"), theirs = text_of(after, "theirs");
  if (kind == "quarantine") {
    std::string author = side_author(theirs);
    auto q = held_patch(theirs);
    if (status == "resolved" && q) {
      // Merged as it was recorded: its own time and device, so what was
      // written after it still stands, and a conflict it opens names its
      // author as the one who brought `theirs`, not the deciding admin.
      Row row;
      store_.load(*q->table, q->row, row);
      std::string admin_id = std::exchange(push_.author, author.empty() ? admin : author);
      merge(*q, row);
      push_.author = admin_id;
      db_.prepare("UPDATE _log SET status = 'accepted', code = NULL, reason = ?, seq = ? WHERE patch_id = ?")
          .bind(1, "accepted on review by " + admin_name)
          .bind(2, row.seq)
          .bind(3, q->id)
          .run();
    } else if (q) {
      // Refused, and kept: the log row stays, with the admin's word on it.
      // Its device, asking after it again, learns it is refused for good.
      db_.prepare("UPDATE _log SET status = 'rejected', code = 'forbidden', reason = ? || ': ' || reason "
                  "WHERE patch_id = ?")
          .bind(1, "refused on review by " + admin_name)
          .bind(2, q->id)
          .run();
    }
    if (!author.empty() && author != admin && q)
      lost_.push_back({author, status == "resolved" ? "quarantine_accepted" : "quarantine_refused",
                       std::string(q->table->name), q->row, "*", "", ""});
    return;
  }
  const TableSpec& t = *find_table(text_of(after, "tbl"));
  uint16_t c = static_cast<uint16_t>(t.index_of(text_of(after, "col")));
  const ColumnSpec& column = t.columns[c];
  std::string how = text_of(after, "resolution");
  std::string chosen = text_of(after, how == "custom" ? "value" : how);
  auto value = side_value(t, column, chosen);
  if (!value) return;  // check_decision let nothing else through
  std::string ours = text_of(after, "ours");
  decided_.push_back({&t, text_of(after, "row_id"), c, *value, p.hlc, p.origin,
                      std::max(side_hlc(ours), side_hlc(theirs))});
  for (const std::string* side : {&ours, &theirs}) {
    std::string author = side_author(*side);
    auto lost = side_value(t, column, *side);
    if (author.empty() || author == admin || !lost || *lost == *value) continue;
    lost_.push_back({author, "conflict_resolved", std::string(t.name), decided_.back().row, std::string(column.name),
                     shown(*lost), shown(*value)});
  }
}

// The decisions of a push carried out, one write per record: by the admin
// at the moment of deciding, from the device they decided on — newer than
// both sides, so it supersedes them everywhere; a write newer still (made
// after the admin saw the conflict) is concurrent with it and opens a
// conflict of its own.
void ServerEngine::write_decisions() {
  std::stable_sort(decided_.begin(), decided_.end(), [](const Decided& a, const Decided& b) {
    return std::tie(a.table, a.row) < std::tie(b.table, b.row);
  });
  for (size_t i = 0; i < decided_.size();) {
    const Decided& first = decided_[i];
    Patch w;
    w.id = ids_.next(clock_.wall_ms());
    w.table = first.table;
    w.row = first.row;
    w.origin = first.origin;
    Row row;
    store_.load(*w.table, w.row, row);
    for (; i < decided_.size() && decided_[i].table == first.table && decided_[i].row == first.row; ++i) {
      const Decided& d = decided_[i];
      std::erase_if(w.set, [&](const Field& f) { return f.col == d.col; });
      std::erase_if(w.base, [&](const auto& b) { return b.first == d.col; });
      w.set.push_back({d.col, d.value});
      w.base.emplace_back(d.col, d.base);
      w.hlc = std::max(w.hlc, d.hlc);
      // A status chosen over the workflow's precedence: a new round of it.
      if (w.table->columns[d.col].merge == Merge::state) w.cycle = row.clocks[d.col].cycle + 1;
    }
    merge(w, row);
    log(w, push_.batch, push_.author, 0, {}, row.seq);
  }
  decided_.clear();
}

// One notice per author and event at the end of a push: a bulk decision of
// 500 conflicts is one notice to the device's user, not 500.
void ServerEngine::send_decision_notices() {
  std::map<std::pair<std::string, std::string>, std::vector<const Lost*>> by;
  for (const auto& l : lost_) by[{l.user, l.event}].push_back(&l);
  auto admin = directory_.user(push_.author);
  std::string who = admin ? admin->username : push_.author;
  for (const auto& [key, items] : by) {
    const Lost& first = *items.front();
    std::string words;
    if (key.second == "conflict_resolved") {
      // The values as the recipient's own views show them: a phone masked
      // for a worker (the words are a copy, sealed on the tablet as well).
      auto recipient = directory_.user(key.first);
      RoleSet roles = recipient ? recipient->roles : RoleSet{};
      const ColumnSpec& c = *find_table(first.table)->find(first.column);
      words = first.table + "." + first.column + "：您录入的“" + shown_value(c, roles, first.was) + "”已由管理员 " +
              who + " 裁决为“" + shown_value(c, roles, first.now) + "”";
    } else {
      words = first.table + " 的一条被暂扣记录已由管理员 " + who +
              (key.second == "quarantine_accepted" ? " 接受并合并" : " 拒绝（仍留存于日志）");
    }
    if (items.size() > 1) words = "共 " + std::to_string(items.size()) + " 项，例如：" + words;
    notify(key.first, "conflict", key.second, words, {first.table, first.row});
  }
  lost_.clear();
}

// ---- history -----------------------------------------------------------------

Result<std::string> ServerEngine::history(const Principal& who, std::string_view table, std::string_view row_id) {
  auto u = directory_.user(who.user_id);
  if (!u) return Error{Code::unauthorized, "unknown user"};
  if (!u->office() || u->disabled) return Error{Code::forbidden, "a record's history is for the service centre"};
  const TableSpec* t = find_table(table);
  if (!t) return Error{Code::invalid, "no table " + std::string(table)};
  Row row;
  store_.load(*t, std::string(row_id), row);
  auto hidden = hidden_columns(*u, *t, row, store_);
  std::map<std::string, std::string> names;
  auto name_of = [&](const std::string& id) -> const std::string& {
    auto it = names.find(id);
    if (it != names.end()) return it->second;
    auto user = directory_.user(id);
    return names[id] = user ? user->username : id;
  };
  auto s = db_.prepare("SELECT patch_id, author, origin, hlc, status, reason, body FROM _log WHERE tbl = ? AND "
                       "row_id = ? ORDER BY n");
  s.bind(1, table).bind(2, row_id);
  std::string out = "{\"table\":";
  append_json_string(out, table);
  out += ",\"row\":";
  append_json_string(out, row_id);
  out += ",\"entries\":[";
  bool first = true;
  while (s.step()) {
    auto j = parse_json(s.text(6));
    auto p = j ? decode_patch(*j) : Result<Patch>(j.error());
    if (!p) continue;
    out += first ? "{" : ",{";
    first = false;
    out += "\"patch\":";
    append_json_string(out, s.text(0));
    out += ",\"author\":";
    append_json_string(out, name_of(std::string(s.text(1))));
    out += ",\"device\":";
    append_json_string(out, s.text(2));
    out += ",\"at\":" + std::to_string(Hlc::ms_of(static_cast<HlcTime>(s.int64(3)))) + ",\"status\":";
    append_json_string(out, s.text(4));
    if (!s.is_null(5)) {
      out += ",\"reason\":";
      append_json_string(out, s.text(5));
    }
    out += ",\"set\":{";
    bool first_col = true;
    for (const auto& f : p->set) {
      if (std::find(hidden.begin(), hidden.end(), f.col) != hidden.end()) continue;
      if (!first_col) out += ',';
      first_col = false;
      const ColumnSpec& c = t->columns[f.col];
      append_json_string(out, c.name);
      out += ':';
      // A supervisor reads an ID or phone number here as on a tablet: masked.
      if (const auto* text = std::get_if<std::string>(&f.value); text && c.mask != Mask::none)
        append_json_string(out, shown_value(c, u->roles, *text));
      else
        encode_value_to(c, f.value, out);
    }
    out += "}}";
  }
  out += "]}";
  return out;
}

}  // namespace gw::sync
