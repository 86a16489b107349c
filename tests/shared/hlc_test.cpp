#include <doctest/doctest.h>

#include <random>

#include "shared/hlc.hpp"
#include "shared/tuning.hpp"

using namespace gw;

TEST_SUITE("hlc") {
  TEST_CASE("follows the wall clock when it moves forward") {
    int64_t wall = 1'700'000'000'000;
    Hlc h([&] { return wall; });
    auto a = h.now();
    CHECK(Hlc::ms_of(a) == wall);
    CHECK(Hlc::counter_of(a) == 0);
    auto b = h.now();
    CHECK(b == a + 1);  // same millisecond: the counter
    wall += 5;
    auto c = h.now();
    CHECK(Hlc::ms_of(c) == wall);
    CHECK(Hlc::counter_of(c) == 0);
  }

  TEST_CASE("stays monotonic under a wall clock that jumps back and forth (seeded)") {
    for (uint64_t seed = 1; seed <= 50; ++seed) {
      std::mt19937_64 rng(seed);
      int64_t wall = 1'700'000'000'000;
      Hlc h([&] { return wall; });
      HlcTime prev = 0;
      int64_t max_wall = wall;
      for (int i = 0; i < 5000; ++i) {
        switch (rng() % 4) {
          case 0: wall += static_cast<int64_t>(rng() % 1000); break;
          case 1: wall -= static_cast<int64_t>(rng() % 3'600'000); break;  // back up to an hour
          case 2: wall += static_cast<int64_t>(rng() % 3'600'000); break;
          default: break;  // same millisecond
        }
        max_wall = std::max(max_wall, wall);
        HlcTime t = h.now();
        REQUIRE_MESSAGE(t > prev, "seed ", seed, " step ", i);
        // Never runs ahead of the furthest wall time seen by more than the
        // events counted since.
        CHECK(Hlc::ms_of(t) <= max_wall + 1);
        prev = t;
      }
    }
  }

  TEST_CASE("counter overflow borrows the next millisecond") {
    int64_t wall = 1000;
    Hlc h([&] { return wall; });
    HlcTime prev = h.now();
    for (int i = 0; i < 70000; ++i) {
      HlcTime t = h.now();
      REQUIRE(t > prev);
      prev = t;
    }
    CHECK(Hlc::ms_of(prev) == 1001);
  }

  TEST_CASE("folds remote clocks so later events order after them") {
    int64_t wall = 1'700'000'000'000;
    Hlc h([&] { return wall; });
    HlcTime remote = Hlc::pack(wall + 30'000, 7);
    REQUIRE(h.fold(remote, tuning::kMaxClockAheadMs));
    CHECK(h.now() > remote);
    // An older remote clock changes nothing.
    HlcTime before = h.last();
    REQUIRE(h.fold(Hlc::pack(wall - 1000, 0), tuning::kMaxClockAheadMs));
    CHECK(h.last() == before);
  }

  TEST_CASE("refuses to fold a clock too far ahead") {
    int64_t wall = 1'700'000'000'000;
    Hlc h([&] { return wall; });
    HlcTime before = h.now();
    auto st = h.fold(Hlc::pack(wall + 3'600'000, 0), tuning::kMaxClockAheadMs);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Code::invalid);
    CHECK(st.error().message.find("3600 s ahead") != std::string::npos);
    CHECK(h.last() == before);
    CHECK(h.now() < Hlc::pack(wall + 1, 0));
  }
}
