// Issue 9: the write-security matrix against the real server. Every role ×
// table × operation (create a row; update each writable column of a row;
// update each immutable column), in and out of the writer's scope (grids
// for grid-bucketed tables, the user's own rows for user-bucketed ones),
// is generated from the schema and the demo users, pushed as a signed patch
// over HTTP, and judged against what the schema allows: an allowed write is
// accepted and lands, any other is refused with its code and leaves the
// server's row (read from its SQLite file) exactly as it was.
//
// Patches are built by hand, not through the replica: the replica refuses
// immutable writes and rows it does not hold on the device already, and the
// server must be the one that judges them.
#include <doctest/doctest.h>

#include <chrono>
#include <limits>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "shared/categories.hpp"
#include "shared/checks.hpp"
#include "shared/codec.hpp"
#include "shared/geo.hpp"
#include "shared/workflow.hpp"
#include "sync/core/patch.hpp"
#include "sync/core/protocol.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/workflow_rules.hpp"

using namespace gw;
using namespace gw::test;

namespace {

struct Actor {
  const char* username;
  RoleSet roles;
  std::unique_ptr<Device> dev;
  std::set<std::string> grids;  // grids held (read and written) after the first sync
  std::string in_grid;          // where this actor's in-scope rows are

  bool office() const { return roles.has(Role::supervisor) || roles.has(Role::admin); }
  const std::string& id() const { return dev->me.user_id; }
};

// A row as the server holds it: its columns' values, empty when absent.
std::vector<Value> server_row(Db& db, const TableSpec& t, const std::string& id) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t.columns.size(); ++i) sql += (i ? ", " : "") + std::string(t.columns[i].name);
  sql += " FROM " + std::string(t.name) + " WHERE id = ?";
  auto s = db.prepare(sql);
  s.bind(1, id);
  std::vector<Value> out;
  if (s.step())
    for (int i = 0; i < static_cast<int>(t.columns.size()); ++i) out.push_back(s.value(i));
  return out;
}

std::string text_of(Db& db, const std::string& sql, const std::string& arg = {}) {
  auto s = db.prepare(sql);
  if (!arg.empty()) s.bind(1, arg);
  return s.step() && !s.is_null(0) ? std::string(s.text(0)) : std::string();
}

bool is_user_ref(std::string_view c) {
  for (std::string_view u : {"user_id", "worker_id", "visitor_id", "actor_id", "reporter_id", "started_by",
                             "ended_by", "resolved_by", "author_id", "assignee_id"})
    if (c == u) return true;
  return false;
}

// The test's world: the server, its file, the actors and the rows they write.
struct World {
  ServerProcess& server;
  ServerDb db;
  std::vector<Actor> actors;
  std::string g_out;                        // a level-3 grid no non-office actor holds
  std::vector<std::string> free_units;      // unit grids under no takeover, for new takeovers
  std::string takeover_department;          // a department cadre01 is not of
  std::vector<std::string> departments;
  std::map<std::string, std::string> household, a_case, a_patrol;  // grid -> a row of it (fixtures)
  UuidV7 ids;
  int64_t counter = 0;

  explicit World(ServerProcess& s) : server(s), db(s.db_path()) {}

  std::string uuid() { return ids.next(now_ms()); }

  // Candidates for a value of column c, written by actor a in grid `grid`;
  // the first one differing from `avoid` is used.
  std::vector<Value> candidates(const TableSpec& t, const ColumnSpec& c, const Actor& a, const std::string& grid,
                                const std::string& user) {
    ++counter;
    std::string_view n = c.name;
    std::vector<Value> v;
    if (c.check == &is_uuid_text) {
      if (n == "grid_id") return {grid, g_out, actors[0].in_grid};
      if (n == "parent_id") return {free_units.at(0), free_units.at(1)};
      if (is_user_ref(n)) return {user, a.id(), actors[0].id(), actors[1].id()};
      const std::string& elsewhere = grid == g_out ? actors[0].in_grid : g_out;
      if (n == "household_id" || n == "target_id") return {household.at(grid), household.at(elsewhere)};
      if (n == "case_id" || n == "record_id") return {a_case.at(grid), a_case.at(elsewhere)};
      if (n == "patrol_id" && t.name == "tracks") return {a_patrol.at(grid), a_patrol.at(elsewhere)};  // TrackRule
      if (n == "department_id") return {departments.at(0), departments.at(1)};
      return {uuid()};  // takeover_id, patrol_id, visit_id, ref_id, row_id: no rule ties them
    }
    // Values with a rule of their own (issue 23): a fix, a grid's polygon, a track.
    if (c.verify == &geo::verify_fix_text)
      return {geo::fix_json({{118.55, 24.87}, 5.0 + static_cast<double>(counter % 50), now_ms(), geo::FixSource::gps}),
              geo::fix_json({{118.56, 24.88}, 8, now_ms(), geo::FixSource::manual})};
    if (c.verify == &geo::verify_polygon_text) {
      double d = 0.001 * static_cast<double>(1 + counter % 9);
      return {geo::polygon_json({{{{118.5, 24.8}, {118.5 + d, 24.8}, {118.5 + d, 24.8 + d}}}}),
              geo::polygon_json({{{{118.5, 24.8}, {118.6, 24.8}, {118.6, 24.9}, {118.5, 24.9}}}})};
    }
    if (c.verify == &geo::verify_track_text) {
      std::vector<geo::TrackPoint> track{{{118.55, 24.87}, 1'765'000'000'000 + counter * 1000},
                                         {{118.551, 24.871}, 1'765'000'010'000 + counter * 1000}};
      std::string first = geo::encode_track(track);
      track.pop_back();
      return {first, geo::encode_track(track)};
    }
    if (!c.one_of.empty()) {
      for (auto o : c.one_of) v.emplace_back(std::string(o));
      return v;
    }
    if (c.check == &is_category_code) return {std::string("0302"), std::string("0102")};
    if (c.check == &is_role_list) return {std::string("worker"), std::string("chief")};
    if (c.check == &is_blob_hash) {  // a photo's name: 64 lowercase hex digits
      std::string h = std::to_string(counter);
      return {std::string(64 - h.size(), 'a') + h};
    }
    if (c.check == &is_phone_text) return {"139" + std::to_string(10'000'000 + counter % 89'999'999)};
    if (c.check == &is_id_number_text) {
      std::string first17 = "35050219900101" + std::to_string(100 + counter % 900);
      return {first17 + id_number_check_char(first17)};
    }
    switch (c.type) {
      case ColType::boolean: return {int64_t{1}, int64_t{0}};
      case ColType::integer: {
        if (c.min == std::numeric_limits<int64_t>::min()) return {counter, counter + 1};
        if (c.max - c.min > 1'000'000'000'000) return {now_ms() + counter, now_ms() + counter + 1};  // a time
        int64_t span = c.max - c.min + 1;
        return {c.min + counter % span, c.min + (counter + 1) % span};
      }
      case ColType::real: return {1.5 + static_cast<double>(counter), 2.5};
      case ColType::json: return {"{\"sec\":" + std::to_string(counter) + "}"};
      case ColType::text: break;
    }
    return {"s" + std::to_string(counter)};
  }

  Value value_for(const TableSpec& t, const ColumnSpec& c, const Actor& a, const std::string& grid,
                  const std::string& user, const Value* avoid = nullptr) {
    auto cs = candidates(t, c, a, grid, user);
    for (auto& v : cs)
      if (!avoid || v != *avoid) return v;
    FAIL("no value for " << t.name << "." << c.name << " differs from the held one");
    return cs.front();
  }

  // A new row of t as actor a would write it: every required column, the
  // bucket column, and what the table's own rules ask of a new row.
  Fields new_row(const TableSpec& t, const Actor& a, const std::string& grid, const std::string& user) {
    Fields f;
    auto put = [&](std::string_view col, Value v) {
      for (auto& x : f)
        if (t.columns[x.col].name == col) {
          x.value = std::move(v);
          return;
        }
      add_field(f, t, col, std::move(v));
    };
    for (const auto& c : t.columns)
      if (c.required || c.name == t.bucket_column) put(c.name, value_for(t, c, a, grid, user));
    std::string tn(t.name);
    int64_t now = now_ms();
    if (tn == "cases") {  // a patrol report in the reporter's own name (sync/server/case_rules.cpp new_case)
      put("source", std::string("patrol"));
      put("status", std::string("reported"));
      put("last_action", std::string("report"));
      put("reporter_id", a.id());
      put("reported_at", now);
    } else if (tn == "case_log") {  // the log of a report, in the actor's own name (log_entry)
      put("action", std::string("report"));
      put("to_status", std::string("reported"));
      put("actor_id", a.id());
    } else if (tn == "takeovers") {  // of a unit grid under no takeover, for a real department (check_new_takeover)
      // A refused writer's unit is never reached (roles are judged first): only the office uses one up.
      REQUIRE(free_units.size() > 2);
      put("grid_id", free_units.back());
      if (a.office()) free_units.pop_back();
      put("department_id", takeover_department);
      put("started_by", a.id());
      put("started_at", now);
    } else if (tn == "visits") {
      put("target_kind", std::string("household"));
    } else if (tn == "patrols") {
      put("status", std::string("active"));
    } else if (tn == "assignments") {
      put("active", int64_t{1});
    } else if (tn == "grids") {  // a level-3 community grid of a unit grid
      put("level", int64_t{3});
      put("kind", std::string("community"));
      put("parent_id", free_units.at(0));
    } else if (tn == "conflicts") {
      put("status", std::string("open"));
    } else if (tn == "attachments") {  // a photo on a case of its grid, in its author's name (AttachmentRule)
      put("record_table", std::string("cases"));
      put("author_id", a.id());
    }
    return f;
  }
};

struct PushResult {
  std::set<std::string> accepted;
  std::map<std::string, std::pair<std::string, std::string>> rejected;  // id -> code, message
};

// One signed push of hand-made patches from a device; the server's answer.
PushResult push(Device& d, World& w, std::vector<sync::Patch>& patches) {
  sync::PushRequest req;
  req.batch = w.uuid();
  for (auto& p : patches) {
    auto linked = d.replica.link(sync::encode_patch(p));
    REQUIRE(linked);
    req.patches.push_back(*linked);
  }
  auto answer = d.http.exchange("/v1/sync/push", sync::encode(req));
  REQUIRE_MESSAGE(answer, (answer ? std::string() : answer.error().to_string()));
  auto j = parse_json(*answer);
  REQUIRE(j);
  auto a = sync::decode_push_answer(*j);
  REQUIRE(a);
  PushResult r;
  for (auto& id : a->accepted) r.accepted.insert(id);
  for (auto& x : a->rejected) r.rejected[x.id] = {std::string(code_name(x.code)), x.message};
  return r;
}

sync::Patch patch_of(Device& d, World& w, const TableSpec& t, const std::string& row, Fields set) {
  sync::Patch p;
  p.id = w.uuid();
  p.table = &t;
  p.row = row;
  p.hlc = d.clock.now();
  p.origin = d.id;
  p.set = std::move(set);
  // The version the writer saw, when its replica holds the row: an edit in
  // turn, not a concurrent one (which would open review conflicts).
  sync::Row held;
  if (d.replica.store().load(t, row, held))
    for (const auto& f : p.set)
      if (held.clocks[f.col].hlc) p.base.emplace_back(f.col, held.clocks[f.col].hlc);
  return p;
}

// Creates a fixture row as an office device; it must be accepted.
std::string fixture(Device& d, World& w, const TableSpec& t, Fields set) {
  std::string id = w.uuid();
  std::vector<sync::Patch> ps{patch_of(d, w, t, id, std::move(set))};
  auto r = push(d, w, ps);
  REQUIRE_MESSAGE(r.accepted.count(ps[0].id), "fixture ", t.name, ": ",
                  (r.rejected.count(ps[0].id) ? r.rejected[ps[0].id].second : std::string("?")));
  return id;
}

enum class Op { create, update, immutable, decide };
const char* op_name(Op o) {
  switch (o) {
    case Op::create: return "create";
    case Op::update: return "update";
    case Op::immutable: return "update immutable";
    case Op::decide: return "decide";
  }
  return "?";
}

struct Attempt {
  const TableSpec* t = nullptr;
  Op op = Op::create;
  std::string scope;  // "in"/"out" (grid), "own"/"other" (user), "" (global)
  std::string row;    // the row written (new for create)
  int col = -1;       // update: the column written
  std::string grid, user;
  // Filled when pushed:
  bool expect_ok = false;
  std::set<std::string> codes;  // refusal codes expected
  std::string rule;             // why, for messages
};

Attempt attempt(const TableSpec& t, Op op, std::string scope, std::string row, int col, std::string grid,
                std::string user) {
  Attempt x;
  x.t = &t;
  x.op = op;
  x.scope = std::move(scope);
  x.row = std::move(row);
  x.col = col;
  x.grid = std::move(grid);
  x.user = std::move(user);
  return x;
}

// What the schema (and the named server rules) say of an attempt.
void expect(const Actor& a, Attempt& x, const Fields& set) {
  const TableSpec& t = *x.t;
  std::string tn(t.name);
  bool role_ok = a.roles.intersects(t.writers);
  bool col_ok = true;
  for (const auto& f : set) {
    const auto& c = t.columns[f.col];
    if (!c.writers.empty() && !a.roles.intersects(c.writers)) col_ok = false;
  }
  bool scope_ok = true;
  if (t.bucket == BucketRule::grid) scope_ok = a.office() || a.grids.count(x.grid);
  if (t.bucket == BucketRule::user) scope_ok = (a.office() && !t.own_rows_only) || x.user == a.id();
  x.expect_ok = role_ok && col_ok && scope_ok;
  x.codes = {"forbidden"};
  x.rule = !role_ok ? "table writers" : !col_ok ? "column writers" : !scope_ok ? "scope" : "allowed";
  if (x.op == Op::immutable) {
    // The server judges immutability before roles: any writer of any role
    // is told the column cannot change.
    x.expect_ok = false;
    x.codes = {"immutable"};
    x.rule = "immutable";
    return;
  }
  if (!x.expect_ok) return;
  // Past roles and scope: the tables with rules of their own.
  if (tn == "conflicts" && x.op == Op::create) {
    // Conflicts are opened by the server only; not even an admin writes one new.
    x.expect_ok = false;
    x.rule = "conflicts are opened by the server";
  } else if (tn == "conflicts" && x.op == Op::update) {
    // An admin's write to a conflict is a decision (status + resolution);
    // one column of it alone is no decision (check_decision): invalid.
    x.expect_ok = false;
    x.codes = {"invalid"};
    x.rule = "a lone column of a decision";
  } else if ((tn == "cases" || tn == "case_log") && x.op == Op::create) {
    // A new case and its log are a 'report' step: the workflow rules decide who reports.
    x.expect_ok = may_take(a.roles, "report", "");
    x.codes = {"forbidden", "state"};
    x.rule = "workflow: report";
  } else if (tn == "cases" && x.op == Op::update && is_case_workflow_column(t.columns[size_t(x.col)].name)) {
    // Workflow columns move only with a step (status + last_action), which
    // the workflow test's own matrix covers: a bare write is invalid.
    x.expect_ok = false;
    x.codes = {"invalid"};
    x.rule = "workflow column without a step";
  }
}

}  // namespace

TEST_SUITE("security matrix") {
  TEST_CASE("every role x table x operation, in and out of scope: the schema's writes pass, the rest are refused "
            "and change nothing") {
    auto started = std::chrono::steady_clock::now();
    // A server of its own: the matrix writes everywhere (takeovers, decided
    // conflicts, users), which the other tests' demo server must not see.
    ServerProcess s({"--demo"});
    World w(s);
    for (auto [name, roles] : {std::pair{"worker01", RoleSet{Role::worker}},
                               std::pair{"chief01", RoleSet{Role::chief, Role::worker}},
                               std::pair{"cadre01", RoleSet{Role::cadre}},
                               std::pair{"supervisor01", RoleSet{Role::supervisor}},
                               std::pair{"admin01", RoleSet{Role::admin}}}) {
      Actor a{name, roles, std::make_unique<Device>(s.url(), name), {}, {}};
      CHECK(RoleSet::parse(a.dev->me.roles) == roles);  // the demo users are what the matrix assumes
      w.actors.push_back(std::move(a));
    }
    // Setup devices of the office, apart from the actors' (whose replicas
    // must pull the fixtures as others' rows).
    Device sup(s.url(), "supervisor01"), admin(s.url(), "admin01");

    // Scopes: the grids each actor holds, as its replica's buckets say.
    for (auto& a : w.actors) {
      REQUIRE(a.dev->sync.sync());
      for (const auto& [bucket, seq] : a.dev->replica.cursors())
        if (bucket.rfind("grid:", 0) == 0) a.grids.insert(bucket.substr(5));
    }
    std::set<std::string> held_by_field;
    for (auto& a : w.actors)
      if (!a.office()) held_by_field.insert(a.grids.begin(), a.grids.end());
    {
      auto q = w.db.prepare("SELECT id FROM grids WHERE level = 3 ORDER BY code");
      std::string first_of_worker;
      while (q.step()) {
        std::string g(q.text(0));
        if (w.g_out.empty() && !held_by_field.count(g)) w.g_out = g;
        if (first_of_worker.empty() && w.actors[0].grids.count(g)) first_of_worker = g;
      }
      REQUIRE_FALSE(w.g_out.empty());
      REQUIRE_FALSE(first_of_worker.empty());
      for (auto& a : w.actors) {
        a.in_grid = first_of_worker;
        if (!a.office() && !a.grids.count(a.in_grid))
          for (const auto& g : a.grids)
            if (text_of(w.db, "SELECT level FROM grids WHERE id = ?", g) == "3") {
              a.in_grid = g;
              break;
            }
      }
    }
    std::string cadre_department = text_of(w.db, "SELECT department_id FROM users WHERE username = 'cadre01'");
    {
      auto q = w.db.prepare("SELECT id FROM departments ORDER BY name");
      while (q.step()) w.departments.emplace_back(q.text(0));
      REQUIRE(w.departments.size() >= 2);
      for (const auto& d : w.departments)
        if (d != cadre_department) w.takeover_department = d;
      // Unit grids under no takeover and held by no field actor: a takeover
      // there hands nothing to the actors (their scopes stay as measured).
      auto u = w.db.prepare(
          "SELECT id FROM grids WHERE level = 2 AND id NOT IN (SELECT grid_id FROM takeovers WHERE ended_at IS NULL) "
          "ORDER BY code");
      while (u.step())
        if (!held_by_field.count(std::string(u.text(0)))) w.free_units.emplace_back(u.text(0));
      REQUIRE(w.free_units.size() >= 5);
    }
    std::set<std::string> grids_used{w.g_out};
    for (auto& a : w.actors) grids_used.insert(a.in_grid);

    // Fixture rows, written by the office: per grid for grid-bucketed
    // tables, per actor for user-bucketed ones, one for global ones.
    // fixtures[table][grid or user or ""] = row id
    std::map<std::string, std::map<std::string, std::string>> fixtures;
    Actor& office = w.actors[3];  // supervisor01: values in their name
    for (const auto& t : all_tables()) {
      std::string tn(t.name);
      if (tn == "conflicts") continue;  // opened by the server: the demo park's are used
      Device& by = tn == "users" ? admin : sup;
      if (t.bucket == BucketRule::grid) {
        for (const auto& g : grids_used) {
          fixtures[tn][g] = fixture(sup, w, t, w.new_row(t, office, g, office.id()));
          if (tn == "households") w.household[g] = fixtures[tn][g];
          if (tn == "cases") w.a_case[g] = fixtures[tn][g];
          if (tn == "patrols") w.a_patrol[g] = fixtures[tn][g];
        }
      } else if (t.bucket == BucketRule::user) {
        for (auto& a : w.actors) {
          // A table only its own user writes (reveals): each actor writes theirs.
          const Actor& author = t.own_rows_only ? a : office;
          auto f = w.new_row(t, author, w.actors[0].in_grid, a.id());
          // An inactive assignment: a fixture must not widen the scopes measured above.
          if (tn == "assignments")
            for (auto& x : f)
              if (t.columns[x.col].name == "active") x.value = int64_t{0};
          fixtures[tn][a.id()] = fixture(t.own_rows_only ? *a.dev : by, w, t, std::move(f));
        }
      } else {
        fixtures[tn][""] = fixture(by, w, t, w.new_row(t, office, w.actors[0].in_grid, office.id()));
      }
    }
    // Two open review conflicts of the demo park: one for lone-column
    // writes (all refused, so it stays open), one for decisions (admin last).
    std::vector<std::string> open_conflicts;
    {
      auto q = w.db.prepare("SELECT id FROM conflicts WHERE status = 'open' AND kind = 'review' ORDER BY id LIMIT 2");
      while (q.step()) open_conflicts.emplace_back(q.text(0));
      REQUIRE(open_conflicts.size() == 2);
    }

    int cases = 0, accepted = 0, refused = 0;
    for (auto& a : w.actors) {
      std::string who = a.username;
      CAPTURE(who);
      Device& d = *a.dev;
      REQUIRE(d.sync.sync());  // the fixtures, for the bases of updates
      const Actor& other = a.username == std::string("worker01") ? w.actors[1] : w.actors[0];

      // The attempts: per table and scope, a create, then an update of
      // each column (writable ones and immutable ones).
      std::vector<Attempt> creates;
      std::vector<std::vector<Attempt>> updates;  // per row: its attempts, one per push round
      for (const auto& t : all_tables()) {
        std::string tn(t.name);
        struct Scope {
          std::string name, grid, user, row;
        };
        std::vector<Scope> scopes;
        if (t.bucket == BucketRule::grid) {
          std::string row_in = tn == "conflicts" ? open_conflicts[0] : fixtures[tn][a.in_grid];
          scopes.push_back({"in", a.in_grid, a.id(), row_in});
          if (tn != "conflicts") scopes.push_back({"out", w.g_out, a.id(), fixtures[tn][w.g_out]});
        } else if (t.bucket == BucketRule::user) {
          scopes.push_back({"own", a.in_grid, a.id(), fixtures[tn][a.id()]});
          scopes.push_back({"other", a.in_grid, other.id(), fixtures[tn][other.id()]});
        } else {
          scopes.push_back({"", a.in_grid, a.id(), fixtures[tn][""]});
        }
        for (const auto& sc : scopes) {
          creates.push_back(attempt(t, Op::create, sc.name, w.uuid(), -1, sc.grid, sc.user));
          std::vector<Attempt> row_attempts;
          for (size_t c = 0; c < t.columns.size(); ++c) {
            Op op = t.columns[c].merge == Merge::immutable ? Op::immutable : Op::update;
            row_attempts.push_back(attempt(t, op, sc.name, sc.row, static_cast<int>(c), sc.grid, sc.user));
          }
          if (tn == "conflicts")
            row_attempts.push_back(attempt(t, Op::decide, sc.name, open_conflicts[1], -1, sc.grid, sc.user));
          updates.push_back(std::move(row_attempts));
        }
      }

      // Pushes: the creates at once, then round k takes each row's k-th
      // attempt, so a refused patch is the only write to its row in its push.
      std::vector<std::vector<Attempt>> rounds{creates};
      for (const auto& row_attempts : updates)
        for (size_t k = 0; k < row_attempts.size(); ++k) {
          if (rounds.size() <= k + 1) rounds.emplace_back();
          rounds[k + 1].push_back(row_attempts[k]);
        }
      for (auto& round : rounds) {
        std::vector<sync::Patch> patches;
        std::vector<std::vector<Value>> before;
        for (auto& x : round) {
          const TableSpec& t = *x.t;
          before.push_back(server_row(w.db, t, x.row));
          Fields set;
          if (x.op == Op::create) {
            set = w.new_row(t, a, x.grid, x.user);
          } else if (x.op == Op::decide) {
            set = fields_of(t, {{"status", std::string("resolved")}, {"resolution", std::string("ours")},
                                {"resolved_by", a.id()}, {"resolved_at", now_ms()}});
          } else {
            const auto& c = t.columns[size_t(x.col)];
            const Value* held = before.back().empty() ? nullptr : &before.back()[size_t(x.col)];
            add_field(set, t, c.name, w.value_for(t, c, a, x.grid, x.user, held));
          }
          expect(a, x, set);
          patches.push_back(patch_of(d, w, t, x.row, std::move(set)));
        }
        auto r = push(d, w, patches);
        for (size_t i = 0; i < round.size(); ++i) {
          const Attempt& x = round[i];
          const TableSpec& t = *x.t;
          const sync::Patch& p = patches[i];
          std::string what = std::string(a.username) + " " + op_name(x.op) + " " + std::string(t.name) +
                             (x.col >= 0 ? "." + std::string(t.columns[size_t(x.col)].name) : std::string()) +
                             (x.scope.empty() ? std::string() : " (" + x.scope + ")") + ", expected by " + x.rule;
          bool ok = r.accepted.count(p.id) > 0;
          auto rej = r.rejected.find(p.id);
          std::string said = rej == r.rejected.end() ? std::string("accepted")
                                                     : rej->second.first + ": " + rej->second.second;
          ++cases;
          CHECK_MESSAGE(ok == x.expect_ok, what, " -> ", said);
          auto after = server_row(w.db, t, x.row);
          if (ok) {
            ++accepted;
            if (x.op == Op::update)
              CHECK_MESSAGE(after.at(size_t(x.col)) == p.set[0].value, what, ": the value did not land");
            else
              CHECK_MESSAGE(!after.empty(), what, ": no row");
          } else {
            ++refused;
            REQUIRE_MESSAGE(rej != r.rejected.end(), what, ": no answer for the patch");
            CHECK_MESSAGE(x.codes.count(rej->second.first), what, " -> ", said);
            CHECK_MESSAGE(after == before[i], what, " -> ", said, ": refused, yet the row changed");
          }
        }
      }
    }
    // Every role, table and column was tried, both ways.
    size_t columns = 0;
    for (const auto& t : all_tables()) columns += t.columns.size();
    CHECK(cases > static_cast<int>(5 * columns));
    CHECK(accepted > 0);
    CHECK(refused > 0);
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    MESSAGE("security matrix: " << cases << " writes judged (" << accepted << " accepted, " << refused
                                << " refused) in " << secs << " s");
  }
}
