// Shared grid pages (PageCache, issue 21): every answer that goes through
// them equals, byte for byte, the answer built for its reader alone, which
// a second engine on the same database without a cache gives.
#include <doctest/doctest.h>

#include <thread>

#include "fixture.hpp"
#include "shared/tuning.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

namespace {

// Everything a pull answers, less the server's clock.
std::string answer_text(ServerEngine& engine, Park& park, const std::string& user, const PullRequest& req) {
  auto a = engine.pull(Principal{park.id(user), "dev-" + user}, parse_json(encode(req)).value());
  REQUIRE(a);
  a->server_hlc = 0;
  return encode(*a);
}

struct SharedPark {
  Park park;
  std::shared_ptr<PageCache> pages = std::make_shared<PageCache>(tuning::kPageCacheBytes);
  ServerEngine plain{park.server_db, park.server_clock, 1};  // builds every page for its reader

  SharedPark() {
    park.server.set_page_cache(pages);
    park.add_user("worker2", "worker", "", "A");
    for (int i = 0; i < 25; ++i)
      park.put("households", "Ax" + std::to_string(i),
               {{"grid_id", park.id("A")}, {"address", std::string("东楼") + std::to_string(i)},
                {"head_name", std::string("户主")}});
  }
  // The same request through the shared pages and without them.
  void check_alike(const std::string& user, int limit = 0) {
    PullRequest req;
    req.limit = limit;
    std::string shared = answer_text(park.server, park, user, req);
    CHECK(shared == answer_text(plain, park, user, req));
  }
};

}  // namespace

TEST_SUITE("page-cache") {
  TEST_CASE("fifty cadres pulling a grid just taken over share its pages and hold what the server holds") {
    SharedPark s;
    Park& park = s.park;
    for (int i = 0; i < 50; ++i) park.add_user("cadre" + std::to_string(i), "cadre", "D", "");
    {
      auto txn = park.server.begin_write();
      auto by = park.server.directory().user(park.id("supervisor"));
      REQUIRE(by);
      REQUIRE(park.server.start_takeover_at_server(park.id("U"), "台风", *by));
      txn->commit();
    }
    s.check_alike("cadre7", 10);
    auto& first = park.device("cadre0", "c0");
    first.client->pull_limit = 10;
    REQUIRE(first.client->sync());
    int64_t built = s.pages->built();
    CHECK(built >= 3);  // 29 households in A, 2 in B, pages of 10
    for (int i = 1; i < 50; ++i) {
      auto& d = park.device("cadre" + std::to_string(i), "c" + std::to_string(i));
      d.client->pull_limit = 10;
      REQUIRE(d.client->sync());
      CHECK(d.db->query_int("SELECT count(*) FROM households") == 2 + 25 + 2);  // grids A and B
    }
    // Fifty cadres, the pages of one (plus the check above, shared too).
    CHECK(s.pages->built() == built);
    CHECK(s.pages->shared() >= 49 * built);
    CHECK(park.devices.at("c49").db->query_int("SELECT count(*) FROM households WHERE address LIKE '东楼%'") == 25);
  }

  TEST_CASE("a page is built again after a write to its grid, and after a row moves out of it") {
    SharedPark s;
    Park& park = s.park;
    s.check_alike("worker");
    int64_t built = s.pages->built();
    s.check_alike("worker2");
    CHECK(s.pages->built() == built);  // the same rows: worker's page
    park.put("households", "Ah0", {{"notes", std::string("新的")}});
    s.check_alike("worker2");
    CHECK(s.pages->built() > built);
    // Ah1 leaves grid A's bucket without a new seq there. No push does that
    // (every grid_id is fixed), an operator's repair might: a page from
    // before would still carry the row under grid A. The grid's head stays.
    auto move = park.server_db.prepare("UPDATE _changes SET bucket = ? WHERE row_id = ?");
    move.bind(1, "grid:" + park.id("C")).bind(2, park.id("Ah1")).run();
    s.check_alike("worker");
    PullRequest req;
    CHECK(answer_text(park.server, park, "worker", req).find(park.id("Ah1")) == std::string::npos);
  }

  TEST_CASE("a confidential case reads whole to its reporter only, whoever pulled first") {
    SharedPark s;
    Park& park = s.park;
    park.put("cases", "K", {{"grid_id", park.id("A")}, {"source", std::string("patrol")},
                            {"category", std::string("0302")}, {"severity", std::string("high")},
                            {"title", std::string("匿名举报")}, {"status", std::string("reported")},
                            {"reported_at", park.wall}, {"confidential", int64_t{1}},
                            {"reporter_id", park.id("worker")}});
    s.check_alike("worker2");  // the page kept hides the reporter
    s.check_alike("worker");   // the reporter's own page shows it
    s.check_alike("worker2");
    PullRequest req;
    std::string reporter = "\"reporter_id\":\"" + park.id("worker") + "\"";
    CHECK(answer_text(park.server, park, "worker2", req).find(reporter) == std::string::npos);
    CHECK(answer_text(park.server, park, "worker", req).find(reporter) != std::string::npos);
  }

  TEST_CASE("the page a device asks for next is built while the last travels, and is the page it gets") {
    SharedPark s;
    Park& park = s.park;
    Principal who{park.id("worker"), "dev-worker"};
    PullRequest req;
    req.limit = 10;
    int pages = 0;
    for (;; ++pages) {
      auto answer = park.server.pull(who, req);
      REQUIRE(answer);
      if (!answer->more) break;
      PullRequest next = next_pull_request(req, *answer);
      int64_t built = s.pages->built(), shared = s.pages->shared();
      park.server.pull_ahead(who, req, *answer);
      int64_t ahead = s.pages->built();
      CHECK(ahead > built);  // before the device asks
      std::string got = answer_text(park.server, park, "worker", next);
      CHECK(s.pages->built() == ahead);   // nothing built for the request:
      CHECK(s.pages->shared() > shared);  // it took what was built ahead
      CHECK(got == answer_text(s.plain, park, "worker", next));
      req = next;
      REQUIRE(pages < 10);
    }
    CHECK(pages >= 2);  // 29 rows in grid A, pages of 10
    // The last page asks for nothing further; a write after a page built
    // ahead changes its grid's head: the device's request builds afresh.
    auto last = park.server.pull(who, req);
    REQUIRE(last);
    int64_t built = s.pages->built();
    park.server.pull_ahead(who, req, *last);
    CHECK(s.pages->built() == built);
    PullRequest first;
    first.limit = 10;
    auto answer = park.server.pull(who, first);
    REQUIRE(answer);
    park.server.pull_ahead(who, first, *answer);
    park.put("households", "Ah0", {{"notes", std::string("又改了")}});
    PullRequest next = next_pull_request(first, *answer);
    CHECK(answer_text(park.server, park, "worker", next) == answer_text(s.plain, park, "worker", next));
  }

  TEST_CASE("supervisors and workers never share a page: roles are part of the key") {
    SharedPark s;
    s.check_alike("worker");
    int64_t built = s.pages->built();
    s.check_alike("supervisor");
    CHECK(s.pages->built() > built);
  }

  TEST_CASE("the cache keeps within its bytes, and a reader waits for a page being built") {
    PageCache cache(1000);
    auto page = [](size_t bytes) {
      auto p = std::make_shared<EncodedPage>();
      p->json.assign(bytes, 'x');
      return p;
    };
    PageKey a{"grid:a", 0, 0, 10, 5, 1}, b{"grid:b", 0, 0, 10, 5, 1};
    CHECK(cache.take(a) == nullptr);  // ours to build
    std::shared_ptr<const EncodedPage> seen;
    std::thread waiter([&] { seen = cache.take(a); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto built = page(600);
    cache.put(a, built);
    waiter.join();
    CHECK(seen == built);  // the waiter got the builder's page, not a build of its own
    CHECK(cache.built() == 1);
    CHECK(cache.shared() == 1);
    CHECK(cache.take(b) == nullptr);
    cache.put(b, page(600));  // over 1,000 bytes: the least recently used goes
    CHECK(cache.bytes() <= 1000);
    CHECK(cache.take(a) == nullptr);
    cache.abandon(a);
    CHECK(cache.take(b) != nullptr);
  }
}
