// A device replica with a sealer keeps personal data sealed wherever it
// stores it (rows, shadows, outbox), opens it for its own reads, and seals a
// replica written in clear in one pass. The server's store stays in clear.
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

namespace {

// Not cryptography: a reversible scramble under a context tag, enough to
// tell sealed bytes from clear ones and a value moved to another place.
class TestSealer : public Sealer {
 public:
  std::string seal(std::string_view context, std::string_view plain) const override {
    std::string out = "S" + std::string(context) + "|";
    for (char c : plain) out += static_cast<char>(c ^ 0x5A);
    return out;
  }
  std::optional<std::string> open(std::string_view context, std::string_view sealed) const override {
    std::string tag = "S" + std::string(context) + "|";
    if (sealed.substr(0, tag.size()) != tag) return std::nullopt;
    std::string out;
    for (char c : sealed.substr(tag.size())) out += static_cast<char>(c ^ 0x5A);
    return out;
  }
};

const TestSealer kSealer;

// Every stored value of the device's file holding `needle` in clear.
int64_t clear_hits(Db& db, const std::string& needle) {
  int64_t hits = 0;
  for (std::string sql : {"SELECT address || head_name || phone FROM households",
                          "SELECT CAST(body AS TEXT) FROM _outbox", "SELECT CAST(value AS TEXT) FROM _shadow"}) {
    auto s = db.prepare(sql);
    while (s.step())
      if (!s.is_null(0) && s.text(0).find(needle) != std::string_view::npos) ++hits;
  }
  return hits;
}

void reopen(Park& park, Device& d, const Sealer* sealer) {
  d.client.reset();
  d.replica = std::make_unique<Replica>(*d.db, "dev-w", *d.clock, 11, sealer);
  d.client = std::make_unique<SyncClient>(*d.replica, *d.link);
  (void)park;
}

}  // namespace

TEST_SUITE("sealer") {
  TEST_CASE("pii values, their shadows and outbox bodies are stored sealed and read back opened") {
    Park park;
    auto& d = park.device("worker", "w");
    reopen(park, d, &kSealer);
    REQUIRE(d.client->sync());
    const auto& h = T("households");
    REQUIRE(text(*d.replica, "households", park.id("Ah0"), "phone") == "13800000000");
    CHECK(d.db->query_int("SELECT count(*) FROM households") == 2);
    CHECK(d.db->query_int("SELECT count(*) FROM households WHERE typeof(phone) != 'blob'") == 0);
    CHECK(d.db->query_int("SELECT count(*) FROM households WHERE typeof(building) = 'blob'") == 0);  // not pii
    CHECK(clear_hits(*d.db, "13800000000") == 0);
    CHECK(clear_hits(*d.db, "户主A") == 0);

    // A local edit: the old value goes to the shadow, the new one to the outbox.
    REQUIRE(d.replica->write(h, park.id("Ah0"), F(h, {{"phone", std::string("13911112222")}})));
    CHECK(d.db->query_int("SELECT count(*) FROM _shadow WHERE typeof(value) = 'blob'") == 1);
    CHECK(d.db->query_int("SELECT count(*) FROM _outbox WHERE typeof(body) = 'blob'") == 1);
    CHECK(clear_hits(*d.db, "13911112222") == 0);
    CHECK(clear_hits(*d.db, "13800000000") == 0);
    CHECK(text(*d.replica, "households", park.id("Ah0"), "phone") == "13911112222");

    // The push carries the value opened: the server stores it in clear.
    REQUIRE(d.client->sync());
    Row row;
    REQUIRE(park.server.store().load(h, park.id("Ah0"), row));
    CHECK(value_to_string(row.values[static_cast<size_t>(h.index_of("phone"))]) == "13911112222");
    CHECK(park.server_db.query_int("SELECT count(*) FROM households WHERE typeof(phone) = 'text'") == 6);
    CHECK(d.replica->pending_count() == 0);
  }

  TEST_CASE("a refused edit restores the server's value from its sealed shadow") {
    Park park;
    const auto& dep = T("departments");
    park.put("departments", "D", {{"phone", std::string("0596-1234567")}});
    auto& d = park.device("worker", "w");
    reopen(park, d, &kSealer);
    REQUIRE(d.client->sync());
    // A worker may not edit a department: refused by the server.
    REQUIRE(d.replica->write(dep, park.id("D"), F(dep, {{"phone", std::string("13900001111")}})));
    CHECK(d.db->query_int("SELECT count(*) FROM _shadow WHERE typeof(value) = 'blob'") == 1);
    CHECK(clear_hits(*d.db, "0596-1234567") == 0);
    auto r = d.client->sync();
    REQUIRE(r);
    CHECK(r->refused == 1);
    REQUIRE(d.replica->problems().size() == 1);
    CHECK(d.replica->problems().front().body.find("13900001111") != std::string::npos);  // opened for the user
    CHECK(text(*d.replica, "departments", park.id("D"), "phone") == "0596-1234567");
    CHECK(d.db->query_int("SELECT count(*) FROM departments WHERE typeof(phone) = 'blob'") == 1);
  }

  TEST_CASE("a replica written in clear is sealed in one pass, and still syncs") {
    Park park;
    auto& d = park.device("worker", "w");
    REQUIRE(d.client->sync());
    const auto& h = T("households");
    REQUIRE(d.replica->write(h, park.id("Ah0"), F(h, {{"phone", std::string("13911112222")}})));
    CHECK(clear_hits(*d.db, "13911112222") > 0);
    CHECK(clear_hits(*d.db, "13800000000") > 0);

    reopen(park, d, &kSealer);
    CHECK(d.replica->seal_clear() == 2 + 1 + 1);  // rows, the shadow, the outbox body
    CHECK(d.replica->seal_clear() == 0);          // nothing left in clear
    CHECK(clear_hits(*d.db, "13911112222") == 0);
    CHECK(clear_hits(*d.db, "13800000000") == 0);
    CHECK(text(*d.replica, "households", park.id("Ah0"), "phone") == "13911112222");
    CHECK(text(*d.replica, "households", park.id("Ah1"), "head_name") == "户主A");
    REQUIRE(d.client->sync());
    CHECK(d.replica->pending_count() == 0);
    Row row;
    REQUIRE(park.server.store().load(h, park.id("Ah0"), row));
    CHECK(value_to_string(row.values[static_cast<size_t>(h.index_of("phone"))]) == "13911112222");
  }

  TEST_CASE("a sealed value moved to another column does not open") {
    Park park;
    auto& d = park.device("worker", "w");
    reopen(park, d, &kSealer);
    REQUIRE(d.client->sync());
    d.db->prepare("UPDATE households SET head_name = phone WHERE id = ?").bind(1, park.id("Ah0")).run();
    Row row;
    CHECK_THROWS_AS(d.replica->store().load(T("households"), park.id("Ah0"), row), DbError);
    CHECK(d.replica->store().load(T("households"), park.id("Ah1"), row));
  }
}
