// Device trust against the real server (DESIGN §8): each device's patches
// are a signed hash chain — replayed, reordered, truncated and altered
// chains are refused and change nothing; a record's links export as evidence
// that checks offline; a revoked device's tokens get the wipe order and what
// it still sends is held for review; brute force is throttled per address.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "sync/core/chain.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"

namespace gw::test {
namespace {

const TableSpec& T(const char* n) { return *find_table(n); }
uint16_t C(const char* t, const char* c) { return static_cast<uint16_t>(T(t).index_of(c)); }

struct Pushed {
  int status = 0;
  std::set<std::string> accepted;
  std::map<std::string, std::string> refused;  // id -> message
  Json json;
};

// One signed request (the body signature is valid: only the chain is wrong),
// sealed by the device as sent, or with the seal given (one made for other
// bytes: what an alteration on the way leaves).
Pushed push_raw(const std::string& url, Device& d, const std::vector<std::string>& patches,
                std::optional<std::string> seal = std::nullopt, std::string batch = {}) {
  sync::PushRequest req;
  req.batch = batch.empty() ? UuidV7().next(now_ms()) : batch;
  req.patches = patches;
  req.seal = seal ? *seal : d.replica.seal(patches);
  std::string body = sync::encode(req);
  auto r = raw(url, "POST", "/v1/sync/push", body,
               {{"Authorization", "Bearer " + d.me.token}, {"X-Gridwork-Signature", d.key.sign_base64(body)}});
  Pushed out{r.status, {}, {}, r.json};
  if (r.status != 200) return out;
  for (const auto& id : r.json.find("accepted")->as_array()) out.accepted.insert(id.as_string());
  for (const auto& x : r.json.find("rejected")->as_array())
    out.refused[x.find("id")->as_string()] = x.find("message")->as_string();
  return out;
}

// Holds a push's first batch back until its second has been answered: the
// second reaches the server first, as it may through two connections.
class Overtaking : public sync::Transport {
 public:
  explicit Overtaking(sync::Transport& inner) : inner_(inner) {}
  Result<std::string> exchange(std::string_view path, const std::string& body) override {
    if (path != "/v1/sync/push") return inner_.exchange(path, body);
    int k;
    {
      std::lock_guard<std::mutex> l(m_);
      k = pushes_++;
    }
    if (k == 0) {
      std::unique_lock<std::mutex> l(m_);
      overtook_ = cv_.wait_for(l, std::chrono::seconds(20), [&] { return second_answered_; });
    }
    auto r = inner_.exchange(path, body);
    if (k == 1) {
      std::lock_guard<std::mutex> l(m_);
      second_answered_ = true;
      cv_.notify_all();
    }
    return r;
  }
  bool overtook() {
    std::lock_guard<std::mutex> l(m_);
    return overtook_;
  }

 private:
  sync::Transport& inner_;
  std::mutex m_;
  std::condition_variable cv_;
  int pushes_ = 0;
  bool second_answered_ = false, overtook_ = false;
};

std::string id_of(const std::string& patch) { return parse_json(patch)->find("id")->as_string(); }

std::string server_notes(ServerProcess& s, const std::string& row) {
  ServerDb db(s.db_path());
  auto q = db.prepare("SELECT coalesce(notes, '') FROM households WHERE id = ?");
  q.bind(1, row);
  REQUIRE(q.step());
  return std::string(q.text(0));
}

int64_t server_int(ServerProcess& s, const std::string& sql) { return ServerDb(s.db_path()).query_int(sql); }

std::string first_household(Device& d) {
  auto q = d.db.prepare("SELECT id FROM households ORDER BY id LIMIT 1");
  REQUIRE(q.step());
  return std::string(q.text(0));
}

// A patch's text with one field's value replaced, its signature kept.
std::string altered(const std::string& patch, const std::string& from, const std::string& to) {
  std::string out = patch;
  auto at = out.find(from);
  REQUIRE(at != std::string::npos);
  return out.replace(at, from.size(), to);
}

}  // namespace

TEST_SUITE("server") {
  TEST_CASE("device chains: replayed, reordered, truncated and altered chains are refused and change nothing") {
    auto& s = demo_server();
    Device w(s.url(), "worker06");
    REQUIRE(w.sync.sync());
    std::string row = first_household(w);
    std::string before = server_notes(s, row);
    for (int i = 1; i <= 4; ++i)
      REQUIRE(w.replica.write(T("households"), row, {{C("households", "notes"), Value{"链" + std::to_string(i)}}}));
    auto batch = w.replica.next_batch(10);  // chained and kept: the tablet will send these bytes
    REQUIRE(batch);
    const auto& p = batch->request.patches;
    REQUIRE(p.size() == 4);
    for (size_t i = 0; i < p.size(); ++i) CHECK(parse_json(p[i])->find("n")->as_int() == static_cast<int64_t>(i + 1));
    int64_t log_before = server_int(s, "SELECT count(*) FROM _log");

    // Truncated: the first link never arrives.
    auto truncated = push_raw(s.url(), w, {p[1], p[2], p[3]});
    REQUIRE(truncated.status == 200);
    CHECK(truncated.accepted.empty());
    REQUIRE(truncated.refused.size() == 3);
    CHECK(truncated.refused[id_of(p[1])].find("missing or out of order") != std::string::npos);
    // Every link past the chain's end: the answer says where it goes on
    // (protocol 4), and is not kept for the batch id.
    REQUIRE(truncated.json.find("gap"));
    CHECK(truncated.json.find("gap")->as_int() == 1);
    // Altered on the way: the value changed under a valid request signature.
    auto forged = push_raw(s.url(), w, {altered(p[0], "链1", "改1")}, w.replica.seal({p[0]}));
    REQUIRE(forged.refused.size() == 1);
    CHECK(forged.refused.begin()->second.find("not signed by this device") != std::string::npos);
    // Unchained: the link stripped.
    auto plain = parse_json(p[0]);
    Json::Object kept;
    for (auto& [k, v] : plain->as_object())
      if (k != "n" && k != "prev" && k != "sig") kept.emplace_back(k, v);
    auto unchained = push_raw(s.url(), w, {Json(std::move(kept)).dump()});
    CHECK(unchained.refused.begin()->second.find("signed link") != std::string::npos);
    CHECK(server_notes(s, row) == before);
    CHECK(server_int(s, "SELECT count(*) FROM _log") == log_before);
    CHECK(server_int(s, "SELECT count(*) FROM _chain WHERE device = '" + w.id + "'") == 0);

    // Reordered: only the link that fits takes its place (not a gap: one fit).
    auto reordered = push_raw(s.url(), w, {p[3], p[2], p[0], p[1]});
    CHECK_FALSE(reordered.json.find("gap"));
    CHECK(reordered.accepted == std::set<std::string>{id_of(p[0]), id_of(p[1])});
    CHECK(reordered.refused.count(id_of(p[3])) == 1);
    CHECK(reordered.refused.count(id_of(p[2])) == 1);
    CHECK(server_notes(s, row) == "链2");

    // The tablet's own batch (links 1-4, as kept) is judged as sent: 1 and 2
    // again with their first verdicts, 3 and 4 now in order.
    REQUIRE(w.sync.sync());
    CHECK(w.replica.pending_count() == 0);
    CHECK(server_notes(s, row) == "链4");
    int64_t logged = server_int(s, "SELECT count(*) FROM _log");
    CHECK(logged == log_before + 4);
    // Replayed: an old link sent again applies nothing twice...
    auto replay = push_raw(s.url(), w, {p[0]});
    CHECK(replay.accepted == std::set<std::string>{id_of(p[0])});
    CHECK(server_notes(s, row) == "链4");
    CHECK(server_int(s, "SELECT count(*) FROM _log") == logged);
    // ...and another patch in a place already taken is refused.
    auto taken = push_raw(s.url(), w, {altered(p[2], "链3", "链9")});
    CHECK(taken.refused.begin()->second.find("already holds another patch") != std::string::npos);
    CHECK(server_notes(s, row) == "链4");

    // Evidence: the record's four links, checkable with nothing but the file.
    Device office(s.url(), "supervisor01");
    auto ev = office.http.get("/v1/evidence?table=households&row=" + row, 10'000);
    REQUIRE(ev);
    auto evidence = parse_json(*ev);
    REQUIRE(evidence);
    const auto& links = evidence->find("links")->as_array();
    REQUIRE(links.size() == 4);
    CHECK(links[0].find("device")->as_string() == w.id);
    CHECK(links[0].find("author")->as_string() == "worker06");
    CHECK(links[0].find("public_key")->as_string() == w.key.public_key_base64());
    CHECK(sync::verify_evidence(*evidence));
    // Sealed links keep no copy of their text: the evidence reads _log's.
    CHECK(server_int(s, "SELECT count(*) FROM _chain WHERE device = '" + w.id + "' AND body = ''") == 4);
    // The tablet sealed its batch (protocol 3): each link shows the seal and
    // the hashes it covers; a seal made over other hashes does not verify.
    for (const auto& l : links) CHECK(l.find("seal")->is_object());
    auto reseal = *evidence;
    auto& hashes = reseal.find("links")->as_array()[2].find("seal")->as_object();
    for (auto& [k, v] : hashes)
      if (k == "hashes") v = Json(sync::to_base64(std::string(sync::kChainHashBytes, 'x') + *sync::from_base64(v.as_string())));
    CHECK_FALSE(sync::verify_evidence(reseal));
    auto doctored = *evidence;
    auto& text = doctored.find("links")->as_array()[1].find("patch")->as_string();
    text = altered(text, "链2", "链X");
    CHECK_FALSE(sync::verify_evidence(doctored));
    std::string dir = std::filesystem::temp_directory_path() / ("gw-evidence-" + w.id);
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/good.json") << evidence->dump();
    std::ofstream(dir + "/bad.json") << doctored.dump();
    CHECK(s.admin({"evidence", "verify", dir + "/good.json"}) == 0);
    CHECK(s.admin({"evidence", "verify", dir + "/bad.json"}) != 0);
    CHECK_FALSE(w.http.get("/v1/evidence?table=households&row=" + row, 10'000));  // a worker: forbidden
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("a batch that overtakes the one before it is answered gap, kept nowhere, and judged in its turn") {
    auto& s = demo_server();
    Device w(s.url(), "worker06");
    REQUIRE(w.sync.sync());
    std::string row = first_household(w);
    for (int i = 1; i <= 4; ++i)
      REQUIRE(w.replica.write(T("households"), row, {{C("households", "notes"), Value{"超" + std::to_string(i)}}}));
    auto batch = w.replica.next_batch(10);
    REQUIRE(batch);
    const auto& p = batch->request.patches;
    std::string second = UuidV7().next(now_ms());
    auto early = push_raw(s.url(), w, {p[2], p[3]}, std::nullopt, second);
    REQUIRE(early.status == 200);
    REQUIRE(early.json.find("gap"));
    CHECK(early.json.find("gap")->as_int() == 1);
    CHECK(early.accepted.empty());
    CHECK(server_int(s, "SELECT count(*) FROM _batches WHERE id = '" + second + "'") == 0);
    CHECK(server_int(s, "SELECT count(*) FROM _chain WHERE device = '" + w.id + "'") == 0);
    auto first = push_raw(s.url(), w, {p[0], p[1]});
    CHECK(first.accepted.size() == 2);
    // The same batch id again, now in its turn: judged, not the kept refusals.
    auto again = push_raw(s.url(), w, {p[2], p[3]}, std::nullopt, second);
    CHECK(again.accepted == std::set<std::string>{id_of(p[2]), id_of(p[3])});
    CHECK_FALSE(again.json.find("gap"));
    CHECK(server_notes(s, row) == "超4");
  }

  TEST_CASE("a tablet's push whose second batch overtakes the first sends it again: nothing refused, nothing lost") {
    auto& s = demo_server();
    Device w(s.url(), "worker06");
    REQUIRE(w.sync.sync());
    std::string row = first_household(w);
    constexpr int kWrites = 500;
    for (int i = 1; i <= kWrites; ++i)
      REQUIRE(w.replica.write(T("households"), row, {{C("households", "notes"), Value{"先后" + std::to_string(i)}}}));
    Overtaking link(w.http);
    sync::SyncClient client(w.replica, link);
    client.overlap = true;  // two batches out at once
    client.push_batch = 100;
    sync::SyncReport r;
    REQUIRE(client.push(r));
    CHECK(link.overtook());
    // The one forced here, and any the two connections made on their own
    // (a batch's checks on one HTTP thread may take longer than the next's).
    CHECK(r.overtaken >= 1);
    CHECK(r.pushed == kWrites);
    CHECK(r.refused == 0);
    CHECK(w.replica.pending_count() == 0);
    CHECK(server_int(s, "SELECT count(*) FROM _chain WHERE device = '" + w.id + "'") == kWrites);
    CHECK(server_int(s, "SELECT max(n) FROM _chain WHERE device = '" + w.id + "'") == kWrites);
    CHECK(server_int(s, "SELECT count(*) FROM _log WHERE origin = '" + w.id + "' AND status = 'accepted'") == kWrites);
    CHECK(server_notes(s, row) == "先后" + std::to_string(kWrites));
  }

  TEST_CASE("a revoked device is told to wipe; what it still sends is held for review, not merged") {
    auto& s = demo_server();
    Device w(s.url(), "worker06");
    REQUIRE(w.sync.sync());
    std::string row = first_household(w);
    std::string before = server_notes(s, row);
    REQUIRE(w.replica.write(T("households"), row, {{C("households", "notes"), Value{std::string("停用前记录")}}}));
    REQUIRE(s.admin({"device", "revoke", w.id}) == 0);

    auto pull = raw(s.url(), "POST", "/v1/sync/pull", "{}", {{"Authorization", "Bearer " + w.me.token}});
    CHECK(pull.status == 403);
    CHECK(error_code(pull) == "revoked");
    CHECK(pull.json.find("wipe")->as_bool());
    auto again = raw(s.url(), "POST", "/v1/auth/login",
                     R"({"username":"worker06","password":"gridwork-demo","device":{"id":")" + w.id +
                         R"(","public_key":")" + w.key.public_key_base64() + R"(","name":"t"}})");
    CHECK(again.status == 403);
    CHECK(error_code(again) == "revoked");
    auto synced = w.sync.sync();
    REQUIRE_FALSE(synced);
    CHECK(synced.error().code == Code::revoked);

    auto held = w.sync.hand_over();
    REQUIRE(held);
    CHECK(*held == 1);
    CHECK(w.replica.pending_count() == 0);
    CHECK(server_notes(s, row) == before);  // not merged...
    CHECK(server_int(s, "SELECT count(*) FROM conflicts WHERE kind = 'quarantine' AND row_id = '" + row +
                            "' AND status = 'open' AND device = '" + w.id + "'") == 1);  // ...but kept for an admin
  }

  TEST_CASE("brute force from one address is throttled across accounts") {
    ServerProcess s({"--demo"});
    std::string key = sync::DeviceKey::generate().public_key_base64();
    int throttled = 0;
    for (int i = 0; i < 10; ++i) {
      std::string user = "worker0" + std::to_string(i % 9 + 1);
      throttled += raw(s.url(), "POST", "/v1/auth/login",
                       R"({"username":")" + user + R"(","password":"guess)" + std::to_string(i) +
                           R"(","device":{"id":"dev-bf","public_key":")" + key + R"(","name":"t"}})")
                       .status == 429;
    }
    CHECK(throttled >= 4);  // five failures per address a minute, whichever the account
  }
}

}  // namespace gw::test
