#include <doctest/doctest.h>

#include <set>

#include "shared/uuid.hpp"

using namespace gw;

TEST_SUITE("uuid") {
  TEST_CASE("UUIDv7 text has the version, the variant and the timestamp") {
    UuidV7 gen(42);
    auto id = gen.next(1'700'000'000'123);
    CHECK(is_uuid_text(id));
    CHECK(id[14] == '7');
    CHECK((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));
    CHECK(uuid_v7_ms(id) == 1'700'000'000'123);
  }

  TEST_CASE("ids sort in creation order, within a millisecond and when the clock steps back") {
    UuidV7 gen(1);
    std::string prev;
    std::set<std::string> seen;
    int64_t ms = 1'700'000'000'000;
    for (int i = 0; i < 20000; ++i) {
      if (i % 100 == 0) ms += 3;
      if (i % 777 == 0) ms -= 50;  // a clock step back
      auto id = gen.next(ms);
      REQUIRE(id > prev);
      REQUIRE(seen.insert(id).second);
      prev = id;
    }
  }

  TEST_CASE("a seed makes the sequence repeatable") {
    UuidV7 a(9), b(9), c(10);
    CHECK(a.next(5) == b.next(5));
    CHECK(a.next(5) != c.next(5));
  }

  TEST_CASE("is_uuid_text rejects near misses") {
    CHECK_FALSE(is_uuid_text(""));
    CHECK_FALSE(is_uuid_text("0190b6f0-0000-7000-8000-00000000000"));
    CHECK_FALSE(is_uuid_text("0190B6F0-0000-7000-8000-000000000001"));
    CHECK_FALSE(is_uuid_text("0190b6f0_0000-7000-8000-000000000001"));
    CHECK(is_uuid_text("0190b6f0-0000-7000-8000-000000000001"));
  }
}
