#include "sync/sim/simulation.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>

#include "shared/codec.hpp"
#include "shared/geo.hpp"
#include "shared/rng.hpp"
#include "shared/tuning.hpp"
#include "shared/uuid.hpp"
#include "shared/workflow.hpp"
#include "sync/server/loopback.hpp"
#include "sync/core/merge.hpp"
#include "sync/device/replica.hpp"
#include "sync/server/server_engine.hpp"
#include "sync/sim/checker.hpp"
#include "sync/device/sync_client.hpp"

namespace gw::sync::sim {

namespace {

constexpr int64_t kHour = 3'600'000;

// A seed's stream: mixed first, so neighbouring seeds start far apart.
// (Kept exactly: a seed names one history, the regression seeds included.)
class Rng : public SeededRng {
 public:
  explicit Rng(uint64_t seed) : SeededRng(seed * 0x9E3779B97F4A7C15ull + 1) {}
};

const TableSpec& T(const char* name) { return *find_table(name); }

struct Device {
  std::string name;
  std::string user_id;
  RoleSet roles;
  int64_t skew = 0;
  int offline_for = 0;
  std::unique_ptr<Db> db;
  std::unique_ptr<Hlc> clock;
  std::unique_ptr<Replica> replica;
  std::unique_ptr<LoopbackTransport> transport;
  std::unique_ptr<SyncClient> client;
  std::vector<std::string> patches;  // every patch it queued
};

struct UserDef {
  const char* name;
  const char* roles;
  const char* dept;                      // department key, or ""
  std::vector<const char*> grids;        // responsibility assignments
};

class World {
 public:
  explicit World(const SimOptions& o)
      : opt_(o), rng_(o.seed), rogue_(o.seed * 0x2545F4914F6CDD1Dull + 11), ids_(o.seed * 7919 + 3) {}

  SimResult run() {
    testing::set_mutant(opt_.mutant);
    try {
      setup();
      for (int i = 0; i < opt_.steps; ++i) step();
      heal();
      Checker checker(*server_, rng_.next());
      for (auto& d : devices_) checker.add_device(d->name, d->user_id, *d->replica, d->patches);
      result_.failures = checker.run();
    } catch (const std::exception& e) {
      result_.failures.push_back(std::string("exception: ") + e.what());
    }
    testing::set_mutant(testing::Mutant::none);
    result_.ok = result_.failures.empty();
    result_.trace.assign(trace_.begin(), trace_.end());
    return std::move(result_);
  }

 private:
  // ---- the park --------------------------------------------------------------

  void setup() {
    server_db_ = std::make_unique<SqliteDb>(":memory:");
    server_clock_ = std::make_unique<Hlc>([this] { return wall_; });
    server_ = std::make_unique<ServerEngine>(*server_db_, *server_clock_, opt_.seed * 31 + 7);
    // Odd seeds pull through shared grid pages as gridwork-server does, one
    // in two of them with a cache small enough to evict; even seeds build
    // every page for its reader. Both must converge to the same park.
    if (opt_.seed % 2)
      server_->set_page_cache(std::make_shared<PageCache>(opt_.seed % 4 == 3 ? 16u << 10 : tuning::kPageCacheBytes));
    Txn txn(server_->store());
    auto id = [&](const std::string& key) {
      auto& v = ids_by_key_[key];
      if (v.empty()) v = ids_.next(wall_);
      return v;
    };
    for (const char* d : {"D1", "D2"})
      server_->write_as_server(T("departments"), id(d),
                               fields_of(T("departments"), {{"name", std::string("部门") + d},
                                                         {"grid_id", id(d[1] == '1' ? "U1" : "U2")}}));
    struct G { const char* key; const char* parent; int level; const char* kind; const char* dept; };
    for (G g : {G{"Z", "", 1, "zone", ""}, {"U1", "Z", 2, "unit", "D1"}, {"U2", "Z", 2, "unit", "D2"},
                {"L1a", "U1", 3, "community", ""}, {"L1b", "U1", 3, "enterprise", ""},
                {"L2a", "U2", 3, "community", ""}, {"L2b", "U2", 3, "enterprise", ""}}) {
      Fields f = fields_of(T("grids"), {{"level", int64_t{g.level}}, {"code", std::string("350503001001") + g.key},
                                     {"name", std::string("网格") + g.key}, {"kind", std::string(g.kind)},
                                     {"mode", std::string("normal")}, {"epoch", int64_t{0}}});
      if (*g.parent) add_field(f, T("grids"), "parent_id", id(g.parent));
      if (*g.dept) add_field(f, T("grids"), "department_id", id(g.dept));
      server_->write_as_server(T("grids"), id(g.key), f);
      if (g.level == 3) level3_.push_back(id(g.key));
    }
    users_ = {{"w1", "worker", "", {"U1"}},        {"sup", "supervisor", "", {}},
              {"p1", "worker", "", {"L1a"}},       {"adm", "admin", "", {}},
              {"c1", "cadre", "D1", {}},           {"chief", "chief", "", {"Z"}},
              {"w2", "worker", "", {"U2"}},        {"p2", "worker", "", {"L2b"}},
              {"c2", "cadre,worker", "D1", {"L2a"}}, {"c3", "cadre", "D2", {}}};
    for (const auto& u : users_) {
      Fields f = fields_of(T("users"), {{"username", std::string(u.name)}, {"name", std::string("用户") + u.name},
                                     {"roles", std::string(u.roles)}});
      if (*u.dept) add_field(f, T("users"), "department_id", id(u.dept));
      server_->write_as_server(T("users"), id(u.name), f);
      for (const char* g : u.grids)
        server_->write_as_server(T("assignments"), ids_.next(wall_),
                                 fields_of(T("assignments"), {{"user_id", id(u.name)}, {"grid_id", id(g)},
                                                           {"kind", std::string("responsibility")},
                                                           {"active", int64_t{1}}, {"from_at", wall_ - 86'400'000}}));
    }
    for (const auto& g : level3_)
      for (int i = 0; i < 3; ++i) {
        server_->write_as_server(T("households"), ids_.next(wall_),
                                 fields_of(T("households"), {{"grid_id", g}, {"address", address()},
                                                          {"head_name", name()}, {"phone", phone()}}));
      }
    txn.commit();

    for (int i = 0; i < opt_.replicas; ++i) {
      const auto& u = users_[static_cast<size_t>(i) % users_.size()];
      auto d = std::make_unique<Device>();
      d->name = std::string(u.name) + "#" + std::to_string(i);
      d->user_id = id(u.name);
      d->roles = *RoleSet::parse(u.roles);
      d->db = std::make_unique<SqliteDb>(":memory:");
      Device* raw = d.get();
      d->clock = std::make_unique<Hlc>([this, raw] { return wall_ + raw->skew; });
      std::string device_id = "dev-" + std::to_string(i) + "-" + u.name;
      d->replica = std::make_unique<Replica>(*d->db, device_id, *d->clock, opt_.seed * 1000 + static_cast<uint64_t>(i) + 1);
      d->transport = std::make_unique<LoopbackTransport>(*server_, Principal{d->user_id, device_id},
                                                         opt_.seed * 7 + static_cast<uint64_t>(i) + 1);
      d->client = std::make_unique<SyncClient>(*d->replica, *d->transport);
      d->client->push_batch = 1 + static_cast<size_t>(rng_.below(8));  // small pages: more resumes
      d->client->pull_limit = 2 + rng_.below(20);
      // Two batches out at once on some devices, the second reaching the
      // server first now and then: answered `gap` and sent again.
      d->client->push_window = 1 + static_cast<size_t>(rng_.below(2));
      d->client->overtake = [this] { return rng_.below(3) == 0; };
      devices_.push_back(std::move(d));
    }
  }

  std::string name() {
    static const std::vector<std::string> kNames = {"陈建国", "林秀英", "黄志强", "吴丽华", "王明", "张伟", "李娜", "刘洋"};
    return rng_.pick(kNames);
  }
  std::string phone() { return "138" + std::to_string(10000000 + rng_.below(89999999)); }
  std::string address() { return "崇福路" + std::to_string(1 + rng_.below(300)) + "号"; }

  // ---- steps -------------------------------------------------------------------

  void note(std::string line) {
    if (opt_.verbose) fprintf(stderr, "%s\n", line.c_str());
    trace_.push_back(std::move(line));
    if (trace_.size() > 40) trace_.pop_front();
  }

  void step() {
    wall_ += 1 + rng_.below(2000);
    Device& d = *devices_[static_cast<size_t>(rng_.below(static_cast<int>(devices_.size())))];
    if (d.offline_for > 0 && --d.offline_for == 0) note(d.name + " back online");
    d.transport->offline = d.offline_for > 0;
    if (opt_.faults) d.transport->faults = Faults{0.05, 0.05, 0.05, 0.05};
    int r = rng_.below(100);
    if (r < 55) edit(d);
    else if (r < 93) sync(d);
    else if (r < 96 && opt_.faults) {
      d.offline_for = 5 + rng_.below(60);
      note(d.name + " goes offline for " + std::to_string(d.offline_for) + " of its steps");
    } else {
      d.skew = (rng_.below(3) - 1) * kHour + rng_.below(120'000) - 60'000;
      note(d.name + " clock skew " + std::to_string(d.skew / 1000) + " s");
    }
  }

  void sync(Device& d) {
    auto r = d.client->sync();
    ++result_.stats.syncs;
    if (!r) {
      ++result_.stats.failed_syncs;
      note(d.name + " sync failed: " + r.error().to_string());
    } else {
      result_.stats.overtaken += r->overtaken;
      note(d.name + " sync: pushed " + std::to_string(r->pushed) + ", refused " + std::to_string(r->refused) +
           ", pulled " + std::to_string(r->pulled) + (r->overtaken ? ", overtaken " + std::to_string(r->overtaken) : ""));
    }
  }

  // A random row id of a table in the device's store, or "".
  std::string any_row(Device& d, const char* table, const char* where = "1") {
    auto& db = *d.db;
    int64_t n = db.query_int("SELECT count(*) FROM " + std::string(table) + " WHERE " + where);
    if (n == 0) return {};
    auto s = db.prepare("SELECT id FROM " + std::string(table) + " WHERE " + where + " ORDER BY id LIMIT 1 OFFSET ?");
    s.bind(1, int64_t{rng_.below(static_cast<int>(n))});
    return s.step() ? std::string(s.text(0)) : std::string();
  }

  std::string some_grid(Device& d) {
    // Mostly a grid the device can see rows of; sometimes any grid (refused).
    std::string g = any_row(d, "households");
    if (!g.empty() && !rng_.chance(0.15)) {
      auto s = d.db->prepare("SELECT grid_id FROM households WHERE id = ?");
      s.bind(1, g);
      if (s.step()) return std::string(s.text(0));
    }
    return rng_.pick(level3_);
  }

  void write(Device& d, const TableSpec& t, const std::string& row, const Fields& f, const char* what) {
    auto p = d.replica->write(t, row, f);
    ++result_.stats.edits;
    if (!p) {
      ++result_.stats.refused_locally;
      note(d.name + " " + what + " refused on the device: " + p.error().to_string());
      return;
    }
    d.patches.push_back(p->id);
    std::string cols;
    for (const auto& x : f) cols += (cols.empty() ? "" : ",") + std::string(t.columns[x.col].name);
    note(d.name + " " + what + " " + std::string(t.name) + " " + row.substr(24) + " [" + cols + "] patch " +
         p->id.substr(24) + " hlc " + std::to_string(p->hlc));
  }

  void edit(Device& d) {
    int64_t now = wall_ + d.skew;
    if (d.roles.has(Role::supervisor) && rng_.chance(0.25)) return office_edit(d, now);
    if (d.roles.has(Role::admin) && rng_.chance(0.5)) return resolve_conflict(d, now);
    if (opt_.rogue && rogue_.chance(0.06)) return rogue_edit(d, now);
    switch (rng_.below(9)) {
      case 0: case 1: case 2: {  // contested personal data
        std::string row = any_row(d, "households");
        if (row.empty()) break;
        static const char* kCols[] = {"head_name", "phone", "address", "notes"};
        const char* col = kCols[rng_.below(4)];
        Value v = std::string(col) == "phone" ? Value{phone()} : std::string(col) == "address" ? Value{address()}
                  : std::string(col) == "notes" ? Value{"备注" + std::to_string(rng_.below(1000))} : Value{name()};
        write(d, T("households"), row, fields_of(T("households"), {{col, v}}), "edits");
        break;
      }
      case 3:
        write(d, T("households"), ids_.next(wall_),
              fields_of(T("households"), {{"grid_id", some_grid(d)}, {"address", address()}, {"head_name", name()},
                                       {"members", int64_t{1 + rng_.below(5)}}}),
              "creates");
        break;
      case 4: {
        std::string grid = some_grid(d);
        write(d, T("cases"), ids_.next(wall_),
              fields_of(T("cases"), {{"grid_id", grid}, {"source", std::string("patrol")}, {"category", std::string("0302")},
                                  {"severity", std::string("normal")}, {"title", std::string("邻里噪音纠纷")},
                                  {"status", std::string("reported")}, {"reported_at", now},
                                  {"description", std::string("楼上装修噪音")}, {"reporter_id", d.user_id}}),
              "reports");
        break;
      }
      case 5: {  // a workflow step this device's roles may take; devices that
                 // hold the same case step it concurrently, the state merge orders them
        std::string row = any_row(d, "cases");
        if (row.empty()) break;
        auto s = d.db->prepare("SELECT status FROM cases WHERE id = ?");
        s.bind(1, row);
        if (!s.step()) break;
        auto moves = case_moves_for(d.roles, s.text(0));
        if (moves.empty()) break;
        const CaseMove& m = *rng_.pick(moves);
        Fields f = fields_of(T("cases"), {{"status", std::string(m.to)}, {"last_action", std::string(m.action)}});
        if (m.needs_note) add_field(f, T("cases"), "status_note", std::string("模拟理由"));
        if (m.needs_resolution) add_field(f, T("cases"), "resolution", std::string("已调解"));
        if (m.needs_score) add_field(f, T("cases"), "score", int64_t{1 + rng_.below(5)});
        if (m.needs_route) add_field(f, T("cases"), "route", std::string(rng_.chance(0.5) ? "grid" : "department"));
        write(d, T("cases"), row, f, "moves");
        break;
      }
      case 6: {
        std::string hh = any_row(d, "households");
        if (hh.empty()) break;
        auto s = d.db->prepare("SELECT grid_id FROM households WHERE id = ?");
        s.bind(1, hh);
        if (!s.step()) break;
        std::string grid(s.text(0));
        write(d, T("visits"), ids_.next(wall_),
              fields_of(T("visits"), {{"grid_id", grid}, {"target_kind", std::string("household")}, {"target_id", hh},
                                   {"visitor_id", d.user_id}, {"visited_at", now}, {"purpose", std::string("care")}}),
              "visits");
        break;
      }
      case 7:
        attach_photos(d, now);
        break;
      default:
        if (rng_.chance(0.3)) return record_track(d, now);
        write(d, T("patrols"), ids_.next(wall_),
              fields_of(T("patrols"), {{"grid_id", some_grid(d)}, {"worker_id", d.user_id}, {"started_at", now},
                                    {"status", std::string("done")}, {"ended_at", now + 1}}),
              "patrols");
        break;
    }
  }

  // A segment of a patrol's track (issue 23) on one of the user's patrols
  // the device holds: two tablets of one user, or one resending, race for
  // a segment number, which the server keeps once (Checker::check_tracks).
  void record_track(Device& d, int64_t now) {
    std::string where = "worker_id = '" + d.user_id + "'";
    std::string row = any_row(d, "patrols", where.c_str());
    if (row.empty()) return;
    auto s = d.db->prepare("SELECT grid_id FROM patrols WHERE id = ?");
    s.bind(1, row);
    if (!s.step()) return;
    std::string grid(s.text(0));
    s.reset();
    std::vector<geo::TrackPoint> points;
    for (int i = 0, n = 2 + rng_.below(20); i < n; ++i)
      points.push_back(geo::quantize({{118.55 + rng_.below(1000) * 1e-6, 24.87 + rng_.below(1000) * 1e-6}, now + i * 5000}));
    write(d, T("tracks"), ids_.next(wall_),
          fields_of(T("tracks"), {{"patrol_id", row}, {"grid_id", grid}, {"worker_id", d.user_id},
                                  {"seq", int64_t{rng_.below(3)}}, {"started_at", points.front().at_ms},
                                  {"ended_at", points.back().at_ms}, {"points", geo::encode_track(points)}}),
          "tracks");
  }

  // Evidence photos by name (issue 22) on a case the device holds: devices
  // attaching to one case offline race for its nine places, which the
  // server keeps (Checker::check_photo_quota).
  void attach_photos(Device& d, int64_t now) {
    std::string row = any_row(d, "cases");
    if (row.empty()) return;
    auto s = d.db->prepare("SELECT grid_id FROM cases WHERE id = ?");
    s.bind(1, row);
    if (!s.step()) return;
    std::string grid(s.text(0));
    s.reset();
    auto hash = [&] {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string h(64, '0');
      for (auto& c : h) c = kHex[rng_.below(16)];
      return h;
    };
    for (int i = 0, n = 1 + rng_.below(4); i < n; ++i)
      write(d, T("attachments"), ids_.next(wall_),
            fields_of(T("attachments"), {{"record_table", std::string("cases")}, {"record_id", row}, {"grid_id", grid},
                                         {"hash", hash()}, {"bytes", int64_t{150'000 + rng_.below(100'000)}},
                                         {"width", int64_t{1280}}, {"height", int64_t{960}}, {"thumb_hash", hash()},
                                         {"thumb_bytes", int64_t{20'000}}, {"author_id", d.user_id},
                                         {"taken_at", now}}),
            "photos");
  }

  void office_edit(Device& d, int64_t now) {
    if (rng_.chance(0.5)) {
      // Takeover of a unit grid: end the one open, or start one.
      std::string open = any_row(d, "takeovers", "ended_at IS NULL");
      if (!open.empty() && rng_.chance(0.6)) {
        write(d, T("takeovers"), open, fields_of(T("takeovers"), {{"ended_at", now}, {"ended_by", d.user_id}}), "ends takeover");
      } else {
        const char* unit = rng_.chance(0.5) ? "U1" : "U2";
        write(d, T("takeovers"), ids_.next(wall_),
              fields_of(T("takeovers"), {{"grid_id", ids_by_key_[unit]}, {"department_id", ids_by_key_[unit[1] == '1' ? "D1" : "D2"]},
                                      {"reason", std::string("台风应急")}, {"started_by", d.user_id}, {"started_at", now}}),
              "starts takeover");
      }
      ++result_.stats.takeovers;
      return;
    }
    // Peacetime reassignment of a part-time worker.
    const char* who = rng_.chance(0.5) ? "p1" : "p2";
    std::string uid = ids_by_key_[who];
    std::string active = any_row(d, "assignments", ("active = 1 AND kind = 'responsibility' AND user_id = '" + uid + "'").c_str());
    if (!active.empty() && rng_.chance(0.5)) {
      write(d, T("assignments"), active, fields_of(T("assignments"), {{"active", int64_t{0}}, {"to_at", now}}), "ends assignment");
    } else {
      write(d, T("assignments"), ids_.next(wall_),
            fields_of(T("assignments"), {{"user_id", uid}, {"grid_id", rng_.pick(level3_)},
                                      {"kind", std::string("responsibility")}, {"active", int64_t{1}}, {"from_at", now}}),
            "assigns");
    }
    ++result_.stats.reassignments;
  }

  // A foreign or altered client: a workflow step of any role from any
  // status, or a responsibility a field user gives themself. The server
  // must refuse what the rules forbid; the checker's oracle says which.
  void rogue_edit(Device& d, int64_t now) {
    if (rogue_.chance(0.7)) {
      std::string row = any_row(d, "cases");
      if (row.empty()) return;
      std::vector<const CaseMove*> moves;
      for (const auto& m : case_moves())
        if (!m.from.empty()) moves.push_back(&m);
      const CaseMove& m = *rogue_.pick(moves);
      Fields f = fields_of(T("cases"), {{"status", std::string(m.to)}, {"last_action", std::string(m.action)}});
      if (m.needs_note) add_field(f, T("cases"), "status_note", std::string("越权理由"));
      if (m.needs_resolution) add_field(f, T("cases"), "resolution", std::string("越权处置"));
      if (m.needs_score) add_field(f, T("cases"), "score", int64_t{5});
      if (m.needs_route) add_field(f, T("cases"), "route", std::string("grid"));
      return write(d, T("cases"), row, f, "rogue-moves");
    }
    if (d.roles.has(Role::supervisor) || d.roles.has(Role::admin)) return;  // theirs to give
    write(d, T("assignments"), ids_.next(wall_),
          fields_of(T("assignments"), {{"user_id", d.user_id}, {"grid_id", rogue_.pick(level3_)},
                                       {"kind", std::string("responsibility")}, {"active", int64_t{1}},
                                       {"from_at", now}}),
          "rogue-assigns");
  }

  // An admin decides an open conflict by a choice its kind allows: keep
  // either side, go back to the base, or accept or refuse a held patch.
  void resolve_conflict(Device& d, int64_t now) {
    std::string c = any_row(d, "conflicts", "status = 'open'");
    if (c.empty()) return;
    auto k = d.db->prepare("SELECT kind FROM conflicts WHERE id = ?");
    k.bind(1, c);
    std::string kind = k.step() ? std::string(k.text(0)) : std::string();
    std::string status = "resolved", how;
    if (kind == "quarantine") {
      if (rng_.chance(0.5)) status = "refused";
      else how = "accept";
    } else {
      how = rng_.chance(0.5) ? "ours" : "theirs";
      if (kind == "review" && rng_.chance(0.2)) how = "base";  // refused when the base is unknown
    }
    Fields f = fields_of(T("conflicts"), {{"status", status}, {"resolved_by", d.user_id}, {"resolved_at", now}});
    if (!how.empty()) add_field(f, T("conflicts"), "resolution", how);
    write(d, T("conflicts"), c, f, "resolves");
  }

  // ---- healing -------------------------------------------------------------------

  void heal() {
    note("healing: every device online, no faults");
    for (auto& d : devices_) {
      d->offline_for = 0;
      d->transport->offline = false;
      d->transport->faults = Faults{};
    }
    for (int round = 0; round < 40; ++round) {
      ++result_.stats.heal_rounds;
      int64_t moved = 0;
      for (auto& d : devices_) {
        wall_ += 10;
        auto r = d->client->sync();
        if (!r) {
          result_.failures.push_back(d->name + " failed to sync while healing: " + r.error().to_string());
          return;
        }
        moved += r->pushed + r->refused + r->pulled + r->evicted;
        result_.stats.overtaken += r->overtaken;
      }
      if (moved == 0) {
        tally();
        return;
      }
    }
    result_.failures.push_back("devices did not settle within 40 healing rounds");
  }

  void tally() {
    auto& db = server_->store().db();
    result_.stats.accepted = db.query_int("SELECT count(*) FROM _log WHERE status = 'accepted' AND author != 'server'");
    result_.stats.rejected = db.query_int("SELECT count(*) FROM _log WHERE status = 'rejected'");
    result_.stats.quarantined = db.query_int("SELECT count(*) FROM _log WHERE status = 'quarantined'");
    result_.stats.conflicts = db.query_int("SELECT count(*) FROM conflicts");
    result_.stats.decided = db.query_int("SELECT count(*) FROM conflicts WHERE status != 'open'");
  }

  const SimOptions& opt_;
  Rng rng_;
  Rng rogue_;  // the rogue clients' draws (SimOptions::rogue)
  UuidV7 ids_;
  int64_t wall_ = 1'780'000'000'000;  // June 2026
  std::unique_ptr<Db> server_db_;
  std::unique_ptr<Hlc> server_clock_;
  std::unique_ptr<ServerEngine> server_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<UserDef> users_;
  std::map<std::string, std::string> ids_by_key_;
  std::vector<std::string> level3_;
  std::deque<std::string> trace_;
  SimResult result_;
};

}  // namespace

SimResult run_simulation(const SimOptions& options) { return World(options).run(); }

}  // namespace gw::sync::sim
