// A push sealed once (protocol 3) on the engine itself, as the loopback and
// the simulation reach it without the HTTP front: the engine checks the seal,
// keeps it with the hashes it covers, and hands it out as evidence that
// checks offline; a seal by another key, or over other bytes, signs nothing.
#include <doctest/doctest.h>

#include "sync/core/chain.hpp"
#include "sync/core/device_key.hpp"
#include "tests/sync/fixture.hpp"

namespace gw::sync::test {

TEST_CASE("a sealed push through the engine: kept, evidence that verifies, another key's seal refused") {
  Park p;
  auto key = DeviceKey::generate();
  std::string bound = key.public_key();
  p.server.set_keys([&](const std::string& device) {
    return device == "dev-w" ? std::optional<std::string>(bound) : std::nullopt;
  });
  Device& w = p.device("worker", "w");
  w.replica->set_key(&key);
  REQUIRE(w.client->sync());
  std::string row = p.id("Ah0");
  for (int i = 1; i <= 3; ++i)
    REQUIRE(w.replica->write(T("households"), row, F(T("households"), {{"notes", "封" + std::to_string(i)}})));
  auto pushed = w.client->sync();
  REQUIRE(pushed);
  CHECK(pushed->pushed == 3);
  CHECK(pushed->refused == 0);
  CHECK(p.server_db.query_int("SELECT count(*) FROM _seals WHERE device = 'dev-w'") == 1);
  CHECK(p.server_db.query_int("SELECT count(*) FROM _chain WHERE device = 'dev-w' AND length(sig) = 0") == 3);

  auto ev = p.server.evidence("households", row);
  REQUIRE(ev);
  const auto& links = ev->find("links")->as_array();
  REQUIRE(links.size() == 3);
  for (const auto& l : links) CHECK(l.find("seal")->is_object());
  CHECK(verify_evidence(*ev));

  // The device bound to another key since: its next sealed push signs nothing.
  auto other = DeviceKey::generate();
  bound = other.public_key();
  REQUIRE(w.replica->write(T("households"), row, F(T("households"), {{"notes", std::string("换钥")}})));
  auto refused = w.client->sync();
  REQUIRE(refused);
  CHECK(refused->pushed == 0);
  CHECK(refused->refused == 1);
  CHECK(text(*w.replica, "households", row, "notes") == "封3");
  CHECK(p.server_db.query_int("SELECT count(*) FROM _seals WHERE device = 'dev-w'") == 1);
  // The evidence made before still checks: the key that verified is kept with each link.
  CHECK(verify_evidence(p.server.evidence("households", row).value()));
}

}  // namespace gw::sync::test
