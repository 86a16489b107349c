#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sync/core/merge.hpp"

using namespace gw;
using namespace gw::sync;

namespace {
struct Write {
  std::string value;
  HlcTime hlc;
  std::string origin;
  uint32_t cycle;
};

// Folds writes in the given order with supersedes(): the register a replica keeps.
Write fold(Merge policy, const std::vector<Write>& ws) {
  Write held{"", 0, "", 0};
  for (const auto& w : ws) {
    WriteStamp in{w.hlc, w.origin, w.cycle, state_rank(Value{w.value})};
    WriteStamp cur{held.hlc, held.origin, held.cycle, state_rank(Value{held.value})};
    if (supersedes(policy, in, cur)) held = w;
  }
  return held;
}
}  // namespace

TEST_SUITE("merge") {
  TEST_CASE("every policy is a total order: any arrival order keeps the same value (seeded)") {
    std::mt19937_64 rng(11);
    const std::vector<std::string> statuses = {"reported", "accepted", "rejected", "dispatched", "handling",
                                               "resolved", "verified", "closed"};
    for (Merge policy : {Merge::lww, Merge::review, Merge::state, Merge::immutable}) {
      for (int trial = 0; trial < 500; ++trial) {
        std::vector<Write> ws;
        int n = 2 + static_cast<int>(rng() % 6);
        for (int i = 0; i < n; ++i)
          // Clocks tie often; a device never writes twice at one HLC.
          ws.push_back({statuses[rng() % statuses.size()], static_cast<HlcTime>(rng() % 4),
                        "dev-" + std::to_string(i), static_cast<uint32_t>(rng() % 2)});
        Write first = fold(policy, ws);
        for (int k = 0; k < 5; ++k) {
          std::shuffle(ws.begin(), ws.end(), rng);
          auto dup = ws;
          dup.push_back(ws[rng() % ws.size()]);  // duplicated delivery
          Write again = fold(policy, dup);
          REQUIRE(again.value == first.value);
          REQUIRE(again.hlc == first.hlc);
          REQUIRE(again.origin == first.origin);
        }
      }
    }
  }

  TEST_CASE("lww: the later clock wins, the origin breaks ties") {
    CHECK(supersedes(Merge::lww, {10, "a"}, {9, "z"}));
    CHECK_FALSE(supersedes(Merge::lww, {9, "z"}, {10, "a"}));
    CHECK(supersedes(Merge::lww, {10, "b"}, {10, "a"}));
    CHECK_FALSE(supersedes(Merge::lww, {10, "a"}, {10, "a"}));  // a duplicate changes nothing
  }

  TEST_CASE("state: further along the workflow wins; a rework's new cycle outranks the old one") {
    auto st = [](const char* s, HlcTime h, uint32_t cycle) {
      return WriteStamp{h, "d", cycle, state_rank(Value{std::string(s)})};
    };
    CHECK(supersedes(Merge::state, st("resolved", 1, 0), st("handling", 9, 0)));
    CHECK_FALSE(supersedes(Merge::state, st("handling", 9, 0), st("resolved", 1, 0)));
    CHECK(supersedes(Merge::state, st("handling", 5, 1), st("verified", 4, 0)));
    CHECK(incompatible_states(Value{std::string("rejected")}, Value{std::string("dispatched")}));
    CHECK_FALSE(incompatible_states(Value{std::string("rejected")}, Value{std::string("reported")}));
    CHECK_FALSE(incompatible_states(Value{std::string("handling")}, Value{std::string("resolved")}));
  }
}
