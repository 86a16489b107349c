// The offline-first story of issue 5 against the real gridwork-server:
// sign in, lose the server, record a patrol, a visit and a dispute, restart
// the app and the server, sync, and find it all on the server and on a
// second device.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "client/core/client_core.hpp"
#include "client/core/settings_file.hpp"
#include "shared/json.hpp"
#include "shared/sqlite.hpp"
#include "tests/client/core_fixture.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using namespace gw::client;
using gw::test::ServerProcess;
using namespace gw::test;

TEST_CASE("a worker records offline, survives restarts of app and server, and everything arrives") {
  ServerProcess server({"--demo"});
  TempDir tablet, second;

  auto app = open_app(tablet.path, server.url());
  auto s = sign_in(*app, "worker01");
  REQUIRE_MESSAGE(s.session.signed_in, (s.session.error_key + " " + s.session.error_detail));
  CHECK_FALSE(s.session.offline_unlock);
  s = synced(*app);
  CHECK(s.sync.link == Link::online);
  CHECK(s.sync.last_sync_at > 0);
  CHECK(s.sync.records_down > 100);  // the grids' rows came down
  REQUIRE(s.home);
  REQUIRE_FALSE(s.home->my_grids.empty());
  const GridItem unit = s.home->my_grids.front();

  // The link goes. Everything below is recorded with no server at all.
  REQUIRE(server.stop() == 0);

  app->start_patrol(unit.id);
  s = settle(*app);
  REQUIRE(s.patrol);
  std::string patrol = s.patrol->id;
  REQUIRE_FALSE(s.patrol->checklist.empty());
  std::string first_item = s.patrol->checklist[0].item;
  app->mark_check(patrol, s.patrol->checklist[1].item, CheckMark::ok, "");
  app->report_finding(patrol, first_item, "消防通道被杂物堵塞");
  s = settle(*app);
  CHECK(first_error(*app).empty());
  REQUIRE(s.patrol);
  CHECK(s.patrol->findings == 1);
  CHECK(s.patrol->checklist[0].mark == CheckMark::problem);
  CHECK_FALSE(s.patrol->checklist[0].case_id.empty());
  CHECK(s.patrol->checklist[1].mark == CheckMark::ok);
  app->end_patrol(patrol, "巡查完毕");
  settle(*app);
  CHECK(first_error(*app).empty());

  app->search_targets(TargetQuery{});
  s = settle(*app);
  REQUIRE(s.targets);
  REQUIRE_FALSE(s.targets->items.empty());
  NewVisit visit;
  visit.target_kind = s.targets->items.front().kind;
  visit.target_id = s.targets->items.front().id;
  visit.purpose = "safety";
  visit.notes = "检查消防器材";
  visit.needs = "需要更换灭火器";
  app->record_visit(visit);
  settle(*app);
  CHECK(first_error(*app).empty());

  NewCase dispute;
  dispute.grid_id = unit.id;
  dispute.category = "0302";
  dispute.title = "offline-dispute-楼上漏水";
  dispute.description = "楼上住户漏水，双方协商未果";
  dispute.parties = "张三、李四";
  dispute.source = "visit";
  app->create_case(dispute);
  s = settle(*app);
  CHECK(first_error(*app).empty());
  std::string dispute_id = s.case_detail ? s.case_detail->item.id : "";
  REQUIRE_FALSE(dispute_id.empty());

  // Bad input: a clear error and nothing written.
  int64_t pending = s.sync.pending;
  CHECK(pending > 0);
  NewCase untitled = dispute;
  untitled.title = "  ";
  app->create_case(untitled);
  s = settle(*app);
  CHECK(first_error(*app).find("error.missing") == 0);
  CHECK(s.sync.pending == pending);

  s = synced(*app);
  CHECK(s.sync.link == Link::offline);
  CHECK(s.sync.pending == pending);

  // The tablet restarts with no server: unlock offline, the data is there.
  app.reset();
  app = open_app(tablet.path, server.url());
  s = sign_in(*app, "worker01", "wrong-password");
  CHECK_FALSE(s.session.signed_in);
  CHECK(s.session.error_key == "error.wrong_password_offline");
  s = sign_in(*app, "worker01");
  REQUIRE(s.session.signed_in);
  CHECK(s.session.offline_unlock);
  CHECK(s.sync.pending == pending);
  REQUIRE(s.home);
  CHECK(s.home->patrols_today >= 1);
  CHECK(s.home->visits_today >= 1);
  app->list_cases(CaseFilter{"open", "", "", false, true});
  s = settle(*app);
  REQUIRE(s.cases);
  bool listed = false;
  for (const auto& c : s.cases->items) listed = listed || (c.id == dispute_id && c.pending);
  CHECK(listed);

  // An unknown user cannot sign in with no server.
  TempDir stranger;
  auto other = open_app(stranger.path, server.url());
  s = sign_in(*other, "worker02");
  CHECK_FALSE(s.session.signed_in);
  CHECK(s.session.error_key == "error.first_login_online");
  other.reset();

  // The server comes back; one sync sends everything.
  server.restart();
  s = synced(*app);
  CHECK(s.sync.link == Link::online);
  CHECK(s.sync.pending == 0);
  CHECK(s.sync.problems == 0);
  CHECK(first_error(*app).empty());

  const std::string db = server.db_path();
  CHECK(count(db, "SELECT COUNT(*) FROM cases WHERE title = 'offline-dispute-楼上漏水' AND status = 'reported'") == 1);
  CHECK(count(db, "SELECT COUNT(*) FROM cases WHERE id = '" + dispute_id + "' AND parties = '[\"张三\",\"李四\"]'") == 1);
  CHECK(count(db, "SELECT COUNT(*) FROM patrols WHERE id = '" + patrol + "' AND status = 'done' AND findings = 1") == 1);
  CHECK(count(db, "SELECT COUNT(*) FROM visits WHERE target_id = '" + visit.target_id +
                      "' AND needs = '需要更换灭火器'") == 1);
  CHECK(count(db, "SELECT COUNT(*) FROM case_log WHERE case_id = '" + dispute_id + "' AND action = 'report'") == 1);

  // A second device — the zone chief's — sees them and moves the case on.
  auto chief = open_app(second.path, server.url());
  s = sign_in(*chief, "chief01");
  REQUIRE(s.session.signed_in);
  s = synced(*chief);
  CHECK(s.sync.link == Link::online);
  chief->open_case(dispute_id);
  s = settle(*chief);
  REQUIRE(s.case_detail);
  CHECK(s.case_detail->item.title == "offline-dispute-楼上漏水");
  CHECK(s.case_detail->parties == "张三、李四");
  REQUIRE(s.case_detail->log.size() == 1);
  bool can_accept = false;
  for (const auto& a : s.case_detail->actions) can_accept = can_accept || a.action == "accept";
  CHECK(can_accept);
  chief->case_action(dispute_id, "reject", CaseActionInput{});  // a rejection needs a reason
  settle(*chief);
  CHECK(first_error(*chief).find("error.missing") == 0);
  chief->case_action(dispute_id, "accept", CaseActionInput{"受理", "", "", 0, {}});
  s = settle(*chief);
  CHECK(first_error(*chief).empty());
  s = synced(*chief);
  CHECK(s.sync.pending == 0);
  const std::string chief_db = second.path + "/users/chief01/replica.db";
  CHECK(count(chief_db, "SELECT COUNT(*) FROM patrols WHERE id = '" + patrol + "'") == 1);
  CHECK(count(chief_db, "SELECT COUNT(*) FROM visits WHERE target_id = '" + visit.target_id + "' AND needs = '需要更换灭火器'") == 1);

  // Back on the worker's tablet the case has moved on.
  app->open_case(dispute_id);
  s = synced(*app);
  REQUIRE(s.case_detail);
  CHECK(s.case_detail->item.status == "accepted");
  CHECK(s.case_detail->log.size() == 2);
}

TEST_CASE("a PIN unlocks offline after a sign-out, and sign-out keeps unsynced records") {
  ServerProcess server({"--demo"});
  TempDir tablet;
  {
    // Another user's replica from a newer build (a tablet rolled back to
    // this one) is refused with a clear error and left as it was.
    std::filesystem::create_directories(tablet.path + "/users/pworker002");
    SqliteDb newer(tablet.path + "/users/pworker002/replica.db");
    newer.exec("CREATE TABLE _meta (key TEXT PRIMARY KEY, value); INSERT INTO _meta VALUES ('schema_version', 99)");
  }
  auto app = open_app(tablet.path, server.url());
  auto refused = sign_in(*app, "pworker002");
  CHECK_FALSE(refused.session.signed_in);
  CHECK_FALSE(refused.session.busy);
  CHECK(refused.session.error_key == "error.version_mismatch");
  CHECK(refused.session.error_detail.find("schema version 99") != std::string::npos);
  REQUIRE(sign_in(*app, "pworker001").session.signed_in);
  synced(*app);
  app->set_pin("12");
  settle(*app);
  CHECK(first_error(*app) .find("error.bad_pin") == 0);
  app->set_pin("2468");
  auto s = settle(*app);
  CHECK(s.session.has_pin);
  REQUIRE(s.home);
  REQUIRE_FALSE(s.home->my_grids.empty());
  server.stop();
  app->start_patrol(s.home->my_grids.front().id);
  s = settle(*app);
  CHECK(s.sync.pending == 1);
  app->sign_out();
  s = settle(*app);
  CHECK_FALSE(s.session.signed_in);
  CHECK_FALSE(s.home);
  s = sign_in(*app, "pworker001", "2468");
  REQUIRE(s.session.signed_in);
  CHECK(s.session.offline_unlock);
  CHECK(s.sync.pending == 1);
  REQUIRE(s.home);
  CHECK_FALSE(s.home->active_patrol_id.empty());
  // Signed in by PIN, with the token gone: sync needs the password again,
  // and says so instead of failing silently.
  server.restart();
  s = synced(*app);
  CHECK(s.sync.pending == 1);
  CHECK_FALSE(s.sync.error.empty());
  s = sign_in(*app, "pworker001");
  REQUIRE(s.session.signed_in);
  s = synced(*app);
  CHECK(s.sync.pending == 0);

  // A case in a grid that is not theirs: the server refuses it, the tablet
  // keeps it in sight with the reason until the worker dismisses it.
  REQUIRE(s.catalog);
  std::string foreign;
  for (const auto& g : s.catalog->grids)
    if (!g.mine && g.level == 3) foreign = g.id;
  REQUIRE_FALSE(foreign.empty());
  NewCase c;
  c.grid_id = foreign;
  c.category = "0102";
  c.title = "not my grid";
  app->take_notices();  // the earlier "sign in again"
  app->create_case(c);
  settle(*app);
  CHECK(first_error(*app).empty());
  s = synced(*app);
  REQUIRE(s.home);
  REQUIRE(s.home->problems.size() >= 1);
  CHECK(s.sync.problems == static_cast<int64_t>(s.home->problems.size()));
  const ProblemItem p = s.home->problems.front();
  CHECK(p.state == "rejected");
  CHECK(p.code == "forbidden");
  CHECK_FALSE(p.reason.empty());
  app->take_notices();
  app->dismiss_problem("no-such-patch");
  settle(*app);
  CHECK(first_error(*app).find("error.not_found") == 0);
  for (const auto& problem : s.home->problems) app->dismiss_problem(problem.patch_id);
  s = settle(*app);
  CHECK(s.home->problems.empty());
  CHECK(s.sync.problems == 0);
}

TEST_CASE("a tablet whose clock runs two hours behind still stamps its offline edits after what it saw") {
  ServerProcess server({"--demo"});
  TempDir tablet;
  auto behind = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count() - 2 * 3'600'000;
  };
  auto open_behind = [&] {
    CoreOptions o;
    o.data_dir = tablet.path;
    o.server_url = server.url();
    o.auto_sync = false;
    o.wall = behind;
    return std::make_unique<ClientCore>(o);
  };
  auto app = open_behind();
  REQUIRE(sign_in(*app, "worker01").session.signed_in);
  auto s = synced(*app);
  REQUIRE(s.home);
  REQUIRE_FALSE(s.home->my_grids.empty());
  const std::string grid = s.home->my_grids.front().id;

  // Restarted with no link, the tablet must not fall back to its slow clock.
  app.reset();
  const int64_t newest_seen = count(server.db_path(), "SELECT max(hlc) FROM _log");
  server.stop();
  app = open_behind();
  REQUIRE(sign_in(*app, "worker01").session.offline_unlock);
  NewCase c;
  c.grid_id = grid;
  c.category = "0102";
  c.title = "stamped after";
  app->create_case(c);
  settle(*app);
  CHECK(first_error(*app).empty());
  KeyedDb keyed(tablet.path + "/users/worker01/replica.db");
  auto q = keyed.db.prepare("SELECT gw_open(body, '_outbox') FROM _outbox ORDER BY n");
  int patches = 0;
  while (q.step()) {
    auto body = parse_json(q.text(0));
    REQUIRE(body);
    const Json* hlc = body->find("hlc");
    REQUIRE(hlc);
    CHECK(hlc->as_int() > newest_seen);
    ++patches;
  }
  CHECK(patches == 2);  // the case and its report in the log
}

TEST_CASE("a revoked tablet hands its unsynced records over for review, then wipes itself") {
  ServerProcess server({"--demo"});
  TempDir tablet;
  auto app = open_app(tablet.path, server.url());
  REQUIRE(sign_in(*app, "pworker001").session.signed_in);
  auto s = synced(*app);
  REQUIRE(s.home);
  REQUIRE_FALSE(s.home->my_grids.empty());
  app->start_patrol(s.home->my_grids.front().id);
  s = settle(*app);
  REQUIRE(s.sync.pending == 1);
  std::string user_dir = tablet.path + "/users/pworker001";
  auto account = parse_json(read_file(user_dir + "/account.json").value_or(""));
  REQUIRE(account);
  std::string device = account->find("device_id")->as_string();
  REQUIRE(std::filesystem::exists(user_dir + "/replica.db"));
  REQUIRE(server.admin({"device", "revoke", device}) == 0);
  app->take_notices();

  s = synced(*app);
  CHECK_FALSE(s.session.signed_in);
  CHECK(first_error(*app).find("error.device_wiped") == 0);
  CHECK_FALSE(std::filesystem::exists(user_dir));  // replica, device key, account: gone
  // The patrol reached the server, held for an admin, not merged.
  CHECK(count(server.db_path(), "SELECT count(*) FROM conflicts WHERE kind = 'quarantine' AND tbl = 'patrols' AND device = '" +
                                    device + "' AND status = 'open'") == 1);
  CHECK(count(server.db_path(), "SELECT count(*) FROM _log WHERE origin = '" + device + "' AND status = 'accepted'") == 0);
  // The same person on the same tablet starts afresh as a new device.
  REQUIRE(sign_in(*app, "pworker001").session.signed_in);
  auto fresh = parse_json(read_file(user_dir + "/account.json").value_or(""));
  REQUIRE(fresh);
  CHECK(fresh->find("device_id")->as_string() != device);
}

// Issue 22: a household's past visits, newest first, each with its photos'
// thumbnails, under the household opened; a visit just saved joins the list.
TEST_CASE("the visit screen's household lists its past visits newest first, with their thumbnails") {
  ServerProcess server({"--demo"});
  TempDir tablet;
  auto app = signed_in_app(tablet.path, server.url(), "worker03");
  std::string hid;
  {
    SqliteDb db(tablet.path + "/users/worker03/replica.db");
    auto q = db.prepare(
        "SELECT id FROM households h WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.target_id = h.id) "
        "ORDER BY id LIMIT 1");
    REQUIRE(q.step());
    hid = std::string(q.text(0));
  }
  app->search_targets(TargetQuery{"", "household"});
  app->open_target("household", hid);
  auto s = settle(*app);
  REQUIRE(s.target);
  CHECK(s.target->visits.empty());

  Pixels still{64, 48, std::vector<unsigned char>(64 * 48 * 4, 200)};
  auto photo = prepare_photo_pixels(still);
  REQUIRE(photo);
  NewVisit first;
  first.target_kind = "household";
  first.target_id = hid;
  first.notes = "独居老人\n第二行";
  app->record_visit(first);
  NewVisit second = first;
  second.purpose = "care";
  second.notes = "送米面油";
  second.photos.emplace_back(std::make_shared<const Photo>(*photo));
  app->record_visit(second);
  s = settle(*app);
  CHECK(first_error(*app).empty());

  REQUIRE(s.target);
  REQUIRE(s.target->visits.size() == 2);
  const PastVisit& newest = s.target->visits[0];
  const PastVisit& older = s.target->visits[1];
  CHECK(newest.purpose == "care");
  CHECK(newest.notes == "送米面油");
  CHECK(newest.visited_at >= older.visited_at);
  CHECK_FALSE(newest.visitor_name.empty());
  REQUIRE(newest.photos.size() == 1);
  const PhotoItem& p = newest.photos[0];
  CHECK(p.record_table == "visits");
  CHECK(p.record_id == newest.id);
  CHECK(p.hash == photo->hash);
  CHECK(p.thumb_jpeg == photo->thumb_jpeg);
  CHECK(older.purpose == "routine");
  CHECK(older.notes == "独居老人\n第二行");
  CHECK(older.photos.empty());
}
