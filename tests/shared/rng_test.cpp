#include <doctest/doctest.h>

#include "shared/rng.hpp"
#include "shared/uuid.hpp"

using namespace gw;

TEST_SUITE("rng") {
  TEST_CASE("splitmix64's published stream: a seed names the same history everywhere") {
    SeededRng r(0);
    CHECK(r.next() == 0xE220A8397B1DCDAFull);  // the reference implementation's first outputs
    CHECK(r.next() == 0x6E789E6AA1B965F4ull);
    CHECK(r.next() == 0x06C45D188009454Full);
  }

  TEST_CASE("below, chance and uniform stay in range") {
    SeededRng r(42);
    int heads = 0;
    for (int i = 0; i < 10000; ++i) {
      int b = r.below(7);
      CHECK((b >= 0 && b < 7));
      double u = r.uniform();
      CHECK((u >= 0.0 && u < 1.0));
      heads += r.chance(0.25);
    }
    CHECK(heads > 2200);
    CHECK(heads < 2800);
    CHECK(r.below(0) == 0);
  }

  TEST_CASE("a seeded id generator repeats; an unseeded one does not") {
    UuidV7 a(7), b(7), c, d;
    CHECK(a.next(1000) == b.next(1000));
    CHECK(c.next(1000) != d.next(1000));
  }
}
