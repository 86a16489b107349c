#include <doctest/doctest.h>

#include <random>

#include "shared/json.hpp"

using namespace gw;

TEST_SUITE("json") {
  TEST_CASE("round-trips values, escapes and non-ASCII text") {
    auto r = parse_json(R"({"a":1,"b":-2.5,"c":"x\"y\\z\n\u00e9\ud83d\ude00","d":[true,false,null],"e":{}})");
    REQUIRE(r);
    CHECK(r->find("a")->as_int() == 1);
    CHECK(r->find("b")->as_double() == -2.5);
    CHECK(r->find("c")->as_string() == "x\"y\\z\n\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(r->find("d")->as_array().size() == 3);
    auto again = parse_json(r->dump());
    REQUIRE(again);
    CHECK(*again == *r);
  }

  TEST_CASE("keeps Chinese text and emoji verbatim") {
    std::string s = "网格通 🚒 '); DROP TABLE cases; --";
    Json j = Json::object();
    j.set("v", s);
    auto back = parse_json(j.dump());
    REQUIRE(back);
    CHECK(back->find("v")->as_string() == s);
  }

  TEST_CASE("large integers stay integers; overflow becomes a double") {
    auto r = parse_json("[9223372036854775807,-9223372036854775808,9223372036854775808]");
    REQUIRE(r);
    CHECK(r->as_array()[0].as_int() == INT64_MAX);
    CHECK(r->as_array()[1].as_int() == INT64_MIN);
    CHECK_FALSE(r->as_array()[2].is_int());
  }

  TEST_CASE("rejects malformed input with a position") {
    for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "tru",
                            "\"abc", "\"\\x\"", "\"\\ud800\"", "{\"a\":1}x", "[1 2]", "nul",
                            "\"\x01\"", "{\"a\":1,\"a\":2}", "1e999"}) {
      auto r = parse_json(bad);
      CHECK_MESSAGE(!r, bad);
      if (!r) CHECK(r.error().code == Code::invalid);
    }
  }

  TEST_CASE("rejects invalid UTF-8 and bounds nesting") {
    CHECK_FALSE(parse_json("\"\xc0\xaf\""));      // overlong '/'
    CHECK_FALSE(parse_json("\"\xed\xa0\x80\""));  // encoded surrogate
    CHECK_FALSE(parse_json("\"\xff\""));
    std::string deep(100, '[');
    deep += std::string(100, ']');
    auto r = parse_json(deep);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("deep") != std::string::npos);
    CHECK(parse_json(std::string(60, '[') + std::string(60, ']')));
  }

  TEST_CASE("random byte strings never crash the parser (seeded)") {
    std::mt19937_64 rng(7);
    const std::string alphabet = "{}[]\",:0123456789.eE+-truefalsn \\u\xe7\xbd\x91";
    for (int i = 0; i < 20000; ++i) {
      std::string s;
      size_t n = rng() % 24;
      for (size_t k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
      auto r = parse_json(s);
      if (r) {
        auto back = parse_json(r->dump());
        REQUIRE(back);
        CHECK(*back == *r);
      }
    }
  }
}
