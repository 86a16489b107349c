// Evidence photos' bytes on the real server (issue 22, DESIGN §14): a record
// and its attachments row pushed as a tablet would, then the photo uploaded
// in chunks over /v1/blobs, resumed, refused, fetched back. Under
// GRIDWORK_TEST_DB=postgres (server-pg) the same cases run on PostgreSQL's
// store; the suite postgres-blobs races one photo's chunks through two
// connections of a cluster of its own.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "server/blob_store.hpp"
#include "server/pg_db.hpp"
#include "shared/codec.hpp"
#include "shared/tuning.hpp"
#include "sync/core/blob_batch.hpp"
#include "tests/server/fixture.hpp"
#include "tests/server/server_db.hpp"
#include "tests/support/pg_cluster.hpp"

using namespace gw;
using namespace gw::test;

namespace {

const TableSpec& T(const char* n) { return *find_table(n); }

struct Photo {
  std::string bytes, hash;
};

// Bytes no encoder would make, but the server does not look inside: it
// checks the name and the size the record gives.
Photo photo_of(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Photo p;
  p.bytes.resize(size);
  for (auto& c : p.bytes) c = static_cast<char>(rng());
  p.hash = server::blob_hash(p.bytes);
  return p;
}

// A kept photo in three chunks: two whole ones and a rest.
const size_t kChunk = static_cast<size_t>(tuning::kBlobChunkBytes);
const size_t kPhotoSize = 2 * kChunk + 12'345;

std::string text_of(Db& db, const std::string& sql, const std::string& arg) {
  auto s = db.prepare(sql);
  s.bind(1, arg);
  return s.step() && !s.is_null(0) ? std::string(s.text(0)) : std::string();
}

// A level-3 grid of the device's unit grid.
std::string grid_of(Device& d) {
  REQUIRE(d.sync.sync());
  std::string unit = text_of(d.db,
                             "SELECT a.grid_id FROM assignments a JOIN grids g ON g.id = a.grid_id "
                             "WHERE a.user_id = ? AND a.active = 1 AND g.level = 2",
                             d.me.user_id);
  std::string grid = text_of(d.db, "SELECT id FROM grids WHERE parent_id = ? ORDER BY code LIMIT 1", unit);
  REQUIRE_FALSE(grid.empty());
  return grid;
}

// A case reported with a photo and its thumbnail attached, pushed and accepted.
struct Attached {
  std::string case_id, grid;
  Photo photo, thumb;
};

Attached report_with_photo(Device& d, uint64_t seed) {
  Attached a;
  a.grid = grid_of(d);
  a.photo = photo_of(kPhotoSize, seed);
  a.thumb = photo_of(20'000, seed + 1);
  int64_t now = now_ms();
  const TableSpec& cases = T("cases");
  auto c = d.replica.create(cases, fields_of(cases, {{"grid_id", a.grid}, {"source", std::string("patrol")},
                                                     {"category", std::string("0302")},
                                                     {"severity", std::string("normal")},
                                                     {"title", std::string("占道经营，附照片")},
                                                     {"status", std::string("reported")},
                                                     {"last_action", std::string("report")},
                                                     {"reporter_id", d.me.user_id}, {"reported_at", now},
                                                     {"due_at", now + 86'400'000}}));
  REQUIRE_MESSAGE(c, c.error().message);
  a.case_id = *c;
  const TableSpec& att = T("attachments");
  auto row = d.replica.create(
      att, fields_of(att, {{"record_table", std::string("cases")}, {"record_id", a.case_id}, {"grid_id", a.grid},
                           {"hash", a.photo.hash}, {"bytes", static_cast<int64_t>(a.photo.bytes.size())},
                           {"width", int64_t{1280}}, {"height", int64_t{960}}, {"thumb_hash", a.thumb.hash},
                           {"thumb_bytes", static_cast<int64_t>(a.thumb.bytes.size())}, {"author_id", d.me.user_id},
                           {"taken_at", now}}));
  REQUIRE_MESSAGE(row, row.error().message);
  auto r = d.sync.sync();
  REQUIRE_MESSAGE(r, (r ? std::string() : r.error().to_string()));
  REQUIRE(r->refused == 0);
  return a;
}

using Headers = std::vector<std::pair<std::string, std::string>>;
Headers bearer(const Device& d) { return {{"Authorization", "Bearer " + d.me.token}}; }

Raw put(const std::string& url, const Device& d, const std::string& hash, int64_t offset, const std::string& bytes) {
  return raw(url, "PUT", "/v1/blobs/" + hash + "?offset=" + std::to_string(offset), bytes, bearer(d));
}
Raw status_of(const std::string& url, const Device& d, const std::string& hash) {
  return raw(url, "GET", "/v1/blobs/" + hash + "/status", "", bearer(d));
}
Raw fetch(const std::string& url, const Device& d, const std::string& hash) {
  return raw(url, "GET", "/v1/blobs/" + hash, "", bearer(d));
}

int64_t received(const Raw& r) {
  const Json* n = r.json.find("received");
  return n ? n->as_int() : -1;
}
bool complete(const Raw& r) {
  const Json* c = r.json.find("complete");
  return c && c->as_bool();
}
std::string message(const Raw& r) {
  const Json* e = r.json.find("error");
  const Json* m = e ? e->find("message") : nullptr;
  return m ? m->as_string() : "";
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string chunk(const Photo& p, size_t at) { return p.bytes.substr(at, kChunk); }

// The whole photo from where the server's bytes end.
void upload(const std::string& url, const Device& d, const Photo& p, int64_t from = 0) {
  for (auto at = static_cast<size_t>(from); at < p.bytes.size(); at += kChunk) {
    auto r = put(url, d, p.hash, static_cast<int64_t>(at), chunk(p, at));
    REQUIRE_MESSAGE(r.status == 200, r.body);
  }
}

Raw put_batch(const std::string& url, const Device& d, const std::vector<sync::BlobPart>& parts) {
  return raw(url, "PUT", "/v1/blobs", sync::encode_blob_batch(parts), bearer(d));
}

// A batch answer's part i: its error code, or "" when taken.
std::string part_code(const Raw& r, size_t i) {
  const Json* e = r.json.find("parts")->as_array().at(i).find("error");
  return e ? e->find("code")->as_string() : "";
}
bool part_complete(const Raw& r, size_t i) {
  const Json* c = r.json.find("parts")->as_array().at(i).find("complete");
  return c && c->as_bool();
}

}  // namespace

TEST_SUITE("blobs") {
  TEST_CASE("whole photos in one batch: each judged on its own, the good ones stored, the rest told why") {
    auto& s = demo_server();
    Device w(s.url(), "worker01"), other(s.url(), "worker02");
    auto a = report_with_photo(w, 11), b = report_with_photo(w, 12), theirs = report_with_photo(other, 13);
    // a's picture begun in chunks: the whole in a batch takes its place.
    REQUIRE(put(s.url(), w, a.photo.hash, 0, chunk(a.photo, 0)).status == 200);
    std::string forged = b.photo.bytes;
    forged[100] ^= 1;
    Photo stray = photo_of(500, 14);
    const std::string short_thumb = b.thumb.bytes.substr(1);
    std::vector<sync::BlobPart> parts{
        {a.thumb.hash, a.thumb.bytes},                              // 0: taken
        {a.photo.hash, a.photo.bytes},                              // 1: taken, the partial superseded
        {b.photo.hash, forged},                                     // 2: bytes not its name's
        {b.thumb.hash, short_thumb},                                // 3: not the size its row gives
        {theirs.thumb.hash, theirs.thumb.bytes},                    // 4: a grid worker01 cannot read
        {stray.hash, stray.bytes},                                  // 5: no record names it
    };
    auto r = put_batch(s.url(), w, parts);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(part_complete(r, 0));
    CHECK(part_complete(r, 1));
    CHECK(part_code(r, 2) == "invalid");
    CHECK(part_code(r, 3) == "invalid");
    CHECK(part_code(r, 4) == "forbidden");
    CHECK(part_code(r, 5) == "not_found");
    CHECK(fetch(s.url(), w, a.thumb.hash).body == a.thumb.bytes);
    CHECK(fetch(s.url(), w, a.photo.hash).body == a.photo.bytes);
    for (const auto* p : {&b.photo, &b.thumb}) {
      CHECK(received(status_of(s.url(), w, p->hash)) == 0);  // nothing stored
      CHECK(fetch(s.url(), w, p->hash).status == 409);
    }
    CHECK(received(status_of(s.url(), other, theirs.thumb.hash)) == 0);
    if (ServerDb(s.db_path()).dialect() == Dialect::sqlite) {
      CHECK_FALSE(std::filesystem::exists(s.db_path() + ".blobs/" + a.photo.hash + ".part"));
      CHECK_FALSE(std::filesystem::exists(s.db_path() + ".blobs/" + b.photo.hash + ".part"));
    }

    // The same batch again, as after a lost answer: the stored ones answer
    // their state, nothing is written twice; right bytes now complete b.
    parts[2].bytes = b.photo.bytes;
    parts[3].bytes = b.thumb.bytes;
    r = put_batch(s.url(), w, parts);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    for (size_t i : {0, 1, 2, 3}) CHECK(part_complete(r, i));
    CHECK(fetch(s.url(), w, b.photo.hash).body == b.photo.bytes);

    // A malformed batch is refused whole, before any part is looked at.
    auto body = sync::encode_blob_batch({{b.thumb.hash, b.thumb.bytes}});
    auto cut = raw(s.url(), "PUT", "/v1/blobs", body.substr(0, body.size() - 1), bearer(w));
    CHECK(cut.status == 400);
    CHECK(message(cut).find("ends inside part 1") != std::string::npos);
    CHECK(raw(s.url(), "PUT", "/v1/blobs", body, {}).status == 401);
  }

  TEST_CASE("a photo in three chunks: progress between them, a wrong resume refused, the same bytes back") {
    auto& s = demo_server();
    Device w(s.url(), "worker01");
    auto a = report_with_photo(w, 1);

    auto st = status_of(s.url(), w, a.photo.hash);
    REQUIRE_MESSAGE(st.status == 200, st.body);
    CHECK(st.json.find("hash")->as_string() == a.photo.hash);
    CHECK(st.json.find("size")->as_int() == static_cast<int64_t>(kPhotoSize));
    CHECK(received(st) == 0);
    CHECK_FALSE(complete(st));

    auto one = put(s.url(), w, a.photo.hash, 0, chunk(a.photo, 0));
    REQUIRE_MESSAGE(one.status == 200, one.body);
    CHECK(received(one) == static_cast<int64_t>(kChunk));
    CHECK_FALSE(complete(one));
    CHECK(received(status_of(s.url(), w, a.photo.hash)) == static_cast<int64_t>(kChunk));

    // Not fetched half: the pending answer says how far it is.
    auto early = fetch(s.url(), w, a.photo.hash);
    CHECK(early.status == 409);
    CHECK(error_code(early) == "state");
    CHECK(message(early) == "照片上传中 / the photo is still being uploaded (" + std::to_string(kChunk) + " of " +
                                std::to_string(kPhotoSize) + " bytes)");

    // A device that lost the answer to its first chunk sends it again: refused, with where to resume.
    auto again = put(s.url(), w, a.photo.hash, 0, chunk(a.photo, 0));
    CHECK(again.status == 409);
    CHECK(error_code(again) == "conflict");
    CHECK(message(again) == "the upload of this photo is at byte " + std::to_string(kChunk) +
                                ", not 0: resume from " + std::to_string(kChunk));
    auto ahead = put(s.url(), w, a.photo.hash, 2 * static_cast<int64_t>(kChunk), chunk(a.photo, 2 * kChunk));
    CHECK(ahead.status == 409);
    CHECK(received(status_of(s.url(), w, a.photo.hash)) == static_cast<int64_t>(kChunk));

    auto two = put(s.url(), w, a.photo.hash, static_cast<int64_t>(kChunk), chunk(a.photo, kChunk));
    REQUIRE(two.status == 200);
    CHECK(received(two) == 2 * static_cast<int64_t>(kChunk));
    CHECK(received(status_of(s.url(), w, a.photo.hash)) == 2 * static_cast<int64_t>(kChunk));
    auto three = put(s.url(), w, a.photo.hash, 2 * static_cast<int64_t>(kChunk), chunk(a.photo, 2 * kChunk));
    REQUIRE(three.status == 200);
    CHECK(received(three) == static_cast<int64_t>(kPhotoSize));
    CHECK(complete(three));
    CHECK(complete(status_of(s.url(), w, a.photo.hash)));

    auto back = fetch(s.url(), w, a.photo.hash);
    REQUIRE(back.status == 200);
    CHECK(back.body.size() == a.photo.bytes.size());
    CHECK(back.body == a.photo.bytes);
    // A retried last chunk after the photo is complete changes nothing and says so.
    auto late = put(s.url(), w, a.photo.hash, 2 * static_cast<int64_t>(kChunk), chunk(a.photo, 2 * kChunk));
    CHECK(late.status == 200);
    CHECK(complete(late));

    // The thumbnail, named by thumb_hash, in one chunk; the office reads every grid, so fetches both.
    upload(s.url(), w, a.thumb);
    Device office(s.url(), "supervisor01");
    CHECK(fetch(s.url(), office, a.thumb.hash).body == a.thumb.bytes);
    CHECK(fetch(s.url(), office, a.photo.hash).body == a.photo.bytes);
    // The app's own client reads the bytes as they are.
    auto via_app = w.http.get("/v1/blobs/" + a.thumb.hash, 30'000);
    REQUIRE_MESSAGE(via_app, (via_app ? std::string() : via_app.error().to_string()));
    CHECK(*via_app == a.thumb.bytes);

    auto m = raw(s.url(), "GET", "/v1/metrics", "");
    CHECK(m.body.find("gridwork_blob_bytes_received_total") != std::string::npos);
    CHECK(m.body.find("gridwork_blob_chunks_refused_total") != std::string::npos);
    CHECK(m.body.find("endpoint=\"/v1/blobs/{hash}\"") != std::string::npos);  // one series, not one a photo
    CHECK(m.body.find(a.photo.hash) == std::string::npos);
  }

  TEST_CASE("a last chunk with wrong bytes discards the upload; sent again right, it completes") {
    auto& s = demo_server();
    Device w(s.url(), "worker01");
    auto a = report_with_photo(w, 2);
    REQUIRE(put(s.url(), w, a.photo.hash, 0, chunk(a.photo, 0)).status == 200);
    REQUIRE(put(s.url(), w, a.photo.hash, static_cast<int64_t>(kChunk), chunk(a.photo, kChunk)).status == 200);
    std::string wrong = chunk(a.photo, 2 * kChunk);
    wrong[100] ^= 0x5a;
    auto bad = put(s.url(), w, a.photo.hash, 2 * static_cast<int64_t>(kChunk), wrong);
    CHECK(bad.status == 400);
    CHECK(error_code(bad) == "invalid");
    CHECK(message(bad) == "the bytes do not match the photo's name: send it again from the start");
    auto st = status_of(s.url(), w, a.photo.hash);
    CHECK(received(st) == 0);
    CHECK_FALSE(complete(st));
    CHECK(fetch(s.url(), w, a.photo.hash).status == 409);

    upload(s.url(), w, a.photo);
    CHECK(complete(status_of(s.url(), w, a.photo.hash)));
    CHECK(fetch(s.url(), w, a.photo.hash).body == a.photo.bytes);
  }

  TEST_CASE("refused with nothing stored: a chunk over the limit, past the size, a name no record gives, a bad name") {
    auto& s = demo_server();
    Device w(s.url(), "worker01");
    auto a = report_with_photo(w, 3);

    auto big = put(s.url(), w, a.photo.hash, 0, std::string(static_cast<size_t>(tuning::kBlobChunkMaxBytes) + 1, 'x'));
    CHECK(big.status == 413);
    CHECK(error_code(big) == "too_large");
    CHECK(received(status_of(s.url(), w, a.photo.hash)) == 0);
    auto past = put(s.url(), w, a.thumb.hash, 0, a.thumb.bytes + "x");
    CHECK(past.status == 413);
    CHECK(received(status_of(s.url(), w, a.thumb.hash)) == 0);
    // A whole photo in one request whose bytes are not its name: refused
    // before a byte is written; the right bytes then complete it.
    std::string forged = a.thumb.bytes;
    forged[forged.size() / 2] ^= 1;
    auto wrong = put(s.url(), w, a.thumb.hash, 0, forged);
    CHECK(wrong.status == 400);
    CHECK(error_code(wrong) == "invalid");
    CHECK(received(status_of(s.url(), w, a.thumb.hash)) == 0);
    CHECK(complete(put(s.url(), w, a.thumb.hash, 0, a.thumb.bytes)));

    Photo stray = photo_of(1000, 99);
    for (const auto& r : {status_of(s.url(), w, stray.hash), put(s.url(), w, stray.hash, 0, stray.bytes),
                          fetch(s.url(), w, stray.hash)}) {
      CHECK(r.status == 404);
      CHECK(message(r) == "no record names this photo: its record is sent first");
    }
    CHECK(status_of(s.url(), w, "ABC").status == 400);
    std::string upper = a.photo.hash;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(error_code(fetch(s.url(), w, upper)) == "invalid");
    CHECK(put(s.url(), w, a.photo.hash, -1, chunk(a.photo, 0)).status == 400);
    CHECK(raw(s.url(), "PUT", "/v1/blobs/" + a.photo.hash, chunk(a.photo, 0), bearer(w)).status == 400);  // no offset
    CHECK(raw(s.url(), "GET", "/v1/blobs/" + a.photo.hash + "/status", "").status == 401);
    CHECK(raw(s.url(), "DELETE", "/v1/blobs/" + a.photo.hash, "", bearer(w)).status == 404);
    CHECK(received(status_of(s.url(), w, a.photo.hash)) == 0);
  }

  TEST_CASE("a worker of another unit grid can neither see, send nor fetch the photo") {
    auto& s = demo_server();
    Device w(s.url(), "worker01"), other(s.url(), "worker02");
    auto a = report_with_photo(w, 4);
    REQUIRE(put(s.url(), w, a.photo.hash, 0, chunk(a.photo, 0)).status == 200);

    auto st = status_of(s.url(), other, a.photo.hash);
    CHECK(st.status == 403);
    CHECK(error_code(st) == "forbidden");
    CHECK(put(s.url(), other, a.photo.hash, static_cast<int64_t>(kChunk), chunk(a.photo, kChunk)).status == 403);
    CHECK(received(status_of(s.url(), w, a.photo.hash)) == static_cast<int64_t>(kChunk));
    upload(s.url(), w, a.photo, static_cast<int64_t>(kChunk));
    CHECK(fetch(s.url(), other, a.photo.hash).status == 403);
    CHECK(fetch(s.url(), other, a.thumb.hash).status == 403);
    CHECK(fetch(s.url(), w, a.photo.hash).status == 200);
  }

  TEST_CASE("a server killed and started again keeps a partial upload and a complete one; backup and restore take the complete ones") {
    ServerProcess s({"--demo"});
    Device w(s.url(), "worker01");
    auto a = report_with_photo(w, 5);
    upload(s.url(), w, a.thumb);
    REQUIRE(put(s.url(), w, a.photo.hash, 0, chunk(a.photo, 0)).status == 200);
    if (ServerDb(s.db_path()).dialect() == Dialect::sqlite) {
      // Beside the database: complete ones by name, partial ones as .part.
      const std::string dir = s.db_path() + ".blobs/";
      CHECK(std::filesystem::file_size(dir + a.thumb.hash) == a.thumb.bytes.size());
      CHECK(std::filesystem::file_size(dir + a.photo.hash + ".part") == kChunk);
    }
    // Acknowledged is durable: SIGKILL right after the answers.
    s.kill_hard();
    s.restart();  // the session is a row of the database: the tablet's token still holds
    CHECK(received(status_of(s.url(), w, a.photo.hash)) == static_cast<int64_t>(kChunk));
    CHECK(fetch(s.url(), w, a.thumb.hash).body == a.thumb.bytes);

    // A backup takes the complete photos beside its file, whatever the
    // backend, never a partial one; a restore puts them in the new store.
    const std::string file = s.dir() + "/backup.db", restored = s.dir() + "/restored.db";
    REQUIRE(s.admin({"backup", "--to", file}) == 0);
    CHECK(file_bytes(file + ".blobs/" + a.thumb.hash) == a.thumb.bytes);
    CHECK_FALSE(std::filesystem::exists(file + ".blobs/" + a.photo.hash + ".part"));
    CHECK_FALSE(std::filesystem::exists(file + ".blobs/" + a.photo.hash));
    std::string restore = ServerProcess::binary() + " restore --from '" + file + "' --db '" + restored + "' >/dev/null 2>&1";
    REQUIRE(std::system(restore.c_str()) == 0);
    CHECK(file_bytes(restored + ".blobs/" + a.thumb.hash) == a.thumb.bytes);

    upload(s.url(), w, a.photo, static_cast<int64_t>(kChunk));
    CHECK(fetch(s.url(), w, a.photo.hash).body == a.photo.bytes);
  }
}

// PostgreSQL's store on a cluster of the test's own: two servers' worth of
// connections racing one photo's chunks never interleave them.
TEST_SUITE("postgres-blobs") {
  TEST_CASE("PostgreSQL: one photo's chunks raced through two connections land once each, in order") {
    if (!postgres_available()) {
      MESSAGE("PostgreSQL 15 not found: skipped");
      return;
    }
    PgCluster pg;
    REQUIRE_MESSAGE(pg.ready(), pg.why());
    auto store = server::open_blob_store(pg.url());
    server::PgDb one(pg.url()), two(pg.url());
    store->create(one);
    store->create(two);  // again: made if missing only
    Photo p = photo_of(kPhotoSize, 7);
    const auto size = static_cast<int64_t>(kPhotoSize);

    std::atomic<int> ok{0}, refused{0};
    for (size_t at = 0; at < kPhotoSize; at += kChunk) {
      // Both connections send the same chunk at once: one stores it, the other is told where to resume.
      auto send = [&](server::PgDb& db) {
        auto r = store->append(db, p.hash, static_cast<int64_t>(at), chunk(p, at), size);
        if (r) ++ok;
        else if (r.error().code == Code::conflict) ++refused;
      };
      std::thread a([&] { send(one); }), b([&] { send(two); });
      a.join();
      b.join();
    }
    // The last chunk: the slower one found the photo complete, which answers its state.
    CHECK(ok == 4);
    CHECK(refused == 2);
    CHECK(store->state(one, p.hash).complete);
    CHECK(store->read(two, p.hash) == p.bytes);
    CHECK(one.query_int("SELECT count(*) FROM _blob_chunks") == 3);
    CHECK(store->complete(one) == std::vector<std::string>{p.hash});

    // Wrong bytes at the end: everything held for it goes, rows and all.
    Photo q = photo_of(3000, 8);
    std::string wrong = q.bytes;
    wrong[0] ^= 1;
    auto bad = store->append(one, q.hash, 0, wrong, 3000);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Code::invalid);
    CHECK(one.query_int("SELECT count(*) FROM _blob_chunks") == 3);
    CHECK(one.query_int("SELECT count(*) FROM _blobs") == 1);
    CHECK(store->append(two, q.hash, 0, q.bytes, 3000)->complete);

    // A batch in one transaction: a partial upload superseded by its whole,
    // a mismatch storing nothing, a complete one answering its state.
    Photo r = photo_of(kPhotoSize, 9), s2 = photo_of(4000, 10);
    REQUIRE(store->append(one, r.hash, 0, chunk(r, 0), size));
    std::string forged = s2.bytes;
    forged[7] ^= 1;
    auto batch = store->put_whole(two, {{r.hash, r.bytes}, {s2.hash, forged}, {q.hash, q.bytes}});
    REQUIRE(batch.size() == 3);
    CHECK(batch[0]->complete);
    CHECK_FALSE(batch[1]);
    CHECK(batch[1].error().code == Code::invalid);
    CHECK(batch[2]->complete);
    CHECK(store->read(one, r.hash) == r.bytes);
    CHECK(store->state(one, s2.hash).received == 0);
    CHECK(one.query_int("SELECT count(*) FROM _blob_chunks WHERE hash = '" + r.hash + "'") == 1);
    for (auto* h : {&r.hash, &s2.hash}) {
      auto drop = one.prepare("DELETE FROM _blob_chunks WHERE hash = ?");
      drop.bind(1, *h);
      drop.run();
      auto row = one.prepare("DELETE FROM _blobs WHERE hash = ?");
      row.bind(1, *h);
      row.run();
    }

    // A backup's photos go beside its file, and a restore's come back from there.
    char tmpl[] = "/tmp/gridwork-blobs-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    auto files = server::open_blob_store(dir + "/copy.db");
    auto copied = server::copy_blobs(*store, one, *files, one);
    REQUIRE(copied);
    CHECK(*copied == 2);
    CHECK(std::filesystem::file_size(dir + "/copy.db.blobs/" + p.hash) == kPhotoSize);
    CHECK(*server::copy_blobs(*store, one, *files, one) == 0);  // what the target holds is not copied again
    std::filesystem::remove_all(dir);
  }
}
