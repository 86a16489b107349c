#include "client/core/conflict_desk.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "client/core/reveals.hpp"
#include "shared/codec.hpp"
#include "shared/schema.hpp"

namespace gw::client {

namespace {

std::string str(const Stmt& s, int i) { return s.is_null(i) ? std::string() : std::string(s.text(i)); }

// A JSON value as the desk shows it: text bare, numbers as written.
std::string json_text(const Json& v) {
  if (v.is_null()) return {};
  if (v.is_string()) return v.as_string();
  if (v.is_bool()) return v.as_bool() ? "1" : "0";
  return v.dump();
}

std::optional<Json> object_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto j = parse_json(text);
  if (!j || !j->is_object()) return std::nullopt;
  return std::move(*j);
}

// What a record is called in the queue: the words a worker would use.
std::string label_sql(std::string_view table) {
  // Names and addresses are sealed on the tablet: opened by gw_open (data_key.hpp).
  if (table == "households")
    return "SELECT gw_open(head_name, 'households.head_name') || ' · ' || gw_open(address, 'households.address') "
           "FROM households WHERE id = ?";
  if (table == "residents") return "SELECT gw_open(name, 'residents.name') FROM residents WHERE id = ?";
  if (table == "enterprises") return "SELECT name FROM enterprises WHERE id = ?";
  if (table == "cases") return "SELECT title FROM cases WHERE id = ?";
  return {};
}

// A column as a query reads it: a sealed one (pii, or a conflict's sides,
// which copy pii) through gw_open.
std::string opened_column(const TableSpec& t, const ColumnSpec& c) {
  std::string quoted = "\"" + std::string(c.name) + "\"";
  if (!c.sealed()) return quoted;
  return "gw_open(" + quoted + ", '" + sync::seal_context(t, c) + "')";
}

std::string opened_column(std::string_view table, std::string_view column) {
  const TableSpec& t = *find_table(table);
  return opened_column(t, *t.find(column));
}

// A conflict's sides and decided value, opened.
std::string conflict_values_sql() {
  return opened_column("conflicts", "base") + ", " + opened_column("conflicts", "ours") + ", " +
         opened_column("conflicts", "theirs");
}

constexpr std::string_view kChoiceNames[] = {"ours", "theirs", "base", "custom", "accept", "refuse"};

}  // namespace

// Read once per view: users by id, grids by id; the statements for record
// labels and field values, kept per table and column (a queue of 500 is
// rebuilt after every edit while it is open).
struct ConflictDesk::Names {
  std::map<std::string, std::string, std::less<>> users;
  GridMap grids;
  std::map<std::string, Stmt, std::less<>> labels;
  std::map<std::string, Stmt, std::less<>> values;  // "table.column"

  std::string user(const std::string& id) const {
    auto it = users.find(id);
    return it == users.end() ? id : it->second;
  }
};

std::vector<ConflictItem> ConflictDesk::items(const std::string& where, const std::vector<std::string>& args,
                                              Names& names) {
  auto& db = replica_.store().db();
  auto s = db.prepare(
      "SELECT c.id, c.tbl, c.row_id, c.col, c.kind, IFNULL(c.grid_id, ''), " + conflict_values_sql() + ", c.status, "
      "c.resolution, " + opened_column("conflicts", "value") + ", c.resolved_by, IFNULL(c.resolved_at, 0), IFNULL(c.opened_at, 0), "
      "EXISTS(SELECT 1 FROM _outbox o WHERE o.tbl = 'conflicts' AND o.row_id = c.id AND o.state = 'pending') "
      "FROM conflicts c WHERE " + where + " ORDER BY c.opened_at, c.id");
  for (size_t i = 0; i < args.size(); ++i) s.bind(static_cast<int>(i + 1), args[i]);
  std::vector<ConflictItem> out;
  while (s.step()) {
    ConflictItem c;
    c.id = str(s, 0), c.table = str(s, 1), c.row_id = str(s, 2), c.column = str(s, 3), c.kind = str(s, 4);
    c.grid_id = str(s, 5), c.status = str(s, 9), c.resolution = str(s, 10);
    c.resolved_at = s.int64(13), c.opened_at = s.int64(14), c.pending = s.int64(15) != 0;
    if (auto g = names.grids.find(c.grid_id); g != names.grids.end()) c.grid_name = g->second.name;
    auto side = [&](int col, ConflictSide& out_side) {
      auto j = object_of(str(s, col));
      if (!j) return;
      if (const Json* v = j->find("value")) out_side.known = true, out_side.value = json_text(*v);
      if (const Json* a = j->find("author"); a && a->is_string()) {
        out_side.author_id = a->as_string();
        out_side.author_name = names.user(out_side.author_id);
      }
      if (const Json* o = j->find("origin"); o && o->is_string()) out_side.device = o->as_string();
      if (const Json* h = j->find("hlc"); h && h->is_int()) out_side.at = Hlc::ms_of(static_cast<HlcTime>(h->as_int()));
      if (const Json* r = j->find("reason"); r && r->is_string()) c.reason = r->as_string();
      if (const Json* p = j->find("patch"); p && p->is_object())
        if (const Json* set = p->find("set"); set && set->is_object())
          for (const auto& [k, v] : set->as_object()) c.patch_fields.emplace_back(k, json_text(v));
    };
    side(6, c.base);
    side(7, c.ours);
    side(8, c.theirs);
    if (auto v = object_of(str(s, 11)))
      if (const Json* x = v->find("value")) c.resolved_value = json_text(*x);
    c.resolved_by_name = names.user(str(s, 12));
    // The record's label and the field's value on this tablet now; table
    // and column come from the server, so they are checked against the schema.
    const TableSpec* t = find_table(c.table);
    if (t) {
      std::string sql = label_sql(t->name);
      if (!sql.empty()) {
        auto it = names.labels.find(t->name);
        if (it == names.labels.end()) it = names.labels.emplace(std::string(t->name), db.prepare(sql)).first;
        Stmt& l = it->second;
        l.reset();
        l.bind(1, c.row_id);
        if (l.step()) c.record_label = str(l, 0);
      }
      if (t->find(c.column)) {
        std::string key = std::string(t->name) + "." + c.column;
        auto it = names.values.find(key);
        if (it == names.values.end())
          it = names.values
                   .emplace(key, db.prepare("SELECT " + opened_column(*t, *t->find(c.column)) + " FROM " +
                                            std::string(t->name) + " WHERE id = ?"))
                   .first;
        Stmt& v = it->second;
        v.reset();
        v.bind(1, c.row_id);
        if (v.step()) c.current = str(v, 0);
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

ConflictQueue ConflictDesk::queue(const ConflictFilter& f, int64_t now_ms) {
  ConflictQueue q;
  q.filter = f;
  auto& db = replica_.store().db();
  Names names;
  names.grids = queries_.grids();
  auto u = db.prepare("SELECT id, name FROM users");
  while (u.step()) names.users.emplace(str(u, 0), str(u, 1));
  std::string where = "1";
  std::vector<std::string> args;
  auto arg = [&](std::string v) {
    args.push_back(std::move(v));
    return "?" + std::to_string(args.size());
  };
  if (f.open_only) where += " AND c.status = 'open'";
  if (!f.table.empty()) where += " AND c.tbl = " + arg(f.table);
  if (!f.kind.empty()) where += " AND c.kind = " + arg(f.kind);
  if (!f.device.empty()) where += " AND c.device = " + arg(f.device);
  if (f.min_age_ms > 0) where += " AND IFNULL(c.opened_at, 0) <= " + std::to_string(now_ms - f.min_age_ms);
  if (!f.grid_id.empty()) {
    // The grid and those below it (three levels at most).
    std::string g = arg(f.grid_id);
    where += " AND c.grid_id IN (SELECT id FROM grids WHERE id = " + g + " OR parent_id = " + g +
             " OR parent_id IN (SELECT id FROM grids WHERE parent_id = " + g + "))";
  }
  q.items = items(where, args, names);
  q.open_total = db.query_int("SELECT count(*) FROM conflicts WHERE status = 'open'");
  auto facet = [&](const char* column, std::vector<std::pair<std::string, int64_t>>& out) {
    auto s = db.prepare(std::string("SELECT IFNULL(") + column + ", ''), count(*) FROM conflicts WHERE status = "
                        "'open' GROUP BY 1 ORDER BY 2 DESC, 1");
    while (s.step()) out.emplace_back(str(s, 0), s.int64(1));
  };
  facet("kind", q.kinds);
  facet("tbl", q.tables);
  facet("device", q.devices);
  return q;
}

RecordConflicts ConflictDesk::record(const Me& me, const std::string& table, const std::string& row_id) {
  RecordConflicts r;
  r.table = table;
  r.row_id = row_id;
  const TableSpec* t = find_table(table);
  if (!t) return r;
  Names names;
  names.grids = queries_.grids();
  auto u = replica_.store().db().prepare("SELECT id, name FROM users");
  while (u.step()) names.users.emplace(str(u, 0), str(u, 1));
  r.conflicts = items("c.tbl = ?1 AND c.row_id = ?2", {table, row_id}, names);
  std::stable_partition(r.conflicts.begin(), r.conflicts.end(),
                        [](const ConflictItem& c) { return c.status == "open"; });
  if (!r.conflicts.empty()) r.label = r.conflicts.front().record_label, r.grid_name = r.conflicts.front().grid_name;
  sync::Row row;
  bool held = replica_.store().load(*t, row_id, row);
  for (size_t i = 0; i < t->columns.size(); ++i) {
    const ColumnSpec& c = t->columns[i];
    RecordField field{std::string(c.name), held ? value_to_string(row.values[i]) : std::string(), c.pii, {}};
    if (held && is_null(row.values[i])) field.value.clear();
    field.value = masked_number(me, table, row_id, c.name, field.value).text;
    for (const auto& k : r.conflicts)
      if (k.status == "open" && k.column == c.name) field.conflict_id = k.id;
    r.fields.push_back(std::move(field));
  }
  return r;
}

Result<int64_t> ConflictDesk::decide(const Me& me, const std::vector<ConflictDecision>& decisions) {
  if (!me.roles.has(Role::admin)) return Error{Code::forbidden, "only an admin decides conflicts"};
  if (decisions.empty()) return Error{Code::missing, "no conflict chosen"};
  const TableSpec& ct = *find_table("conflicts");
  auto s = replica_.store().db().prepare(
      "SELECT kind, status, tbl, col, " + conflict_values_sql() + " FROM conflicts WHERE id = ?");
  std::vector<std::pair<std::string, Fields>> writes;
  int64_t now = replica_.clock().wall_ms();
  for (const auto& d : decisions) {
    s.reset();
    s.bind(1, d.conflict_id);
    if (!s.step()) return Error{Code::not_found, "no conflict " + d.conflict_id + " on this tablet"};
    std::string kind = str(s, 0), status = str(s, 1);
    std::string_view choice = kChoiceNames[static_cast<size_t>(d.choice)];
    if (status != "open") return Error{Code::state, "conflict " + d.conflict_id + " is already " + status};
    Fields f = fields_of(ct, {{"resolved_by", me.user_id}, {"resolved_at", now}});
    bool quarantine = kind == "quarantine";
    bool for_patch = d.choice == ConflictChoice::accept || d.choice == ConflictChoice::refuse;
    if (quarantine != for_patch)
      return Error{Code::invalid, quarantine ? "a held patch is accepted or refused"
                                             : "accept and refuse are for held patches; pick a value"};
    if (quarantine) {
      add_field(f, ct, "status", std::string(d.choice == ConflictChoice::accept ? "resolved" : "refused"));
      if (d.choice == ConflictChoice::accept) add_field(f, ct, "resolution", std::string("accept"));
      writes.emplace_back(d.conflict_id, std::move(f));
      continue;
    }
    const TableSpec* t = find_table(str(s, 2));
    const ColumnSpec* c = t ? t->find(str(s, 3)) : nullptr;
    if (!c) return Error{Code::invalid, "conflict " + d.conflict_id + " names no known column"};
    if (kind == "state" && d.choice != ConflictChoice::ours && d.choice != ConflictChoice::theirs)
      return Error{Code::invalid, "a case's status moves by workflow steps: keep one of the two statuses"};
    std::string value = "{\"value\":";  // shaped as the sides are
    if (d.choice == ConflictChoice::custom) {
      auto v = value_from_text(*t, *c, d.custom);
      if (!v) return v.error();
      encode_value_to(*c, *v, value);
    } else {
      auto side = object_of(str(s, d.choice == ConflictChoice::base ? 4 : d.choice == ConflictChoice::ours ? 5 : 6));
      const Json* v = side ? side->find("value") : nullptr;
      if (!v) return Error{Code::invalid, "the value both sides started from is unknown; pick a side or a new value"};
      v->dump_to(value);
    }
    value += '}';
    add_field(f, ct, "status", std::string("resolved"));
    add_field(f, ct, "resolution", std::string(choice));
    add_field(f, ct, "value", std::move(value));
    writes.emplace_back(d.conflict_id, std::move(f));
  }
  s.reset();  // reads let go before a write (FieldActions::record_visit says why)
  // Checked whole, then written whole.
  sync::Txn txn(replica_.store());
  for (const auto& [id, f] : writes)
    if (auto p = replica_.write(ct, id, f); !p) return p.error();
  txn.commit();
  return static_cast<int64_t>(writes.size());
}

Result<Value> value_from_text(const TableSpec& t, const ColumnSpec& c, const std::string& text) {
  Value v;
  if (text.empty() && c.type != ColType::text) {
    v = Null{};
  } else if (c.type == ColType::integer || c.type == ColType::boolean) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size())
      return Error{Code::invalid, std::string(c.name) + " needs a whole number"};
    v = n;
  } else if (c.type == ColType::real) {
    try {
      size_t used = 0;
      v = std::stod(text, &used);
      if (used != text.size()) throw std::invalid_argument(text);
    } catch (const std::exception&) {
      return Error{Code::invalid, std::string(c.name) + " needs a number"};
    }
  } else {
    v = text;
  }
  if (auto st = check_value(t, c, v); !st) return st.error();
  return v;
}

Result<RecordHistory> decode_history(const std::string& body) {
  auto j = parse_json(body);
  if (!j || !j->is_object()) return Error{Code::invalid, "the server's history is not a JSON object"};
  RecordHistory h;
  if (const Json* t = j->find("table"); t && t->is_string()) h.table = t->as_string();
  if (const Json* r = j->find("row"); r && r->is_string()) h.row_id = r->as_string();
  const Json* entries = j->find("entries");
  if (!entries || !entries->is_array()) return Error{Code::invalid, "the server's history has no entries"};
  for (const auto& e : entries->as_array()) {
    if (!e.is_object()) continue;
    HistoryEntry x;
    auto text = [&](const char* k) {
      const Json* v = e.find(k);
      return v && v->is_string() ? v->as_string() : std::string();
    };
    x.patch_id = text("patch"), x.author_name = text("author"), x.device = text("device");
    x.status = text("status"), x.reason = text("reason");
    if (const Json* at = e.find("at"); at && at->is_int()) x.at = at->as_int();
    if (const Json* set = e.find("set"); set && set->is_object())
      for (const auto& [k, v] : set->as_object()) x.set.emplace_back(k, json_text(v));
    h.entries.push_back(std::move(x));
  }
  return h;
}

}  // namespace gw::client
