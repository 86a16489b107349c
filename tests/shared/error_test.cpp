#include <doctest/doctest.h>

#include <set>

#include "shared/error.hpp"

using namespace gw;

TEST_SUITE("error") {
  TEST_CASE("one row per code: a unique name that reads back, a status, the words' key") {
    std::set<std::string_view> names;
    for (int i = 0; i <= static_cast<int>(Code::internal); ++i) {
      auto c = static_cast<Code>(i);
      CAPTURE(code_name(c));
      CHECK(code_info(c).code == c);
      CHECK(names.insert(code_name(c)).second);
      CHECK(code_from_name(code_name(c)) == c);
      CHECK(message_key(c) == "error." + std::string(code_name(c)));
      CHECK(http_status(c) >= 200);
      CHECK(http_status(c) < 600);
    }
    CHECK(code_from_name("no such code") == Code::internal);
  }

  TEST_CASE("a device tries again after a fault, never after a verdict") {
    for (int i = 0; i <= static_cast<int>(Code::internal); ++i) {
      auto c = static_cast<Code>(i);
      CAPTURE(code_name(c));
      // 5xx are faults of the moment; 429 asks to come back later; 4xx otherwise judge the request.
      CHECK(retry_later(c) == (http_status(c) >= 500 || http_status(c) == 429));
    }
    CHECK(http_status(Code::io) == 507);  // a full disk: the records stay and go later
    CHECK(http_status(Code::quarantined) == 403);
  }
}
