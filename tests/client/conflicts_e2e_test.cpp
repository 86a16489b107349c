// Conflict review over the real server, on client cores as the tablets run
// them (issue 8, DESIGN §7): two workers correct the same record offline,
// the admin decides each field offline, and every device converges on the
// decision; the log keeps every write.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "client/core/conflict_desk.hpp"
#include "shared/tuning.hpp"
#include "tests/client/core_fixture.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using namespace gw::client;
using namespace gw::test;

namespace {

std::string replica_path(const TempDir& dir, const char* user) { return dir.path + "/users/" + user + "/replica.db"; }

std::string text_of(const std::string& db_path, const std::string& sql, const std::string& arg) {
  KeyedDb keyed(db_path);
  auto s = keyed.db.prepare(sql);
  s.bind(1, arg);
  return s.step() && !s.is_null(0) ? std::string(s.text(0)) : std::string("<null>");
}

// The contested fields of one record as a store holds them.
std::map<std::string, std::string> fields_of_row(const std::string& db_path, const std::string& table,
                                                 const std::string& id, const std::vector<std::string>& cols) {
  std::map<std::string, std::string> out;
  for (const auto& c : cols)
    out[c] = text_of(db_path, "SELECT CAST(gw_open(\"" + c + "\", '" + table + "." + c + "') AS TEXT) FROM " + table +
                                  " WHERE id = ?", id);
  return out;
}

const ConflictItem* on_column(const RecordConflicts& r, const std::string& column) {
  for (const auto& c : r.conflicts)
    if (c.column == column) return &c;
  return nullptr;
}

// Waits for the commands posted, then the first error among their notices.
std::string error_after(ClientCore& app) {
  settle(app);
  return first_error(app);
}

std::vector<NoticeItem> notices_of(ClientCore& app, const std::string& event) {
  std::vector<NoticeItem> out;
  auto s = settle(app);
  if (s.home)
    for (const auto& n : s.home->notices)
      if (n.event == event) out.push_back(n);
  return out;
}

}  // namespace

TEST_CASE("worker01 and pworker001 correct one enterprise offline; admin01 decides each field offline; all converge") {
  ServerProcess server({"--demo"});
  TempDir wt, pt, at;
  auto worker = open_app(wt.path, server.url());
  auto part = open_app(pt.path, server.url());
  auto admin = open_app(at.path, server.url());
  for (auto [app, user] : {std::pair{worker.get(), "worker01"}, {part.get(), "pworker001"}, {admin.get(), "admin01"}}) {
    CAPTURE(user);
    REQUIRE(sign_in(*app, user).session.signed_in);
    synced(*app);
  }
  const std::string wdb = replica_path(wt, "worker01"), pdb = replica_path(pt, "pworker001"),
                    adb = replica_path(at, "admin01");
  // The enterprise of pworker001's grid (九牧王), which worker01 holds through its unit grid.
  std::string id = text_of(pdb, "SELECT e.id FROM enterprises e JOIN grids g ON g.id = e.grid_id WHERE g.code = ?",
                           "35050310510101");
  REQUIRE(id.size() == 36);
  const std::vector<std::string> cols{"contact_name", "contact_phone", "address", "employees"};
  auto base = fields_of_row(server.db_path(), "enterprises", id, cols);
  REQUIRE(fields_of_row(wdb, "enterprises", id, cols) == base);

  // Both correct the record without a link to the other.
  worker->edit_target("enterprise", id, {{"contact_name", "林志强"}, {"contact_phone", "13905911111"},
                                         {"address", base["address"] + "（北门）"}, {"employees", "120"}});
  part->edit_target("enterprise", id, {{"contact_name", "林志刚"}, {"contact_phone", "13805912222"},
                                       {"address", base["address"] + "（南门）"}, {"employees", "95"}});
  CHECK(error_after(*worker).empty());
  CHECK(error_after(*part).empty());
  // A bad value is refused on the tablet, changing nothing.
  part->edit_target("enterprise", id, {{"employees", "很多"}});
  CHECK(error_after(*part).find("error.invalid") == 0);
  synced(*worker);
  auto ps = synced(*part);
  CHECK(ps.sync.problems == 0);

  // Exactly one conflict per contested field, with both sides and the base.
  auto as = synced(*admin);
  admin->open_conflict_record("enterprises", id);
  auto rec = settle(*admin).conflict_record;
  REQUIRE(rec);
  CHECK(rec->conflicts.size() == 4);
  for (const auto& c : cols) {
    CAPTURE(c);
    const ConflictItem* k = on_column(*rec, c);
    REQUIRE(k);
    CHECK(k->kind == "review");
    CHECK(k->status == "open");
    CHECK(k->base.known);
    CHECK(k->base.value == base[c]);
    CHECK(k->ours.author_name != k->theirs.author_name);
    CHECK(k->theirs.device != k->ours.device);
  }
  CHECK(on_column(*rec, "employees")->ours.value == "120");
  CHECK(on_column(*rec, "employees")->theirs.value == "95");
  CHECK(count(server.db_path(), "SELECT count(*) FROM conflicts WHERE row_id = '" + id + "'") == 4);

  // The workers' tablets know the record is contested, not the values.
  synced(*worker);
  worker->search_targets(TargetQuery{"", "enterprise", 20000});
  auto ws = settle(*worker);
  REQUIRE(ws.targets);
  auto it = std::find_if(ws.targets->items.begin(), ws.targets->items.end(),
                         [&](const TargetItem& t) { return t.id == id; });
  REQUIRE(it != ws.targets->items.end());
  CHECK(it->contested);
  CHECK(count(wdb, "SELECT count(*) FROM conflicts WHERE row_id = '" + id + "' AND status = 'open'") == 4);
  CHECK(count(wdb, "SELECT count(*) FROM conflicts WHERE row_id = '" + id + "' AND theirs IS NOT NULL") == 0);

  // The queue filters by table, kind and device.
  ConflictFilter f;
  f.table = "enterprises";
  f.device = on_column(*rec, "address")->theirs.device;
  admin->load_conflicts(f);
  auto q = settle(*admin).conflicts;
  REQUIRE(q);
  CHECK(q->items.size() == 4);
  f.kind = "quarantine";
  admin->load_conflicts(f);
  CHECK(settle(*admin).conflicts->items.empty());

  // Decided offline, one field per kind of choice; a bad new value is refused
  // and writes nothing.
  auto pick = [&](const char* c, ConflictChoice how, std::string custom = {}) {
    return ConflictDecision{on_column(*rec, c)->id, how, std::move(custom)};
  };
  admin->resolve_conflicts({pick("employees", ConflictChoice::custom, "-5")});
  CHECK(error_after(*admin).find("error.") == 0);
  CHECK(count(adb, "SELECT count(*) FROM conflicts WHERE row_id = '" + id + "' AND status = 'open'") == 4);
  admin->resolve_conflicts({pick("contact_name", ConflictChoice::base), pick("contact_phone", ConflictChoice::ours),
                            pick("address", ConflictChoice::theirs), pick("employees", ConflictChoice::custom, "108")});
  CHECK(error_after(*admin).empty());
  admin->open_conflict_record("enterprises", id);
  rec = settle(*admin).conflict_record;
  for (const auto& c : rec->conflicts) CHECK(c.pending);
  // Decided once: a second decision is refused on the tablet.
  admin->resolve_conflicts({pick("address", ConflictChoice::ours)});
  CHECK(error_after(*admin).find("error.state") == 0);

  synced(*admin);
  for (const auto& p : settle(*admin).home->problems) FAIL_CHECK(p.table << " " << p.code << ": " << p.reason);
  synced(*worker);
  synced(*part);
  synced(*admin);
  std::map<std::string, std::string> want{{"contact_name", base["contact_name"]},
                                          {"contact_phone", "13905911111"},
                                          {"address", base["address"] + "（南门）"},
                                          {"employees", "108"}};
  CHECK(fields_of_row(server.db_path(), "enterprises", id, cols) == want);
  CHECK(fields_of_row(wdb, "enterprises", id, cols) == want);
  CHECK(fields_of_row(pdb, "enterprises", id, cols) == want);
  CHECK(fields_of_row(adb, "enterprises", id, cols) == want);
  CHECK(count(server.db_path(), "SELECT count(*) FROM conflicts WHERE row_id = '" + id + "' AND status = 'resolved'") ==
        4);
  CHECK(count(wdb, "SELECT count(*) FROM conflicts WHERE row_id = '" + id + "' AND status = 'open'") == 0);

  // The authors whose values lost are told what replaced them: one notice each.
  auto wn = notices_of(*worker, "conflict_resolved");
  auto pn = notices_of(*part, "conflict_resolved");
  REQUIRE(wn.size() == 1);
  REQUIRE(pn.size() == 1);
  CHECK(wn[0].words.find("共 3 项") != std::string::npos);  // name, address, employees
  CHECK(pn[0].words.find("共 3 项") != std::string::npos);  // name, phone, employees

  // The history: the park's registration, both corrections, the decision.
  admin->load_history("enterprises", id);
  auto h = settle(*admin).history;
  REQUIRE(h);
  CHECK(h->error.empty());
  std::vector<std::string> authors;
  for (const auto& e : h->entries) {
    bool contested = std::any_of(e.set.begin(), e.set.end(), [&](const auto& kv) {
      return std::find(cols.begin(), cols.end(), kv.first) != cols.end();
    });
    if (contested) authors.push_back(e.author_name);
  }
  CHECK(authors == std::vector<std::string>{"server", "worker01", "pworker001", "admin01"});

  // The log is for the service centre: a worker is refused it.
  worker->load_history("enterprises", id);
  CHECK(settle(*worker).history->error.find("forbidden") == 0);

  // Offline, the history says so and nothing else breaks.
  server.stop();
  admin->load_history("enterprises", id);
  CHECK(!settle(*admin).history->error.empty());
}

TEST_CASE("500 conflicts from one device's backlog decided in one action; every device converges") {
  ServerProcess server({"--demo"});
  TempDir wt, pt, at;
  auto worker = open_app(wt.path, server.url());
  auto part = open_app(pt.path, server.url());
  auto admin = open_app(at.path, server.url());
  for (auto [app, user] : {std::pair{worker.get(), "worker03"}, {part.get(), "pworker010"}, {admin.get(), "admin01"}}) {
    CAPTURE(user);
    REQUIRE(sign_in(*app, user).session.signed_in);
    synced(*app);
  }
  const std::string wdb = replica_path(wt, "worker03"), pdb = replica_path(pt, "pworker010"),
                    adb = replica_path(at, "admin01");
  // 500 households of pworker010's grid (not the demo's own conflicts).
  std::vector<std::string> ids;
  {
    SqliteDb db(pdb);
    auto s = db.prepare("SELECT h.id FROM households h WHERE h.id NOT IN (SELECT row_id FROM conflicts) "
                        "ORDER BY h.id LIMIT 500");
    while (s.step()) ids.emplace_back(s.text(0));
  }
  REQUIRE(ids.size() == 500);
  for (size_t i = 0; i < ids.size(); ++i) {
    worker->edit_target("household", ids[i], {{"phone", "139" + std::to_string(10000000 + i)}});
    part->edit_target("household", ids[i], {{"phone", "138" + std::to_string(10000000 + i)}});
  }
  CHECK(error_after(*worker).empty());
  CHECK(error_after(*part).empty());
  synced(*worker);
  synced(*part);
  synced(*admin);

  // The device's backlog, by the device filter: 500, decided at once.
  ConflictFilter f;
  f.device = text_of(pdb, "SELECT device FROM conflicts WHERE row_id = ?", ids[0]);
  REQUIRE(f.device != "<null>");
  admin->load_conflicts(f);
  auto q = settle(*admin).conflicts;
  REQUIRE(q);
  REQUIRE(q->items.size() == 500);
  std::vector<ConflictDecision> all;
  for (const auto& c : q->items) all.push_back({c.id, ConflictChoice::theirs, {}});
  admin->resolve_conflicts(all);
  CHECK(error_after(*admin).empty());
  synced(*admin);
  CHECK(settle(*admin).sync.problems == 0);
  synced(*worker);
  synced(*part);
  CHECK(count(server.db_path(), "SELECT count(*) FROM conflicts WHERE device = '" + f.device +
                                    "' AND status = 'resolved' AND resolution = 'theirs'") == 500);
  for (const auto* db : {&wdb, &pdb, &adb}) {
    CAPTURE(*db);
    int64_t agree = 0;
    for (size_t i = 0; i < ids.size(); ++i)
      agree += text_of(*db, "SELECT gw_open(phone, 'households.phone') FROM households WHERE id = ?", ids[i]) == "138" + std::to_string(10000000 + i);
    CHECK(agree == 500);
  }
  // worker03 lost 500 values: one notice per pushed batch of decisions, not 500.
  auto wn = notices_of(*worker, "conflict_resolved");
  CHECK(wn.size() <= (500 + tuning::kPushBatchPatches - 1) / tuning::kPushBatchPatches);
  int64_t told = 0;
  for (const auto& n : wn) {
    auto pos = n.words.find("共 ");
    REQUIRE(pos != std::string::npos);
    told += std::stoll(n.words.substr(pos + 4));
  }
  CHECK(told == 500);
  CHECK(notices_of(*part, "conflict_resolved").empty());
}
