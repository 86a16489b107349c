// Two gridwork-server processes on one database, as a city runs them behind a
// load balancer: two tablets write the same rows through different servers
// at once while a third pulls from either in turn. Every acknowledged write
// is in the log once, and the reader ends with exactly the database's values:
// a cursor that skipped a change committed late by the other server would
// leave it a stale value for ever. On SQLite the two share one file; under
// GRIDWORK_TEST_DB=postgres (ctest -L postgres) one PostgreSQL database.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <map>
#include <thread>

#include "tests/server/city_fixture.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"

using namespace gw;
using namespace gw::test;

TEST_SUITE("several servers") {
  TEST_CASE("two servers on one database: concurrent writes of the same rows, every one once, no cursor skips") {
    ServerProcess one({"--demo"});
    ServerProcess two({}, one.db_path());
    Device a(one.url(), "worker03"), b(two.url(), "worker03"), reader(one.url(), "supervisor01");
    // The reader's second way in: the same replica and key, through the other server.
    net::HttpTransport reader_two(two.url(), reader.key, 30'000);
    REQUIRE(reader_two.login("supervisor01", "gridwork-demo", reader.id, "test tablet"));
    sync::SyncClient reader_sync_two(reader.replica, reader_two);

    REQUIRE(a.sync.sync());
    REQUIRE(b.sync.sync());
    std::vector<std::string> rows;
    {
      auto q = a.db.prepare("SELECT id FROM households ORDER BY id LIMIT 12");
      while (q.step()) rows.emplace_back(q.text(0));
    }
    REQUIRE(rows.size() == 12);

    constexpr int kRounds = 15;
    std::atomic<int64_t> acknowledged{0};
    std::atomic<bool> writing{true};
    auto writer = [&](Device& d, const std::string& tag) {
      for (int round = 0; round < kRounds; ++round) {
        for (size_t i = 0; i < rows.size(); i += 2 + static_cast<size_t>(round % 3)) {
          std::string v = tag + " round " + std::to_string(round) + " row " + std::to_string(i);
          CHECK(d.replica.write(table("households"), rows[i], {{column("households", "notes"), Value{v}}}));
        }
        auto r = d.sync.sync();
        CHECK_MESSAGE(r, (r ? std::string() : r.error().to_string()));
        if (r) acknowledged += r->pushed;
      }
    };
    std::thread pulls([&] {
      // Pulls through both servers while the pushes land, the cursors moving on.
      for (int i = 0; writing; ++i) CHECK((i % 2 ? reader_sync_two.sync() : reader.sync.sync()));
    });
    std::thread wa([&] { writer(a, "a"); });
    std::thread wb([&] { writer(b, "b"); });
    wa.join();
    wb.join();
    writing = false;
    pulls.join();
    REQUIRE(reader_sync_two.sync());
    REQUIRE(reader.sync.sync());

    ServerDb db(one.db_path());
    // Every acknowledged patch is in the log once, accepted; nothing waits in an outbox.
    CHECK(a.replica.pending_count() == 0);
    CHECK(b.replica.pending_count() == 0);
    auto accepted = db.prepare("SELECT count(*), count(DISTINCT patch_id) FROM _log WHERE status = 'accepted' AND "
                               "origin IN (?, ?)");
    accepted.bind(1, a.id).bind(2, b.id);
    REQUIRE(accepted.step());
    CHECK(accepted.int64(0) == acknowledged.load());
    CHECK(accepted.int64(1) == acknowledged.load());
    accepted.reset();
    CHECK(acknowledged.load() > 2 * kRounds);
    // One number per change: no two servers ever took the same.
    CHECK(db.query_int("SELECT count(*) FROM _log WHERE seq IS NOT NULL") ==
          db.query_int("SELECT count(DISTINCT seq) FROM _log WHERE seq IS NOT NULL"));
    // The reader and both writers hold what the database holds, row by row.
    auto held = notes_of(db, rows);
    CHECK(notes_of(reader.db, rows) == held);
    REQUIRE(a.sync.sync());
    REQUIRE(b.sync.sync());
    CHECK(notes_of(a.db, rows) == held);
    CHECK(notes_of(b.db, rows) == held);
  }

  TEST_CASE("the same batch sent to two servers at once merges once, and both answer alike") {
    ServerProcess one({"--demo"});
    ServerProcess two({}, one.db_path());
    Device d(one.url(), "worker03");
    // The tablet's second way in, as a balancer retrying on the other server would give it.
    net::HttpTransport other(two.url(), d.key, 30'000);
    REQUIRE(other.login("worker03", "gridwork-demo", d.id, "test tablet"));
    REQUIRE(d.sync.sync());
    std::vector<std::string> rows;
    {
      auto q = d.db.prepare("SELECT id FROM households ORDER BY id LIMIT 5");
      while (q.step()) rows.emplace_back(q.text(0));
    }
    REQUIRE(rows.size() == 5);
    constexpr int kRounds = 8;
    for (int round = 0; round < kRounds; ++round) {
      for (const auto& row : rows)
        REQUIRE(d.replica.write(table("households"), row,
                                {{column("households", "notes"), Value{"同批 " + std::to_string(round)}}}));
      auto batch = d.replica.next_batch(200);
      REQUIRE(batch);
      batch->request.epoch = d.replica.epoch();
      std::string body = sync::encode(batch->request);
      // Both at once: each thread waits for the other before it sends.
      std::atomic<int> ready{0};
      auto send = [&](net::HttpTransport& t) {
        ++ready;
        while (ready < 2) std::this_thread::yield();
        return t.exchange("/v1/sync/push", body);
      };
      auto via_two = std::async(std::launch::async, [&] { return send(other); });
      auto via_one = send(d.http);
      auto answer_two = via_two.get();
      REQUIRE_MESSAGE(via_one, (via_one ? std::string() : via_one.error().to_string()));
      REQUIRE_MESSAGE(answer_two, (answer_two ? std::string() : answer_two.error().to_string()));
      auto a = sync::decode_push_answer(parse_json(*via_one).value());
      auto b = sync::decode_push_answer(parse_json(*answer_two).value());
      REQUIRE(a);
      REQUIRE(b);
      CHECK(a->accepted.size() == rows.size());
      CHECK(a->accepted == b->accepted);
      d.replica.settle(*batch, *a);
    }
    ServerDb db(one.db_path());
    auto logged = db.prepare("SELECT count(*), count(DISTINCT patch_id) FROM _log WHERE origin = ?");
    logged.bind(1, d.id);
    REQUIRE(logged.step());
    CHECK(logged.int64(0) == kRounds * static_cast<int64_t>(rows.size()));
    CHECK(logged.int64(1) == kRounds * static_cast<int64_t>(rows.size()));
    logged.reset();
    auto links = db.prepare("SELECT count(*), max(n) FROM _chain WHERE device = ?");
    links.bind(1, d.id);
    REQUIRE(links.step());
    CHECK(links.int64(0) == kRounds * static_cast<int64_t>(rows.size()));
    CHECK(links.int64(1) == kRounds * static_cast<int64_t>(rows.size()));
    links.reset();
    CHECK(d.replica.pending_count() == 0);
    REQUIRE(d.sync.sync());
    sync::Row held;
    REQUIRE(d.replica.store().load(table("households"), rows[0], held));
    CHECK(value_to_string(held.values[column("households", "notes")]) == "同批 " + std::to_string(kRounds - 1));
  }

  TEST_CASE("failed logins count across servers: guesses spread over two meet 429 as on one") {
    ServerProcess one({"--demo"});
    ServerProcess two({}, one.db_path());
    auto body = [](const std::string& pw) {
      return R"({"username":"worker05","password":")" + pw + R"(","device":{"id":"dev-guess","public_key":")" +
             sync::DeviceKey::generate().public_key_base64() + R"(","name":"t"}})";
    };
    int unauthorized = 0, throttled = 0;
    for (int i = 0; i < 8; ++i) {
      int status = raw(i % 2 ? two.url() : one.url(), "POST", "/v1/auth/login", body("guess" + std::to_string(i))).status;
      unauthorized += status == 401;
      throttled += status == 429;
    }
    // Five failures a minute per account and address, whichever server heard
    // them; counted per server, four on each would never have been throttled.
    CHECK(unauthorized == 5);
    CHECK(throttled == 3);
    CHECK(raw(one.url(), "POST", "/v1/auth/login", body("gridwork-demo")).status == 429);
  }

  TEST_CASE("a long-poll on one server wakes within seconds for a push through another (PostgreSQL)") {
    ServerProcess one({"--demo"});
    ServerProcess two({}, one.db_path());
    if (ServerDb(one.db_path()).dialect() != Dialect::postgresql) {
      MESSAGE("wakes across servers travel by PostgreSQL's LISTEN/NOTIFY: this case is server-pg's");
      return;
    }
    Device w(two.url(), "worker10"), other(one.url(), "worker10");
    REQUIRE(w.sync.sync());
    REQUIRE(other.sync.sync());
    std::string id;
    {
      auto q = w.db.prepare("SELECT id FROM households LIMIT 1");
      REQUIRE(q.step());
      id = std::string(q.text(0));
    }
    int64_t since = w.clock.last();
    auto t0 = std::chrono::steady_clock::now();
    auto waiting =
        std::async(std::launch::async, [&] { return w.http.get("/v1/sync/wait?since=" + std::to_string(since), 30'000); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    REQUIRE(other.replica.write(table("households"), id, {{column("households", "notes"), Value{std::string("另一台服务器")}}}));
    sync::SyncReport report;
    REQUIRE(other.sync.push(report));
    auto r = waiting.get();
    REQUIRE(r);
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 10);  // the wait is 25 s
    CHECK(parse_json(*r)->find("changed")->as_bool());
    REQUIRE(w.sync.sync());
    auto q = w.db.prepare("SELECT notes FROM households WHERE id = ?");
    q.bind(1, id);
    REQUIRE(q.step());
    CHECK(q.text(0) == "另一台服务器");
  }
}
