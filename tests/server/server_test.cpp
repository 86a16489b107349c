// Integration tests against the real gridwork-server binary on loopback.
#include <doctest/doctest.h>

#include <cpprest/http_client.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <thread>

#include "net/http_transport.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/server_process.hpp"
#include "shared/sqlite.hpp"
#include "shared/tuning.hpp"
#include "shared/uuid.hpp"
#include "sync/device/replica.hpp"
#include "sync/device/sync_client.hpp"

using namespace gw;
using gw::test::ServerDb;
using gw::test::Device;
using gw::test::Raw;
using gw::test::error_code;
using gw::test::raw;
using gw::test::ServerProcess;
using gw::test::demo_server;
using gw::test::now_ms;

namespace {

struct ServerState {
  int64_t log = 0, seq = 0, households = 0;
  bool operator==(const ServerState&) const = default;
};

ServerState state(ServerProcess& s) {
  ServerDb db(s.db_path());
  return {db.query_int("SELECT count(*) FROM _log"), db.query_int("SELECT coalesce(max(seq), 0) FROM _changes"),
          db.query_int("SELECT count(*) FROM households")};
}

std::string login_body(const std::string& user, const std::string& pw, const std::string& device = "dev-x") {
  auto key = sync::DeviceKey::generate();
  return R"({"username":")" + user + R"(","password":")" + pw + R"(","device":{"id":")" + device +
         R"(","public_key":")" + key.public_key_base64() + R"(","name":"t"}})";
}

const TableSpec& T(const char* n) { return *find_table(n); }
uint16_t C(const char* t, const char* c) { return static_cast<uint16_t>(T(t).index_of(c)); }

}  // namespace

// Only unit grids 3, 6, 9 and 10 of the demo park hold residential
// communities: tests that edit households log in as their workers.
TEST_SUITE("server") {
  TEST_CASE("login: right, wrong password, unknown user, disabled user") {
    auto& s = demo_server();
    auto ok = raw(s.url(), "POST", "/v1/auth/login", login_body("worker01", "gridwork-demo"));
    CHECK(ok.status == 200);
    CHECK(ok.json.find("token"));
    CHECK(ok.json.find("user")->find("username")->as_string() == "worker01");
    CHECK(ok.json.find("user")->find("roles")->as_array()[0].as_string() == "worker");
    auto wrong = raw(s.url(), "POST", "/v1/auth/login", login_body("worker02", "nope"));
    CHECK(wrong.status == 401);
    CHECK(error_code(wrong) == "unauthorized");
    auto unknown = raw(s.url(), "POST", "/v1/auth/login", login_body("nobody", "gridwork-demo"));
    CHECK(unknown.status == 401);
    CHECK(unknown.json.find("error")->find("message")->as_string() ==
          wrong.json.find("error")->find("message")->as_string());  // no probing for names
    REQUIRE(s.admin({"user", "disable", "pworker168"}) == 0);
    auto disabled = raw(s.url(), "POST", "/v1/auth/login", login_body("pworker168", "gridwork-demo"));
    CHECK(disabled.status == 403);
    auto malformed = raw(s.url(), "POST", "/v1/auth/login", R"({"username":"worker01"})");
    CHECK(malformed.status == 400);
  }

  TEST_CASE("push and pull round trip between two devices") {
    auto& s = demo_server();
    Device a(s.url(), "worker03"), b(s.url(), "supervisor01");
    REQUIRE(a.sync.sync());
    std::string hh;
    {
      auto q = a.db.prepare("SELECT id FROM households ORDER BY id LIMIT 1");
      REQUIRE(q.step());
      hh = std::string(q.text(0));
    }
    REQUIRE(a.replica.write(T("households"), hh, {{C("households", "notes"), Value{std::string("独居老人，每周走访")}}}));
    auto r = a.sync.sync();
    REQUIRE(r);
    CHECK(r->pushed == 1);
    REQUIRE(b.sync.sync());
    auto q = b.db.prepare("SELECT notes FROM households WHERE id = ?");
    q.bind(1, hh);
    REQUIRE(q.step());
    CHECK(q.text(0) == "独居老人，每周走访");
  }

  TEST_CASE("scope: worker01 sees unit grid 1 only, pworker001 its level-3 grid, supervisor01 all") {
    auto& s = demo_server();
    Device w(s.url(), "worker01"), p(s.url(), "pworker001");
    REQUIRE(w.sync.sync());
    REQUIRE(p.sync.sync());
    // worker01's grids: its assignments, and what lies below them.
    std::set<std::string> mine;
    {
      auto q = w.db.prepare(
          "WITH RECURSIVE g(id) AS (SELECT grid_id FROM assignments WHERE active = 1 UNION "
          "SELECT grids.id FROM grids JOIN g ON grids.parent_id = g.id) SELECT id FROM g");
      while (q.step()) mine.insert("grid:" + std::string(q.text(0)));
    }
    CHECK(mine.size() >= 4);
    for (const char* t : {"households", "residents", "enterprises", "cases", "visits", "patrols"}) {
      auto q = w.db.prepare(std::string("SELECT DISTINCT _bucket FROM ") + t);
      while (q.step()) CHECK_MESSAGE(mine.count(std::string(q.text(0))), t, " row in ", q.text(0));
    }
    // Unit grid 1 may hold only enterprise plots: count both kinds of record.
    const char* mine_sql = "SELECT (SELECT count(*) FROM households) + (SELECT count(*) FROM enterprises)";
    CHECK(w.count(mine_sql) > 10);
    ServerDb server(s.db_path());
    CHECK(w.count(mine_sql) < server.query_int(mine_sql));
    auto buckets = p.db.prepare("SELECT DISTINCT _bucket FROM households UNION SELECT DISTINCT _bucket FROM cases");
    std::set<std::string> pb;
    while (buckets.step()) pb.insert(std::string(buckets.text(0)));
    CHECK(pb.size() == 1);
    CHECK(p.count("SELECT count(*) FROM assignments WHERE active = 1") == 1);
    Device sup(s.url(), "supervisor01");
    sup.sync.pull_limit = 5000;
    REQUIRE(sup.sync.sync());
    CHECK(sup.count("SELECT count(*) FROM households") == server.query_int("SELECT count(*) FROM households"));
  }

  TEST_CASE("writes outside scope are refused per patch, with reasons") {
    auto& s = demo_server();
    Device w(s.url(), "worker09"), sup(s.url(), "supervisor01");
    REQUIRE(w.sync.sync());
    ServerDb server(s.db_path());
    // A household of another unit grid, which worker02 does not hold.
    std::set<std::string> own_grids;
    {
      auto g = w.db.prepare("SELECT DISTINCT grid_id FROM households");
      while (g.step()) own_grids.insert(std::string(g.text(0)));
    }
    std::string foreign_grid;
    {
      auto g = server.prepare("SELECT DISTINCT grid_id FROM households");
      while (g.step() && foreign_grid.empty())
        if (!own_grids.count(std::string(g.text(0)))) foreign_grid = std::string(g.text(0));
    }
    REQUIRE_FALSE(foreign_grid.empty());
    REQUIRE(w.count(("SELECT count(*) FROM households WHERE grid_id = '" + foreign_grid + "'").c_str()) == 0);
    auto own = w.db.prepare("SELECT id FROM households LIMIT 1");
    REQUIRE(own.step());
    std::string own_id(own.text(0));
    own.reset();
    REQUIRE(w.replica.write(T("households"), own_id, {{C("households", "notes"), Value{std::string("本网格")}}}));
    REQUIRE(w.replica.create(T("households"), {{C("households", "grid_id"), Value{foreign_grid}},
                                               {C("households", "address"), Value{std::string("越权地址")}},
                                               {C("households", "head_name"), Value{std::string("某某")}}}));
    REQUIRE(w.replica.create(T("users"), {{C("users", "username"), Value{std::string("evil")}},
                                          {C("users", "name"), Value{std::string("坏人")}},
                                          {C("users", "roles"), Value{std::string("admin")}}}));
    auto r = w.sync.sync();
    REQUIRE(r);
    CHECK(r->pushed == 1);
    CHECK(r->refused == 2);
    auto problems = w.replica.problems();
    REQUIRE(problems.size() == 2);
    for (const auto& p : problems) CHECK(p.code == "forbidden");
    CHECK(server.query_int("SELECT count(*) FROM users WHERE username = 'evil'") == 0);
    CHECK(server.query_int("SELECT count(*) FROM households WHERE address = '越权地址'") == 0);
  }

  TEST_CASE("a replayed batch gets the same answer and applies nothing twice") {
    auto& s = demo_server();
    Device w(s.url(), "worker10");
    REQUIRE(w.sync.sync());
    auto q = w.db.prepare("SELECT id FROM households LIMIT 1");
    REQUIRE(q.step());
    std::string id(q.text(0));
    q.reset();
    REQUIRE(w.replica.write(T("households"), id, {{C("households", "members"), Value{int64_t{4}}}}));
    auto batch = w.replica.next_batch(10);
    REQUIRE(batch);
    std::string body = sync::encode(batch->request);
    auto first = w.http.exchange("/v1/sync/push", body);
    REQUIRE(first);
    auto before = state(s);
    auto again = w.http.exchange("/v1/sync/push", body);
    REQUIRE(again);
    auto a = parse_json(*first), b = parse_json(*again);
    CHECK(*a->find("accepted") == *b->find("accepted"));
    CHECK(state(s) == before);
  }

  TEST_CASE("a forged or missing signature is refused and changes nothing") {
    auto& s = demo_server();
    Device w(s.url(), "worker06");
    REQUIRE(w.sync.sync());
    auto q = w.db.prepare("SELECT id FROM households LIMIT 1");
    REQUIRE(q.step());
    std::string id(q.text(0));
    q.reset();
    REQUIRE(w.replica.write(T("households"), id, {{C("households", "notes"), Value{std::string("签名")}}}));
    std::string body = sync::encode(w.replica.next_batch(10)->request);
    auto before = state(s);
    std::string bearer = "Bearer " + w.me.token;
    auto missing = raw(s.url(), "POST", "/v1/sync/push", body, {{"Authorization", bearer}});
    CHECK(missing.status == 401);
    auto other = sync::DeviceKey::generate();
    auto forged = raw(s.url(), "POST", "/v1/sync/push", body,
                      {{"Authorization", bearer}, {"X-Gridwork-Signature", other.sign_base64(body)}});
    CHECK(forged.status == 401);
    std::string altered = body;
    altered.replace(altered.find("签名"), std::string("签名").size(), "篡改");
    auto changed = raw(s.url(), "POST", "/v1/sync/push", altered,
                       {{"Authorization", bearer}, {"X-Gridwork-Signature", w.key.sign_base64(body)}});
    CHECK(changed.status == 401);
    CHECK(error_code(changed) == "unauthorized");
    // A body big enough to be checked beside its parse (tuning::kParallelBodyBytes):
    // refused the same way.
    std::string big = body + std::string(tuning::kParallelBodyBytes, ' ');
    auto big_forged = raw(s.url(), "POST", "/v1/sync/push", big,
                          {{"Authorization", bearer}, {"X-Gridwork-Signature", other.sign_base64(big)}});
    CHECK(big_forged.status == 401);
    CHECK(error_code(big_forged) == "unauthorized");
    auto big_missing = raw(s.url(), "POST", "/v1/sync/push", big, {{"Authorization", bearer}});
    CHECK(big_missing.status == 401);
    auto no_token = raw(s.url(), "POST", "/v1/sync/pull", "{}");
    CHECK(no_token.status == 401);
    CHECK(state(s) == before);
  }

  TEST_CASE("bad input gets its code and leaves the database unchanged") {
    auto& s = demo_server();
    Device w(s.url(), "worker06");
    REQUIRE(w.sync.sync());
    auto q = w.db.prepare("SELECT id, grid_id FROM households LIMIT 1");
    REQUIRE(q.step());
    std::string row(q.text(0)), grid(q.text(1));
    q.reset();
    std::string bearer = "Bearer " + w.me.token;
    auto push = [&](const std::string& body) {
      return raw(s.url(), "POST", "/v1/sync/push", body,
                 {{"Authorization", bearer}, {"X-Gridwork-Signature", w.key.sign_base64(body)}});
    };
    // A patch by hand, a signed link of the device's chain as a tablet's are.
    auto patch = [&](const std::string& table, const std::string& set) {
      UuidV7 ids;
      auto linked = w.replica.link(R"({"id":")" + ids.next(now_ms()) + R"(","table":")" + table + R"(","row":")" + row +
                                   R"(","hlc":)" + std::to_string(Hlc::pack(now_ms(), 0)) + R"(,"origin":")" + w.id +
                                   R"(","set":)" + set + "}");
      REQUIRE(linked);
      return R"({"batch":")" + ids.next(now_ms()) + R"(","patches":[)" + *linked + "]}";
    };
    auto before = state(s);
    auto malformed = push("{\"batch\": [");
    CHECK(malformed.status == 400);
    CHECK(error_code(malformed) == "invalid");
    CHECK(push(R"({"batch":"x","patches":[]})").status == 400);
    struct Case { std::string table, set, code; };
    for (const auto& c : {Case{"households", R"({"members":"four"})", "bad_type"},
                          Case{"pirates", R"({"x":1})", "unknown_table"},
                          Case{"households", R"({"colour":"red"})", "unknown_column"},
                          Case{"households", R"({"notes":")" + std::string(5000, 'x') + "\"}", "too_long"},
                          Case{"households", R"({"deleted":"yes"})", "bad_type"}}) {
      auto r = push(patch(c.table, c.set));
      REQUIRE(r.status == 200);  // per-patch refusal inside a well-formed batch
      auto& rej = r.json.find("rejected")->as_array();
      REQUIRE(rej.size() == 1);
      CHECK(rej[0].find("code")->as_string() == c.code);
    }
    // The rejected patches are logged with their reasons; nothing else moved.
    auto after = state(s);
    CHECK(after.seq == before.seq);
    CHECK(after.households == before.households);
    std::string big(9u << 20, 'x');
    auto huge = raw(s.url(), "POST", "/v1/sync/pull", big, {{"Authorization", bearer}});
    CHECK(huge.status == 413);
    CHECK(error_code(huge) == "too_large");
    // SQL metacharacters and emoji are data, stored verbatim.
    std::string nasty = "'); DROP TABLE households; -- 🚒🔥 \\\"quoted\\\" 网格";
    auto ok = push(patch("households", R"({"notes":")" + nasty + "\"}"));
    REQUIRE(ok.status == 200);
    CHECK(ok.json.find("accepted")->as_array().size() == 1);
    ServerDb server(s.db_path());
    auto n = server.prepare("SELECT notes FROM households WHERE id = ?");
    n.bind(1, row);
    REQUIRE(n.step());
    CHECK(n.text(0) == "'); DROP TABLE households; -- 🚒🔥 \"quoted\" 网格");
    CHECK(server.query_int("SELECT count(*) FROM households") == before.households);
  }

  TEST_CASE("metrics and health answer in their formats") {
    auto& s = demo_server();
    auto h = raw(s.url(), "GET", "/v1/healthz", "");
    CHECK(h.status == 200);
    CHECK(h.json.find("status")->as_string() == "ok");
    auto m = raw(s.url(), "GET", "/v1/metrics", "");
    CHECK(m.status == 200);
    CHECK(m.body.find("gridwork_requests_total{endpoint=\"/v1/auth/login\",status=\"200\"}") != std::string::npos);
    CHECK(m.body.find("gridwork_request_seconds_bucket") != std::string::npos);
    CHECK(m.body.find("gridwork_patches_merged_total") != std::string::npos);
    CHECK(raw(s.url(), "GET", "/v1/nothing", "").status == 404);
  }

  TEST_CASE("long-poll wakes within a second when a bucket of the caller changes") {
    auto& s = demo_server();
    Device w(s.url(), "worker10"), other(s.url(), "worker10");
    REQUIRE(w.sync.sync());
    REQUIRE(other.sync.sync());
    auto q = w.db.prepare("SELECT id FROM households LIMIT 1");
    REQUIRE(q.step());
    std::string id(q.text(0));
    q.reset();
    int64_t since = w.clock.last();
    auto t0 = std::chrono::steady_clock::now();
    auto waiting = std::async(std::launch::async, [&] { return w.http.get("/v1/sync/wait?since=" + std::to_string(since), 30'000); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    REQUIRE(other.replica.write(T("households"), id, {{C("households", "notes"), Value{std::string("另一台平板")}}}));
    sync::SyncReport report;
    REQUIRE(other.sync.push(report));
    auto r = waiting.get();
    REQUIRE(r);
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(secs < 5);
    CHECK(parse_json(*r)->find("changed")->as_bool());
  }
}

TEST_SUITE("server-lifecycle") {
  TEST_CASE("an expired token is refused; SIGTERM exits 0; user and device commands work") {
    ServerProcess s({"--token-ttl-hours", "0"});
    REQUIRE(s.admin({"user", "add", "amy", "--roles", "worker", "--password", "longpassword"}) == 0);
    CHECK(s.admin({"user", "add", "amy", "--roles", "worker", "--password", "longpassword"}) != 0);
    CHECK(s.admin({"user", "add", "bob", "--roles", "pirate", "--password", "longpassword"}) != 0);
    auto login = raw(s.url(), "POST", "/v1/auth/login", login_body("amy", "longpassword", "dev-amy"));
    REQUIRE(login.status == 200);
    std::string token = login.json.find("token")->as_string();
    auto pull = raw(s.url(), "POST", "/v1/sync/pull", "{}", {{"Authorization", "Bearer " + token}});
    CHECK(pull.status == 401);
    CHECK(pull.json.find("error")->find("message")->as_string().find("expired") != std::string::npos);
    REQUIRE(s.admin({"user", "passwd", "amy"}, "anotherpassword") == 0);
    CHECK(raw(s.url(), "POST", "/v1/auth/login", login_body("amy", "longpassword", "dev-amy")).status == 401);
    CHECK(raw(s.url(), "POST", "/v1/auth/login", login_body("amy", "anotherpassword", "dev-amy")).status == 200);
    CHECK(s.admin({"device", "list"}) == 0);
    CHECK(s.admin({"device", "revoke", "dev-amy"}) == 0);
    CHECK(s.admin({"device", "revoke", "dev-nobody"}) != 0);
    CHECK(s.stop() == 0);
  }

  TEST_CASE("user add --department: an unknown department adds no user, a known one is the user's department") {
    ServerProcess s;
    REQUIRE(s.admin({"user", "add", "sue", "--roles", "supervisor", "--password", "longpassword"}) == 0);
    Device sue(s.url(), "sue", "longpassword");
    auto department =
        sue.replica.create(T("departments"), {{C("departments", "name"), Value{std::string("应急管理局")}}});
    REQUIRE(department);
    auto pushed = sue.sync.sync();
    REQUIRE(pushed);
    REQUIRE(pushed->pushed == 1);
    ServerDb server(s.db_path());
    std::string unknown = UuidV7().next(now_ms());
    CHECK(s.admin({"user", "add", "cal", "--roles", "cadre", "--department", unknown, "--password", "longpassword"}) != 0);
    CHECK(server.query_int("SELECT count(*) FROM users WHERE username = 'cal'") == 0);
    REQUIRE(s.admin({"user", "add", "cal", "--roles", "cadre", "--department", *department, "--password",
                     "longpassword"}) == 0);
    auto q = server.prepare("SELECT department_id FROM users WHERE username = 'cal'");
    REQUIRE(q.step());
    CHECK(q.text(0) == *department);
  }

  TEST_CASE("SIGTERM while requests are in flight: every handler returns before the service goes, exit 0") {
    ServerProcess s;
    REQUIRE(s.admin({"user", "add", "sue", "--roles", "supervisor", "--password", "longpassword"}) == 0);
    auto login = raw(s.url(), "POST", "/v1/auth/login", login_body("sue", "longpassword", "dev-sue"));
    REQUIRE(login.status == 200);
    std::string auth = "Bearer " + login.json.find("token")->as_string();
    std::atomic<bool> done{false};
    std::atomic<int> answered{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t)
      clients.emplace_back([&] {
        while (!done) {
          try {
            auto r = raw(s.url(), "GET", "/v1/reports/kpi?from=2026-01-01&to=2026-12-31&group=worker", "",
                         {{"Authorization", auth}});
            answered += r.status == 200;
          } catch (const std::exception&) {
            // The server is going: a refused connection is expected now.
          }
        }
      });
    while (answered < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    // A clean exit under load. The race this guards (a reply sent, its handler
    // still unwinding when the service went) showed once under ASan in the
    // workflow end-to-end test; this load makes it likelier, not certain.
    CHECK(s.stop() == 0);
    done = true;
    for (auto& c : clients) c.join();
  }

  TEST_CASE("SIGTERM with 50 long-polls open: each gets its answer, exit 0, every time") {
    // Closing the listener while the shutdown's 50 answers were still being
    // written crashed the server now and then (SIGSEGV in cpprestsdk's
    // reactor; found by ./dev bench takeover). Several rounds make a
    // relapse likely to show.
    for (int round = 0; round < 6; ++round) {
      CAPTURE(round);
      ServerProcess s;
      REQUIRE(s.admin({"user", "add", "ann", "--roles", "worker", "--password", "longpassword"}) == 0);
      auto login = raw(s.url(), "POST", "/v1/auth/login", login_body("ann", "longpassword", "dev-ann"));
      REQUIRE(login.status == 200);
      std::string auth = "Bearer " + login.json.find("token")->as_string();
      std::string since = std::to_string(login.json.find("server_hlc")->as_int());
      std::atomic<int> answered{0};
      std::vector<std::thread> polls;
      for (int i = 0; i < 50; ++i)
        polls.emplace_back([&] {
          try {
            auto r = raw(s.url(), "GET", "/v1/sync/wait?since=" + since, "", {{"Authorization", auth}});
            answered += r.status == 200;
          } catch (const std::exception&) {
          }
        });
      for (int i = 0; i < 400; ++i) {
        if (raw(s.url(), "GET", "/v1/metrics", "").body.find("gridwork_waiters 50") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      CHECK(s.stop() == 0);
      for (auto& t : polls) t.join();
      CHECK(answered == 50);
    }
  }

  TEST_CASE("takeover from the server's console: judged as a tablet's, started, listed and ended once") {
    ServerProcess s({"--demo"});
    ServerDb db(s.db_path());
    auto n = [&](const std::string& sql) { return db.query_int(sql); };
    const std::string unit = "35050310510100";  // unit grid 1, department 1's
    auto start = [&](const std::string& code, const std::string& by, const std::string& reason) {
      std::vector<std::string> args{"takeover", "start", code, "--by", by};
      if (!reason.empty()) args.insert(args.end(), {"--reason", reason});
      return s.admin(args);
    };
    CHECK(start(unit, "supervisor01", "") != 0);            // no reason
    CHECK(start(unit, "worker01", "防汛") != 0);            // not the centre
    CHECK(start("35050310510101", "supervisor01", "防汛") != 0);  // a level-3 grid
    CHECK(start("99999999999999", "supervisor01", "防汛") != 0);  // no such grid
    CHECK(n("SELECT count(*) FROM takeovers") == 0);
    CHECK(start(unit, "supervisor01", "防汛应急") == 0);
    CHECK(start(unit, "supervisor01", "再来") != 0);  // one at a time
    CHECK(n("SELECT count(*) FROM takeovers WHERE ended_at IS NULL") == 1);
    CHECK(n("SELECT count(*) FROM grids WHERE code = '" + unit + "' AND mode = 'takeover'") == 1);
    // cadre01 and cadre02, the unit grid and its 4 grids below.
    CHECK(n("SELECT count(*) FROM assignments WHERE kind = 'takeover' AND active = 1") == 10);
    CHECK(n("SELECT count(*) FROM notices WHERE title = 'takeover_started'") > 2);
    CHECK(s.admin({"takeover", "list"}) == 0);
    CHECK(s.admin({"takeover", "end", unit, "--by", "supervisor01"}) == 0);
    CHECK(s.admin({"takeover", "end", unit, "--by", "supervisor01"}) != 0);  // nothing runs
    CHECK(n("SELECT count(*) FROM assignments WHERE kind = 'takeover' AND active = 1") == 0);
    CHECK(n("SELECT count(*) FROM grids WHERE code = '" + unit + "' AND mode = 'normal'") == 1);
  }

  TEST_CASE("too many failed logins are throttled with 429") {
    ServerProcess s;
    REQUIRE(s.admin({"user", "add", "cat", "--roles", "worker", "--password", "rightpassword"}) == 0);
    int throttled = 0;
    for (int i = 0; i < 8; ++i)
      throttled += raw(s.url(), "POST", "/v1/auth/login", login_body("cat", "wrong")).status == 429;
    CHECK(throttled >= 3);
    CHECK(raw(s.url(), "POST", "/v1/auth/login", login_body("cat", "rightpassword")).status == 429);
  }
}
