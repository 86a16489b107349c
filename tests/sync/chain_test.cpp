// The device chain's links on their own (sync/core/chain.hpp): what the server
// recomputes from a pushed patch is what the device signed, for any value a
// patch may carry; a changed byte, place or key does not verify.
#include <doctest/doctest.h>

#include <algorithm>
#include <tuple>

#include "shared/json.hpp"
#include "sync/core/chain.hpp"
#include "sync/core/patch.hpp"

namespace gw::sync {
namespace {

// Patch texts as the outbox holds them, with values that print in more
// than one way: escapes, non-ASCII, large and fractional numbers, nested JSON.
std::vector<std::string> awkward_patches() {
  std::vector<std::string> out;
  const char* sets[] = {
      R"({"notes":"引号\"反斜杠\\换行\n制表\t🚒 网格"})",
      R"({"members":9007199254740991})",
      R"({"notes":"\u0001\u001f\u2028"})",
      R"({"checklist":"{\"a\":[1,2.5,-0.001,1e-7],\"b\":{\"c\":null}}"})",
      R"({"route":"[[118.123456789012,24.9876543210987]]","findings":0})",
  };
  int i = 0;
  for (const char* set : sets)
    out.push_back(R"({"id":"019e0000-0000-7000-8000-00000000000)" + std::to_string(i++) +
                  R"(","table":"patrols","row":"019e0000-0000-7000-8000-0000000000aa","hlc":116654320833331200,"origin":"dev-1","set":)" +
                  set + "}");
  return out;
}

}  // namespace

TEST_CASE("a chained patch hashes the same on the server, for any value it carries") {
  auto key = DeviceKey::generate();
  ChainHead head{0, chain_genesis("dev-1")};
  std::string prev = head.hash;
  int64_t n = 0;
  for (const auto& text : awkward_patches()) {
    auto linked = chain_patch(text, head, &key);
    REQUIRE(linked);
    auto j = parse_json(*linked);  // what the server parses from the batch
    REQUIRE(j);
    auto link = read_link(*j);
    REQUIRE(link);
    REQUIRE(*link);
    CHECK((*link)->n == ++n);
    CHECK((*link)->prev == prev);
    CHECK((*link)->hash == head.hash);
    CHECK(link_signed_by(**link, key.public_key()));
    CHECK_FALSE(link_signed_by(**link, DeviceKey::generate().public_key()));
    CHECK(chain_patch(*linked, head, &key).error().code == Code::invalid);  // chained once only
    prev = head.hash;
  }
  CHECK(head.n == 5);
  CHECK(chain_genesis("dev-1") != chain_genesis("dev-2"));
}

TEST_CASE("a batch's signatures checked on several threads: each link signed by the key, nothing else") {
  auto key = DeviceKey::generate();
  ChainHead head{0, chain_genesis("dev-1")};
  Json::Array patches;
  for (int i = 0; i < 300; ++i) {
    auto text = awkward_patches()[static_cast<size_t>(i) % 5];
    auto linked = chain_patch(text, head, i == 7 ? nullptr : &key);  // 7: unsigned
    REQUIRE(linked);
    patches.push_back(parse_json(*linked).value());
  }
  patches.push_back(parse_json(awkward_patches()[0]).value());  // 300: no link at all
  patches[42].as_object()[0].second = Json("019e0000-0000-7000-8000-0000000000ff");  // 42: altered
  auto links = check_signatures(patches, key.public_key(), 4);
  REQUIRE(links.ok.size() == 301);
  for (size_t i = 0; i < links.ok.size(); ++i)
    CHECK_MESSAGE(links.ok[i] == (i != 7 && i != 42 && i != 300), i);
  auto other = check_signatures(patches, DeviceKey::generate().public_key(), 4);
  CHECK(std::count(other.ok.begin(), other.ok.end(), 1) == 0);
}

TEST_CASE("an altered link does not verify: a value, its place, the hash before it") {
  auto key = DeviceKey::generate();
  ChainHead head{0, chain_genesis("dev-1")};
  auto linked = chain_patch(awkward_patches()[0], head, &key);
  REQUIRE(linked);
  auto verify = [&](const Json& j) {
    auto link = read_link(j);
    return link && *link && link_signed_by(**link, key.public_key());
  };
  auto j = parse_json(*linked);
  REQUIRE(j);
  CHECK(verify(*j));
  Json value = *j;
  value.find("set")->set("notes", std::string("改过"));
  CHECK_FALSE(verify(value));
  Json place = *j;
  place.set("n", int64_t{7});
  CHECK_FALSE(verify(place));
  Json before = *j;
  before.set("prev", to_base64(chain_genesis("dev-2")));
  CHECK_FALSE(verify(before));
  Json bad = *j;
  bad.set("prev", std::string("not base64!"));
  CHECK_FALSE(read_link(bad));
  Json unchained = parse_json(awkward_patches()[0]).value();
  auto none = read_link(unchained);
  REQUIRE(none);
  CHECK_FALSE(*none);
  // The chained text is still an ordinary patch.
  CHECK(decode_patch(*j));
}

TEST_CASE("a sealed batch: one signature covers every link, in order; an altered, moved or foreign link breaks it") {
  auto key = DeviceKey::generate();
  ChainHead head{0, chain_genesis("dev-1")};
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) {
    auto linked = chain_patch(awkward_patches()[static_cast<size_t>(i) % 5], head, nullptr);  // no sig of its own
    REQUIRE(linked);
    texts.push_back(*linked);
  }
  texts.insert(texts.begin() + 50, awkward_patches()[1]);  // 50: no link, left out of the seal
  auto seal = seal_links(texts, key);
  REQUIRE(seal);
  auto as_json = [](const std::vector<std::string>& t) {
    Json::Array a;
    for (const auto& x : t) a.push_back(parse_json(x).value());
    return a;
  };
  auto links = check_signatures(as_json(texts), key.public_key(), 4, *seal);
  REQUIRE(links.ok.size() == 201);
  for (size_t i = 0; i < links.ok.size(); ++i) CHECK_MESSAGE(links.ok[i] == (i != 50), i);
  CHECK(links.seal == *seal);
  CHECK(links.hashes.size() == 200 * kChainHashBytes);
  // Without the seal, unsigned links are just unsigned.
  auto bare = check_signatures(as_json(texts), key.public_key(), 4);
  CHECK(std::count(bare.ok.begin(), bare.ok.end(), 1) == 0);
  // One value changed, two links swapped, another key, a seal cut short: none verifies.
  auto altered = as_json(texts);
  altered[120].find("set")->set("notes", std::string("改过"));
  auto swapped = as_json(texts);
  std::swap(swapped[10], swapped[11]);
  for (const auto& [what, batch, k, s] :
       {std::tuple{"altered", altered, key.public_key(), *seal}, std::tuple{"swapped", swapped, key.public_key(), *seal},
        std::tuple{"another key", as_json(texts), DeviceKey::generate().public_key(), *seal},
        std::tuple{"short seal", as_json(texts), key.public_key(), seal->substr(1)}}) {
    auto r = check_signatures(batch, k, 2, s);
    CHECK_MESSAGE(std::count(r.ok.begin(), r.ok.end(), 1) == 0, what);
    CHECK_MESSAGE(r.seal.empty(), what);
  }
  // The seal is what a link's evidence carries: its hash among the seal's.
  auto link = read_link(parse_json(texts[120]).value());
  REQUIRE(link);
  REQUIRE(*link);
  CHECK(seal_signed_by(links.hashes, *seal, key.public_key()));
  CHECK(links.hashes.find((*link)->hash) != std::string::npos);
  CHECK_FALSE(seal_signed_by(links.hashes.substr(kChainHashBytes), *seal, key.public_key()));
}

}  // namespace gw::sync
