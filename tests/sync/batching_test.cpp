// How a sync cuts its work into exchanges: push batches that grow while
// answers come quickly and stop at a byte bound, and the pull request
// guessed for the next page before this one is applied (SyncClient::overlap).
#include <doctest/doctest.h>

#include "fixture.hpp"
#include "shared/rng.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

namespace {

void households(Park& park, Device& d, int n, size_t note_chars = 10) {
  std::string note;
  for (size_t i = 0; i < note_chars; ++i) note += "记";
  for (int i = 0; i < n; ++i)
    REQUIRE(d.replica->create(T("households"), F(T("households"), {{"grid_id", park.id("A")},
                                                                   {"address", "清濛" + std::to_string(i) + "号"},
                                                                   {"head_name", std::string("陈建华")},
                                                                   {"notes", note}})));
}

PullAnswer pull_once(Device& d, const PullRequest& req) {
  auto reply = d.link->exchange("/v1/sync/pull", encode(req));
  REQUIRE(reply);
  auto json = parse_json(*reply, JsonLimits{64, 64 << 20});
  REQUIRE(json);
  auto answer = decode_pull_answer(*json);
  REQUIRE(answer);
  return std::move(*answer);
}

void check_same(const PullRequest& guessed, const PullRequest& made) {
  CHECK(guessed.cursors == made.cursors);
  CHECK(guessed.since == made.since);
  CHECK(guessed.basis == made.basis);
  CHECK(guessed.epoch == made.epoch);
  CHECK(guessed.limit == made.limit);
}

}  // namespace

TEST_SUITE("batching") {
  TEST_CASE("a push's batches grow while answers come quickly; a batch size the caller set stays") {
    Park park;
    auto& grows = park.device("worker", "grows");
    households(park, grows, 3000);
    SyncReport r;
    REQUIRE(grows.client->push(r));
    CHECK(r.pushed == 3000);
    // 200, 200, 400, 800, 1000, 400 (the batch after next grows, the next
    // being made while this one is out); at 200 a batch it takes 15.
    CHECK(r.exchanges <= 8);
    CHECK(grows.replica->pending_count() == 0);

    auto& fixed = park.device("worker", "fixed");
    households(park, fixed, 3000);
    fixed.client->push_batch = 200;
    SyncReport f;
    REQUIRE(fixed.client->push(f));
    CHECK(f.pushed == 3000);
    CHECK(f.exchanges == 15);
  }

  TEST_CASE("a new batch stops at its byte bound, one patch at least; an unanswered one goes again whole") {
    Park park;
    auto& d = park.device("worker", "w");
    households(park, d, 6, 900);  // ~2.8 KB of UTF-8 a patch
    auto one = d.replica->next_batch(200, {}, 100);
    REQUIRE(one);
    CHECK(one->entries.size() == 1);  // over the bound alone: sent alone, never stuck
    auto three = d.replica->next_batch(200, {one->request.batch}, 7'000);
    REQUIRE(three);
    CHECK(three->entries.size() == 3);
    // Both unanswered: the first goes again first, whole, whatever the bound.
    auto again = d.replica->next_batch(200, {}, 100);
    REQUIRE(again);
    CHECK(again->request.batch == one->request.batch);
    CHECK(again->request.patches == one->request.patches);
    SyncReport r;
    REQUIRE(d.client->push(r));
    CHECK(r.pushed == 6);
  }

  TEST_CASE("the next pull request, guessed from a page before it is applied, is the one the replica then makes") {
    // Seeded: pages of random sizes over buckets gained and lost between pulls.
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      CAPTURE(seed);
      Park park;
      SeededRng rng(seed);
      auto& w = park.device("supervisor", "s");
      auto& writer = park.device("supervisor", "a");
      for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < 5 + rng.below(20); ++i) {
          const char* grid = rng.below(3) == 0 ? "A" : rng.below(2) ? "B" : "C";
          REQUIRE(writer.replica->create(T("households"), F(T("households"), {{"grid_id", park.id(grid)},
                                                                              {"address", std::string("栋")},
                                                                              {"head_name", std::string("林丽娟")}})));
        }
        REQUIRE(writer.client->sync());
        int limit = 1 + rng.below(7);
        for (int page = 0; page < 200; ++page) {
          PullRequest req = w.replica->pull_request(limit);
          PullAnswer answer = pull_once(w, req);
          PullRequest guessed = next_pull_request(req, answer);
          REQUIRE(w.replica->apply_pull(answer));
          check_same(guessed, w.replica->pull_request(limit));
          if (!answer.more) break;
        }
      }
    }
  }

  TEST_CASE("a guessed pull request survives an eviction, and a pull with overlap converges in as many exchanges") {
    Park park;
    auto& w = park.device("worker", "w");
    REQUIRE(w.client->sync());
    // The worker's grid A taken away: the next answer evicts its bucket.
    park.put("assignments", "worker@A",
             {{"user_id", park.id("worker")}, {"grid_id", park.id("A")}, {"kind", std::string("responsibility")},
              {"active", int64_t{0}}, {"from_at", kStart - 86'400'000}});
    PullRequest req = w.replica->pull_request(0);
    PullAnswer answer = pull_once(w, req);
    CHECK_FALSE(answer.evict.empty());
    PullRequest guessed = next_pull_request(req, answer);
    REQUIRE(w.replica->apply_pull(answer));
    check_same(guessed, w.replica->pull_request(0));

    auto& a = park.device("supervisor", "a");
    auto& b = park.device("supervisor", "b");
    households(park, a, 300);
    REQUIRE(a.client->sync());
    b.client->pull_limit = 7;
    b.client->overlap = true;  // the loopback engine is used from one thread at a time here too
    SyncReport r;
    REQUIRE(b.client->pull(r));
    CHECK(r.stale == 0);  // every guess right: no page asked twice
    CHECK(b.db->query_int("SELECT count(*) FROM households WHERE address LIKE '清濛%'") == 300);
  }
}
