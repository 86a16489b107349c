#include <doctest/doctest.h>

#include "shared/codec.hpp"

using namespace gw;

namespace {
Result<Fields> decode(const char* table, const char* set_json) {
  auto set = parse_json(set_json);
  REQUIRE(set);
  return decode_fields(*find_table(table), *set);
}
Code code_of(const char* table, const char* set_json) {
  auto r = decode(table, set_json);
  return r ? Code::ok : r.error().code;
}
}  // namespace

TEST_SUITE("codec") {
  TEST_CASE("decodes typed values and encodes them back") {
    auto r = decode("cases", R"({"title":"楼道堆放杂物","severity":"high","score":4,"confidential":true,
                                 "parties":[{"name":"张三"}],"category":"0302"})");
    REQUIRE(r);
    const auto& t = *find_table("cases");
    CHECK(r->size() == 6);
    Json back = encode_fields(t, *r);
    CHECK(back.find("title")->as_string() == "楼道堆放杂物");
    CHECK(back.find("confidential")->as_bool());
    CHECK(back.find("score")->as_int() == 4);
    CHECK(back.find("parties")->as_array()[0].find("name")->as_string() == "张三");
    auto again = decode_fields(t, back);
    REQUIRE(again);
    CHECK(*again == *r);
  }

  TEST_CASE("rejects wrong types, naming table and column") {
    auto r = decode("cases", R"({"score":"five"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::bad_type);
    CHECK(r.error().message == "cases.score expects integer, got string");
    CHECK(code_of("cases", R"({"title":7})") == Code::bad_type);
    CHECK(code_of("cases", R"({"confidential":1})") == Code::bad_type);
    CHECK(code_of("cases", R"({"parties":"a"})") == Code::bad_type);
    CHECK(code_of("grids", R"({"level":1.5})") == Code::bad_type);
  }

  TEST_CASE("rejects unknown columns and the id column") {
    auto r = decode("households", R"({"colour":"red"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::unknown_column);
    CHECK(r.error().message.find("colour") != std::string::npos);
    CHECK(code_of("households", R"({"id":"x"})") == Code::unknown_column);
    CHECK(code_of("households", R"([1])") == Code::invalid);
  }

  TEST_CASE("rejects over-long strings, counting characters not bytes") {
    std::string hundred;
    for (int i = 0; i < 100; ++i) hundred += "网";
    CHECK(code_of("cases", (R"({"title":")" + hundred + "\"}").c_str()) == Code::ok);
    auto r = decode("cases", (R"({"title":")" + hundred + "格\"}").c_str());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::too_long);
    CHECK(r.error().message == "cases.title is 101 characters, the limit is 100");
  }

  TEST_CASE("rejects a NUL character in text, which PostgreSQL cannot store") {
    auto r = decode("cases", R"({"title":"a\u0000b"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::invalid);
    CHECK(r.error().message == "cases.title holds a NUL character");
    const TableSpec& cases = *find_table("cases");
    CHECK_FALSE(check_value(cases, cases.columns[static_cast<size_t>(cases.index_of("title"))], Value{std::string("a\0b", 3)}));
    CHECK(code_of("cases", R"({"title":"a\u0001b"})") == Code::ok);
  }

  TEST_CASE("rejects bad enums and failed checks with what is allowed") {
    auto r = decode("cases", R"({"severity":"extreme"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::bad_enum);
    CHECK(r.error().message.find("low, normal, high, urgent") != std::string::npos);
    CHECK(code_of("cases", R"({"category":"9999"})") == Code::invalid);
    CHECK(code_of("cases", R"({"category":"0301"})") == Code::ok);
    CHECK(code_of("cases", R"({"score":6})") == Code::invalid);
    CHECK(code_of("residents", R"({"id_number":"350503199001011234"})") == Code::invalid);
    CHECK(code_of("households", R"({"phone":"call me"})") == Code::invalid);
    CHECK(code_of("households", R"({"grid_id":"not-a-uuid"})") == Code::invalid);
    CHECK(code_of("users", R"({"roles":"worker,king"})") == Code::invalid);
  }

  TEST_CASE("a refusal quotes the value it refused, unless it is personal data") {
    auto r = decode("households", R"({"phone":"1390591x111"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("households.phone must be") == 0);
    CHECK(r.error().message.find("1390591x111") == std::string::npos);  // kept in outboxes and the log
    r = decode("cases", R"({"category":"9999"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("'9999'") != std::string::npos);
  }

  TEST_CASE("null is a value; required columns are checked on new rows") {
    auto r = decode("cases", R"({"description":null})");
    REQUIRE(r);
    CHECK(is_null((*r)[0].value));
    const auto& t = *find_table("takeovers");
    auto partial = decode("takeovers", R"({"reason":"台风"})");
    REQUIRE(partial);
    auto st = check_required(t, *partial);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Code::missing);
    CHECK(st.error().message == "takeovers.grid_id is required for a new row");
  }

  TEST_CASE("check_value applies the same rules to stored values") {
    const auto& t = *find_table("cases");
    CHECK(check_value(t, *t.find("status"), Value{std::string("closed")}));
    CHECK(check_value(t, *t.find("status"), Value{std::string("lost")}).code() == Code::bad_enum);
    CHECK(check_value(t, *t.find("score"), Value{std::string("x")}).code() == Code::bad_type);
    CHECK(check_value(t, *t.find("parties"), Value{std::string("{oops")}).code() == Code::invalid);
  }
}
