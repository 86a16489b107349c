// A server restored from an older copy of its database (issue 21): the
// tablets give back what it had taken from them after the copy, and every
// tablet reads everything again in the new epoch instead of skipping the
// changes the restored database numbers anew.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "fixture.hpp"
#include "sync/server/epoch.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/gridwork-restore-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

std::string server_text(ServerEngine& server, const char* table, const std::string& row, const char* col) {
  Row out;
  if (!server.store().load(T(table), row, out)) return "<absent>";
  return value_to_string(out.values[static_cast<size_t>(T(table).index_of(col))]);
}

Status note(Device& d, Park& park, const std::string& key, const std::string& words) {
  auto w = d.replica->write(T("households"), park.id(key), F(T("households"), {{"notes", words}}));
  if (!w) return w.error();
  return Status::ok();
}

// The restored server: the copy opened by a new engine, a new epoch begun
// (what `gridwork-server restore` does), every device talking to it now.
struct Restored {
  SqliteDb db;
  Hlc clock;
  ServerEngine server;
  int64_t epoch = 0;
  Restored(const std::string& file, Park& park)
      : db(file), clock([&park] { return park.wall; }), server(db, clock, 7) {
    auto txn = server.begin_write();
    epoch = start_new_epoch(db, park.wall);
    txn->commit();
    for (auto& [name, d] : park.devices) {
      Principal who = d.link->principal();
      d.link = std::make_unique<LoopbackTransport>(server, who);
      d.client = std::make_unique<SyncClient>(*d.replica, *d.link);
    }
  }
};

}  // namespace

TEST_SUITE("restore") {
  TEST_CASE("a server restored from an older copy gets back what the tablets gave it since, and none skips a change") {
    Park park;
    TempDir dir;
    auto& w = park.device("worker", "w");
    auto& sup = park.device("supervisor", "s");
    auto& reader = park.device("worker2", "r");  // reads grid A, writes nothing
    park.add_user("worker2", "worker", "", "A");
    for (auto* d : {&w, &sup, &reader}) REQUIRE(d->client->sync());
    REQUIRE(note(w, park, "Ah0", "备份前"));
    for (auto* d : {&w, &sup, &reader}) REQUIRE(d->client->sync());
    int64_t old_epoch = w.replica->epoch();
    CHECK(old_epoch > 0);

    std::string copy = dir.path + "/copy.db";
    park.server_db.exec("VACUUM INTO '" + copy + "'");
    // After the copy: accepted, then lost with the database.
    park.wall += 60'000;
    REQUIRE(note(w, park, "Ah0", "备份后"));
    REQUIRE(note(w, park, "Ah1", "新的一户"));
    REQUIRE(note(sup, park, "Bh0", "中心改的"));
    for (auto* d : {&w, &sup, &reader}) REQUIRE(d->client->sync());
    REQUIRE(text(*reader.replica, "households", park.id("Ah0"), "notes") == "备份后");
    int64_t lost_seq = park.server.last_seq();

    park.wall += 60'000;
    Restored r(copy, park);
    CHECK(r.epoch > old_epoch);
    CHECK(server_text(r.server, "households", park.id("Ah0"), "notes") == "备份前");
    CHECK(r.server.last_seq() < lost_seq);  // it numbers changes again from the copy's end

    // The reader first: it re-reads and holds what the copy holds.
    auto rr = reader.client->sync();
    REQUIRE(rr);
    CHECK(rr->restarts == 1);
    CHECK(reader.replica->epoch() == r.epoch);
    // The tablets that wrote give it back.
    auto wr = w.client->sync();
    REQUIRE(wr);
    CHECK(wr->restarts == 1);
    CHECK(wr->resent == 2);
    auto sr = sup.client->sync();
    REQUIRE(sr);
    CHECK(sr->resent == 1);
    CHECK(server_text(r.server, "households", park.id("Ah0"), "notes") == "备份后");
    CHECK(server_text(r.server, "households", park.id("Ah1"), "notes") == "新的一户");
    CHECK(server_text(r.server, "households", park.id("Bh0"), "notes") == "中心改的");

    // A change after the restore reaches the reader, whose cursors from the
    // old epoch were past every seq the restored database hands out now.
    park.wall += 60'000;
    REQUIRE(note(w, park, "Ah0", "恢复后"));
    for (auto* d : {&w, &reader, &sup}) REQUIRE(d->client->sync());
    CHECK(text(*reader.replica, "households", park.id("Ah0"), "notes") == "恢复后");
    CHECK(text(*reader.replica, "households", park.id("Ah1"), "notes") == "新的一户");
    for (const char* key : {"Ah0", "Ah1", "Bh0", "Bh1"})
      CHECK(text(*sup.replica, "households", park.id(key), "notes") ==
            server_text(r.server, "households", park.id(key), "notes"));
  }

  TEST_CASE("an answer to a request from another epoch carries only the restart") {
    Park park;
    auto& w = park.device("worker", "w");
    REQUIRE(w.client->sync());
    REQUIRE(note(w, park, "Ah0", "一"));
    REQUIRE(w.client->sync());
    PullRequest req = w.replica->pull_request(0);
    req.epoch = park.server.epoch() - 1;
    auto a = park.server.pull(Principal{park.id("worker"), "dev-w"}, parse_json(encode(req)).value());
    REQUIRE(a);
    REQUIRE(a->restart);
    CHECK(a->restart->epoch == park.server.epoch());
    CHECK(a->restart->chain_n == 1);
    CHECK(a->patches.empty());
    CHECK(a->cursors.empty());
    // Decoded as it went: the restart survives the wire.
    auto back = decode_pull_answer(parse_json(encode(*a)).value());
    REQUIRE(back);
    REQUIRE(back->restart);
    CHECK(back->restart->chain_n == 1);
    CHECK(!w.replica->apply_pull(*back));  // never applied as a page
  }

  TEST_CASE("a tablet that no longer keeps the links a restored server lacks says so and changes nothing") {
    Park park;
    auto& w = park.device("worker", "w");
    REQUIRE(w.client->sync());
    REQUIRE(note(w, park, "Ah0", "一"));
    REQUIRE(note(w, park, "Ah1", "二"));
    REQUIRE(w.client->sync());
    w.db->exec("DELETE FROM _links WHERE n = 1");
    auto batch = w.replica->links_after(0, 10);
    REQUIRE(!batch);
    CHECK(batch.error().code == Code::state);
    CHECK(batch.error().message.find("places 1 to 1") != std::string::npos);
    auto rest = w.replica->links_after(1, 10);
    REQUIRE(rest);
    REQUIRE(*rest);
    CHECK((*rest)->request.patches.size() == 1);
  }
}
