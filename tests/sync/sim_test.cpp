#include <doctest/doctest.h>

#include "sync/sim/simulation.hpp"

using namespace gw::sync::sim;

TEST_SUITE("simulation") {
  TEST_CASE("seeded histories heal to agreement") {
    for (uint64_t seed = 1; seed <= 12; ++seed) {
      SimOptions o;
      o.seed = seed;
      o.steps = 150;
      auto r = run_simulation(o);
      if (!r.ok)
        for (const auto& f : r.failures) MESSAGE("seed ", seed, ": ", f);
      REQUIRE(r.ok);
      CHECK(r.stats.accepted > 0);
    }
  }

  TEST_CASE("the same seed gives the same history") {
    SimOptions o;
    o.seed = 5;
    o.steps = 120;
    auto a = run_simulation(o), b = run_simulation(o);
    CHECK(a.stats.accepted == b.stats.accepted);
    CHECK(a.stats.conflicts == b.stats.conflicts);
    CHECK(a.trace == b.trace);
  }

  TEST_CASE("the checker catches an order-dependent merge") {
    int caught = 0;
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      SimOptions o;
      o.seed = seed;
      o.steps = 150;
      o.break_merge = true;
      auto r = run_simulation(o);
      bool order = false;
      for (const auto& f : r.failures) order = order || f.find("order-dependent") != std::string::npos;
      caught += order;
    }
    CHECK(caught == 5);
  }
}
