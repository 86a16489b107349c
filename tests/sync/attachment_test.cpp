// Evidence photos by name (issue 22): the attachment rows the server takes —
// from their author, for a record it holds, in that record's grid, nine a
// record however many devices attach offline at once — and the reasons it
// gives for the rest.
#include <doctest/doctest.h>

#include "fixture.hpp"
#include "shared/tuning.hpp"

using namespace gw;
using namespace gw::sync;
using namespace gw::sync::test;

namespace {

std::string name_of(int n) {
  std::string h = std::to_string(n);
  return std::string(64 - h.size(), 'a') + h;  // 64 hex digits, one per photo
}

std::string new_case(Device& d, const std::string& grid, const std::string& reporter) {
  const TableSpec& cases = T("cases");
  auto id = d.replica->create(
      cases, F(cases, {{"grid_id", grid}, {"source", std::string("patrol")}, {"category", std::string("0302")},
                       {"severity", std::string("normal")}, {"title", std::string("围墙开裂")},
                       {"status", std::string("reported")}, {"reported_at", kStart}, {"reporter_id", reporter}}));
  REQUIRE(id);
  return *id;
}

Result<std::string> attach(Device& d, const std::string& record, const std::string& grid, const std::string& author,
                           int n) {
  const TableSpec& t = T("attachments");
  return d.replica->create(
      t, F(t, {{"record_table", std::string("cases")}, {"record_id", record}, {"grid_id", grid},
               {"hash", name_of(n)}, {"bytes", int64_t{200'000}}, {"width", int64_t{1280}}, {"height", int64_t{960}},
               {"thumb_hash", name_of(n + 5000)}, {"thumb_bytes", int64_t{20'000}}, {"author_id", author},
               {"taken_at", kStart}}));
}

// The refusal of `row`, as the device keeps it: "code: reason", or "".
std::string refusal(Device& d, const std::string& row) {
  for (const auto& p : d.replica->problems())
    if (p.row == row) return p.code + ": " + p.reason;
  return "";
}

int64_t on_server(Park& park, const std::string& record) {
  auto q = park.server_db.prepare("SELECT count(*) FROM attachments WHERE record_id = ?");
  q.bind(1, record);
  return q.step() ? q.int64(0) : -1;
}

}  // namespace

TEST_SUITE("attachments") {
  TEST_CASE("a record takes nine photos, in one batch with it; the tenth is refused with the reason") {
    Park park;
    auto& w = park.device("worker", "w");
    std::string c = new_case(w, park.id("A"), park.id("worker"));
    std::vector<std::string> rows;
    for (int n = 0; n <= tuning::kPhotosPerRecord; ++n) {
      auto row = attach(w, c, park.id("A"), park.id("worker"), n);
      REQUIRE(row);
      rows.push_back(*row);
    }
    auto r = w.client->sync();
    REQUIRE(r);
    CHECK(r->refused == 1);
    CHECK(on_server(park, c) == tuning::kPhotosPerRecord);
    CHECK(refusal(w, rows.back()).find("too_large: a record carries at most 9 photos") == 0);
    for (size_t i = 0; i + 1 < rows.size(); ++i) CHECK(refusal(w, rows[i]).empty());
  }

  TEST_CASE("two tablets attaching to one case offline: nine in all on the server, the rest told why") {
    Park park;
    auto& w = park.device("worker", "w");
    auto& s = park.device("supervisor", "s");
    std::string c = new_case(w, park.id("A"), park.id("worker"));
    REQUIRE(w.client->sync());
    REQUIRE(s.client->sync());
    for (int n = 0; n < 6; ++n) {
      REQUIRE(attach(w, c, park.id("A"), park.id("worker"), n));
      REQUIRE(attach(s, c, park.id("A"), park.id("supervisor"), 100 + n));
    }
    auto rw = w.client->sync();
    auto rs = s.client->sync();
    REQUIRE(rw);
    REQUIRE(rs);
    CHECK(rw->refused == 0);  // first: all six
    CHECK(rs->refused == 3);  // second: three of six
    CHECK(on_server(park, c) == tuning::kPhotosPerRecord);
    REQUIRE(w.client->sync());
    CHECK(w.replica->store().db().query_int("SELECT count(*) FROM attachments") == tuning::kPhotosPerRecord);
  }

  TEST_CASE("a photo in another's name, on a record the server lacks, or outside its record's grid is refused") {
    Park park;
    auto& s = park.device("supervisor", "s");  // may write every grid: only the photo rule stands in the way
    std::string c = new_case(s, park.id("A"), park.id("supervisor"));
    REQUIRE(s.client->sync());
    auto other = attach(s, c, park.id("A"), park.id("worker"), 1);
    auto missing = attach(s, park.id("no such case"), park.id("A"), park.id("supervisor"), 2);
    auto elsewhere = attach(s, c, park.id("C"), park.id("supervisor"), 3);
    auto good = attach(s, c, park.id("A"), park.id("supervisor"), 4);
    for (auto* r : {&other, &missing, &elsewhere, &good}) REQUIRE(*r);
    auto r = s.client->sync();
    REQUIRE(r);
    CHECK(r->refused == 3);
    CHECK(refusal(s, *other).find("forbidden: a photo is attached in its author's name only") == 0);
    CHECK(refusal(s, *missing).find("not_found: the record this photo is attached to is not on the server") == 0);
    CHECK(refusal(s, *elsewhere).find("invalid: a photo is attached in its record's grid") == 0);
    CHECK(refusal(s, *good).empty());
    CHECK(on_server(park, c) == 1);
  }

  TEST_CASE("a photo's name is 64 lowercase hex digits and its size within the limits, checked on the device") {
    Park park;
    auto& w = park.device("worker", "w");
    std::string c = new_case(w, park.id("A"), park.id("worker"));
    const TableSpec& t = T("attachments");
    auto with = [&](std::string hash, int64_t bytes) {
      return w.replica->create(
          t, F(t, {{"record_table", std::string("cases")}, {"record_id", c}, {"grid_id", park.id("A")},
                   {"hash", hash}, {"bytes", bytes}, {"width", int64_t{1280}}, {"height", int64_t{960}},
                   {"thumb_hash", name_of(9)}, {"thumb_bytes", int64_t{20'000}}, {"author_id", park.id("worker")},
                   {"taken_at", kStart}}));
    };
    CHECK_FALSE(with(std::string(64, 'A'), 1000));
    CHECK_FALSE(with(std::string(63, 'a'), 1000));
    CHECK_FALSE(with(name_of(1), tuning::kPhotoMaxBytes + 1));
    auto made = with(name_of(1), tuning::kPhotoMaxBytes);
    REQUIRE(made);
    // Written once: a photo's name never changes under its row.
    CHECK_FALSE(w.replica->write(t, *made, F(t, {{"hash", name_of(2)}})));
  }
}
