#include <doctest/doctest.h>

#include "sync/core/patch.hpp"
#include "sync/core/protocol.hpp"

using namespace gw;
using namespace gw::sync;

namespace {
Result<Patch> decode(const std::string& text, PatchFrom from = PatchFrom::push) {
  auto j = parse_json(text);
  REQUIRE(j);
  return decode_patch(*j, from);
}
const char* kGood = R"({"id":"0190b6f0-0000-7000-8000-000000000001","table":"cases",
  "row":"0190b6f0-0000-7000-8000-000000000002","hlc":123456789,"origin":"dev-1",
  "set":{"status":"handling","description":"楼道漏水 💧"},"base":{"status":99}})";
}  // namespace

TEST_SUITE("patch") {
  TEST_CASE("decodes, encodes and decodes again to the same patch") {
    auto p = decode(kGood);
    REQUIRE(p);
    CHECK(p->table->name == "cases");
    CHECK(p->set.size() == 2);
    CHECK(p->base_of(static_cast<uint16_t>(p->table->index_of("status"))) == 99);
    CHECK(p->base_of(static_cast<uint16_t>(p->table->index_of("description"))) == 0);
    auto again = decode(encode_patch(*p));
    REQUIRE(again);
    CHECK(again->set == p->set);
    CHECK(again->base == p->base);
    CHECK(again->hlc == p->hlc);
  }

  TEST_CASE("a malformed patch is refused with a reason naming the fault") {
    struct Bad { const char* json; Code code; const char* says; };
    for (Bad b : {Bad{R"({"table":"cases"})", Code::invalid, "'id'"},
                  {R"({"id":"0190b6f0-0000-7000-8000-000000000001","table":"pirates","row":"0190b6f0-0000-7000-8000-000000000002","hlc":1,"origin":"d","set":{"a":1}})", Code::unknown_table, "pirates"},
                  {R"({"id":"0190b6f0-0000-7000-8000-000000000001","table":"cases","row":"x","hlc":1,"origin":"d","set":{"title":"a"}})", Code::invalid, "'row'"},
                  {R"({"id":"0190b6f0-0000-7000-8000-000000000001","table":"cases","row":"0190b6f0-0000-7000-8000-000000000002","hlc":-5,"origin":"d","set":{"title":"a"}})", Code::invalid, "'hlc'"},
                  {R"({"id":"0190b6f0-0000-7000-8000-000000000001","table":"cases","row":"0190b6f0-0000-7000-8000-000000000002","hlc":1,"origin":"d","set":{}})", Code::invalid, "'set'"},
                  {R"({"id":"0190b6f0-0000-7000-8000-000000000001","table":"cases","row":"0190b6f0-0000-7000-8000-000000000002","hlc":1,"origin":"d","set":{"colour":"red"}})", Code::unknown_column, "colour"},
                  {R"({"id":"0190b6f0-0000-7000-8000-000000000001","table":"cases","row":"0190b6f0-0000-7000-8000-000000000002","hlc":1,"origin":"d","set":{"score":"x"}})", Code::bad_type, "cases.score"},
                  {R"({"id":"0190b6f0-0000-7000-8000-000000000001","table":"cases","row":"0190b6f0-0000-7000-8000-000000000002","hlc":1,"origin":"d","set":{"title":"a"},"base":{"title":"x"}})", Code::invalid, "base.title"}}) {
      auto p = decode(b.json);
      REQUIRE_FALSE(p);
      CHECK(p.error().code == b.code);
      CHECK_MESSAGE(p.error().message.find(b.says) != std::string::npos, p.error().message);
    }
  }

  TEST_CASE("pulled patches carry bucket and seq instead of an id") {
    auto p = decode(R"({"table":"cases","row":"0190b6f0-0000-7000-8000-000000000002","hlc":5,"origin":"server",
                        "set":{"title":"x"},"bucket":"grid:g","seq":42})", PatchFrom::pull);
    REQUIRE(p);
    CHECK(p->bucket == "grid:g");
    CHECK(p->seq == 42);
    CHECK_FALSE(decode(R"({"table":"cases","row":"0190b6f0-0000-7000-8000-000000000002","hlc":5,"origin":"s",
                           "set":{"title":"x"}})", PatchFrom::pull));
    CHECK_FALSE(decode(R"({"table":"cases","row":"0190b6f0-0000-7000-8000-000000000002","hlc":5,"origin":"s",
                           "set":{"title":"x"},"bucket":"","seq":42})", PatchFrom::pull));
  }

  TEST_CASE("protocol messages round-trip and a version mismatch is a clear error") {
    PullRequest r{{{"global", 5}, {"grid:a", 7}}, {{"grid:a", 3}}, 50, "0123456789abcdef"};
    auto j = parse_json(encode(r));
    REQUIRE(j);
    auto back = decode_pull_request(*j);
    REQUIRE(back);
    CHECK(back->cursors == r.cursors);
    CHECK(back->since == r.since);
    CHECK(back->limit == 50);
    CHECK(back->basis == r.basis);
    for (const char* bad_basis : {R"({"cursors":{},"basis":7})", R"({"cursors":{},"basis":"A-B"})",
                                  R"({"cursors":{},"basis":"0000000000000000000000000000000000000000000000000000000000000000f"})"}) {
      auto b = decode_pull_request(parse_json(bad_basis).value());
      REQUIRE_FALSE(b);
      CHECK(b.error().message.find("basis") != std::string::npos);
    }
    PullAnswer pa;
    pa.basis = "beef";
    pa.cursors["global"] = 3;
    auto pb = decode_pull_answer(parse_json(encode(pa)).value());
    REQUIRE(pb);
    CHECK(pb->basis == "beef");
    auto old = parse_json(R"({"protocol":99,"cursors":{}})");
    auto bad = decode_pull_request(*old);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Code::version_mismatch);
    // Protocol 2 (links signed one by one) is still spoken; 1 and 5 are not.
    for (int v : {1, 2, 3, 4, 5})
      CHECK(decode_pull_request(*parse_json(R"({"protocol":)" + std::to_string(v) + R"(,"cursors":{}})")).is_ok() ==
            (v >= 2 && v <= 4));
    PushAnswer a{{"a"}, {{"b", Code::quarantined, "ended"}}, 2, 77, 5, Restart{6, 40}};
    auto aj = parse_json(encode(a));
    auto ab = decode_push_answer(*aj);
    REQUIRE(ab);
    CHECK(ab->epoch == 5);
    REQUIRE(ab->restart);
    CHECK(ab->restart->epoch == 6);
    CHECK(ab->restart->chain_n == 40);
    CHECK_FALSE(decode_push_answer(parse_json(R"({"accepted":[],"rejected":[],"epoch":-1})").value()));
    CHECK_FALSE(decode_push_answer(parse_json(R"({"accepted":[],"rejected":[],"restart":{"chain_n":1}})").value()));
    CHECK(ab->rejected[0].code == Code::quarantined);
    CHECK(ab->conflicts == 2);
    CHECK(ab->gap == 0);
    PushAnswer g;
    g.gap = 41;
    auto gb = decode_push_answer(parse_json(encode(g)).value());
    REQUIRE(gb);
    CHECK(gb->gap == 41);
    for (const char* bad_gap : {R"({"accepted":[],"rejected":[],"gap":0})", R"({"accepted":[],"rejected":[],"gap":"1"})"})
      CHECK_FALSE(decode_push_answer(parse_json(bad_gap).value()));
  }
}

TEST_CASE("a push's seal travels as base64 and comes back as the same bytes; a malformed one is refused") {
  PushRequest r;
  r.batch = "019e0000-0000-7000-8000-000000000001";
  r.patches = {R"({"id":"x"})"};
  r.seal = std::string(64, '\x07');
  auto back = decode_push_request(parse_json(encode(r)).value());
  REQUIRE(back);
  CHECK(back->seal == r.seal);
  r.seal.clear();
  auto none = decode_push_request(parse_json(encode(r)).value());
  REQUIRE(none);
  CHECK(none->seal.empty());
  for (const char* seal : {R"("AAAA")", R"("not base64!")", "7"}) {
    auto bad = decode_push_request(
        parse_json(std::string(R"({"protocol":3,"batch":"019e0000-0000-7000-8000-000000000001","patches":[],"seal":)") +
                   seal + "}")
            .value());
    CHECK_FALSE(bad);
  }
}
