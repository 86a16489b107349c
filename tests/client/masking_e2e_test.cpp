// Masked numbers and the personal-data audit (issue 9, DESIGN §8) over the
// real server, on client cores as the tablets run them: a worker's views
// carry ID and phone numbers masked, a reveal shows one in clear and is
// recorded, the record reaches the server; an admin's views are clear; the
// supervisor's audit lists the reveal, a phone change and a history read.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "net/http_transport.hpp"
#include "shared/json.hpp"
#include "tests/client/core_fixture.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using namespace gw::client;
using namespace gw::test;
using gw::net::HttpTransport;
using gw::sync::DeviceKey;

namespace {

std::string replica_path(const TempDir& dir, const char* user) { return dir.path + "/users/" + user + "/replica.db"; }

std::string text_of(const std::string& db_path, const std::string& sql, const std::string& arg = {}) {
  SqliteDb db(db_path);
  auto s = db.prepare(sql);
  if (!arg.empty()) s.bind(1, arg);
  return s.step() && !s.is_null(0) ? std::string(s.text(0)) : std::string();
}

const TargetItem* find_target(const Snapshot& s, const std::string& id) {
  if (!s.targets) return nullptr;
  for (const auto& t : s.targets->items)
    if (t.id == id) return &t;
  return nullptr;
}

// An HTTP client of its own, signed in as `user`, for the endpoints the core
// does not read as JSON.
struct Http {
  Http(const std::string& url, const char* user) : key(DeviceKey::generate()), http(url, key, 10'000) {
    auto r = http.login(user, kPassword, std::string("audit-probe-") + user, "test");
    REQUIRE(r);
    http.set_token(r->token);
  }
  DeviceKey key;
  HttpTransport http;
};

int64_t wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("a worker sees numbers masked and reveals one (recorded, synced); an admin sees them clear; the "
          "supervisor's audit lists who saw or changed what") {
  ServerProcess server({"--demo"});
  const int64_t t0 = wall_now();
  TempDir wt, st, at;
  auto worker = open_app(wt.path, server.url());
  auto sup = open_app(st.path, server.url());
  auto admin = open_app(at.path, server.url());
  for (auto [app, user] : {std::pair{worker.get(), "worker03"}, {sup.get(), "supervisor01"}, {admin.get(), "admin01"}}) {
    CAPTURE(user);
    REQUIRE(sign_in(*app, user).session.signed_in);
    synced(*app);
  }
  const std::string wdb = replica_path(wt, "worker03");
  // A household of worker03's with a phone and a member with an ID number.
  const std::string hid = text_of(wdb,
                                  "SELECT h.id FROM households h JOIN residents r ON r.household_id = h.id WHERE "
                                  "h.phone IS NOT NULL AND r.id_number IS NOT NULL ORDER BY h.id LIMIT 1");
  REQUIRE(hid.size() == 36);
  const std::string phone = text_of(server.db_path(), "SELECT phone FROM households WHERE id = ?", hid);
  REQUIRE(phone.size() >= 11);

  // The worker's list and the household's members: masked.
  worker->search_targets(TargetQuery{"", "household"});
  worker->open_target("household", hid);
  auto s = settle(*worker);
  const TargetItem* item = find_target(s, hid);
  REQUIRE(item);
  CHECK(item->phone.masked);
  CHECK(item->phone.text == phone.substr(0, 3) + std::string(phone.size() - 7, '*') + phone.substr(phone.size() - 4));
  REQUIRE(s.target);
  REQUIRE_FALSE(s.target->residents.empty());
  bool id_masked = false;
  for (const auto& r : s.target->residents)
    if (!r.id_number.text.empty()) {
      id_masked = true;
      CHECK(r.id_number.masked);
      CHECK(r.id_number.text.substr(4, 10) == std::string(10, '*'));
    }
  CHECK(id_masked);

  // Reveal: the clear number for a while, a reveals row on the tablet, then on the server.
  worker->reveal("households", hid, "phone");
  s = settle(*worker);
  CHECK(first_error(*worker).empty());
  REQUIRE(s.revealed);
  const RevealedNumber* shown = revealed_now(s.revealed.get(), item->phone, wall_now());
  REQUIRE(shown);
  CHECK(shown->text == phone);
  CHECK(shown->until > wall_now());
  CHECK(count(wdb, "SELECT count(*) FROM reveals WHERE tbl = 'households' AND col = 'phone' AND row_id = '" + hid + "'") == 1);
  CHECK(s.sync.pending >= 1);
  const std::string device = text_of(wdb, "SELECT device FROM reveals LIMIT 1");
  REQUIRE_FALSE(device.empty());
  synced(*worker);
  CHECK(count(server.db_path(), "SELECT count(*) FROM reveals r JOIN users u ON u.id = r.user_id WHERE "
                                "u.username = 'worker03' AND r.row_id = '" + hid + "' AND r.col = 'phone'") == 1);

  // The admin's views carry the numbers in clear: nothing to reveal.
  admin->search_targets(TargetQuery{"", "household"});
  s = settle(*admin);
  const TargetItem* clear = find_target(s, hid);
  REQUIRE(clear);
  CHECK_FALSE(clear->phone.masked);
  CHECK(clear->phone.text == phone);

  // A phone change by the worker, a history read by the supervisor (its numbers masked).
  // Settled before the sync: the edit is the store thread's, the sync the
  // network thread's, and a sync that ran first would leave it pending
  // (seen under load, when the edit's durable commit was the slower).
  worker->edit_target("household", hid, {{"phone", "13911112222"}});
  settle(*worker);
  CHECK(first_error(*worker).empty());
  REQUIRE(synced(*worker).sync.pending == 0);
  sup->load_history("households", hid);
  s = settle(*sup);
  REQUIRE(s.history);
  CHECK(s.history->error.empty());
  bool saw_masked = false;
  for (const auto& e : s.history->entries)
    for (const auto& [col, value] : e.set)
      if (col == "phone") {
        CHECK(value.find("****") != std::string::npos);
        saw_masked = true;
      }
  CHECK(saw_masked);
  // A patch is timed by its hybrid clock, which may lead the wall clock by a
  // little (it never runs behind what it has seen).
  const int64_t t1 = wall_now() + 2000;

  // The audit as JSON: each with who, when, which device.
  Http sup_http(server.url(), "supervisor01");
  auto body = sup_http.http.get("/v1/audit?from=" + std::to_string(t0) + "&to=" + std::to_string(t1), 10'000);
  REQUIRE(body);
  auto j = parse_json(*body);
  REQUIRE(j);
  const Json* entries = j->find("entries");
  REQUIRE(entries);
  REQUIRE(entries->is_array());
  bool reveal = false, change = false, history = false;
  int64_t last_at = 0;
  for (const auto& e : entries->as_array()) {
    auto str = [&](const char* k) { return e.find(k)->as_string(); };
    int64_t at_ms = e.find("at")->as_int();
    CHECK(at_ms >= t0);
    CHECK(at_ms <= t1);
    CHECK(at_ms >= last_at);  // oldest first
    last_at = at_ms;
    if (str("row") != hid) continue;
    if (str("action") == "reveal" && str("user") == "worker03" && str("device") == device && str("columns") == "phone")
      reveal = true;
    if (str("action") == "change" && str("user") == "worker03" && str("device") == device && str("columns") == "phone")
      change = true;
    if (str("action") == "history" && str("user") == "supervisor01" && !str("device").empty()) history = true;
  }
  CHECK(reveal);
  CHECK(change);
  CHECK(history);
  CHECK(body->find("13911112222") == std::string::npos);  // who and when, never the values

  // Bounded: a period before any of it holds none of it.
  auto before = sup_http.http.get("/v1/audit?from=0&to=" + std::to_string(t0 - 1), 10'000);
  REQUIRE(before);
  CHECK(before->find(hid) == std::string::npos);
  auto backwards = sup_http.http.get("/v1/audit?from=" + std::to_string(t1) + "&to=" + std::to_string(t0), 10'000);
  REQUIRE_FALSE(backwards);
  CHECK(backwards.error().code == Code::invalid);

  // A worker is refused.
  Http worker_http(server.url(), "worker03");
  auto refused = worker_http.http.get("/v1/audit?from=0&to=" + std::to_string(t1), 10'000);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Code::forbidden);

  // The supervisor's export: CSV with a header under DATA/exports.
  sup->export_audit_csv(t0, t1);
  settle(*sup);
  std::string file;
  for (const auto& n : sup->take_notices())
    if (n.key == "notice.audit_exported") file = n.detail;
  REQUIRE_FALSE(file.empty());
  CHECK(file.rfind(st.path + "/exports/", 0) == 0);
  std::ifstream in(file, std::ios::binary);
  std::stringstream csv;
  csv << in.rdbuf();
  CHECK(csv.str().find("at,time_utc,action,user,user_id,device,table,row,columns\r\n") == 3);  // after the BOM
  for (const char* want : {",reveal,worker03,", ",change,worker03,", ",history,supervisor01,"})
    CHECK_MESSAGE(csv.str().find(want) != std::string::npos, want);
}

TEST_CASE("the audit export needs the server: offline, a clear message and no file") {
  TempDir dir;
  std::string url;
  {
    ServerProcess server({"--demo"});
    url = server.url();
    auto sup = open_app(dir.path, url);
    REQUIRE(sign_in(*sup, "supervisor01").session.signed_in);
  }
  auto sup = open_app(dir.path, url);  // the server is gone: the password unlocks offline
  REQUIRE(sign_in(*sup, "supervisor01").session.signed_in);
  sup->export_audit_csv(0, wall_now());
  settle(*sup);
  CHECK(first_error(*sup).rfind("error.audit_offline", 0) == 0);
  CHECK_FALSE(std::filesystem::exists(dir.path + "/exports"));
}
