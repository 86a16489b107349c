// Location end to end (issue 23) through a real gpsd: gpsfake (Debian
// gpsd-clients) replays an NMEA log of a walk from one level-3 grid of the
// demo park into the next to a private gpsd on loopback; the worker's
// tablet reads it through libgps while patrolling against the real server,
// reports a case mid-walk with no grid chosen, checks in and ends the patrol.
// The track is recorded, simplified, synced; the case lands in the grid under
// its fix; a supervisor's tablet replays the same points the server holds.
//
// The grids and the walk are found at test time from the grids' polygons
// (the demo park's drawing may change); nothing here knows a coordinate.
// Without gpsfake the test fails: it never skips.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "shared/calendar.hpp"
#include "shared/geo.hpp"
#include "tests/client/core_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using namespace gw::test;
using client::GridIndex;
using client::LocationView;

namespace {

constexpr double kWalkSpeed = 1.5;  // m/s, a worker on foot
constexpr auto kWait = std::chrono::seconds(90);

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<std::string> on_path(const char* program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t a = 0; a <= dirs.size();) {
    size_t b = dirs.find(':', a);
    if (b == std::string::npos) b = dirs.size();
    std::string candidate = dirs.substr(a, b - a) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    a = b + 1;
  }
  return std::nullopt;
}

// Polls the app's snapshot until `done` holds; false after kWait.
bool wait_for(client::ClientCore& app, const std::function<bool(const Snapshot&)>& done) {
  auto until = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < until) {
    if (done(app.snapshot())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done(app.snapshot());
}

// A point well inside a grid: of a 15 x 15 lattice over its box, the
// inside one nearest the box's centre (a concave grid's centre may be out).
std::optional<geo::LonLat> inner_point(const GridIndex& index, const GridIndex::Entry& g) {
  std::optional<geo::LonLat> best;
  double best_d = 0;
  geo::LonLat centre{(g.box.min.lon + g.box.max.lon) / 2, (g.box.min.lat + g.box.max.lat) / 2};
  for (int i = 1; i < 15; ++i)
    for (int j = 1; j < 15; ++j) {
      geo::LonLat p{g.box.min.lon + (g.box.max.lon - g.box.min.lon) * i / 15,
                    g.box.min.lat + (g.box.max.lat - g.box.min.lat) * j / 15};
      const GridIndex::Entry* at = index.grid_at(p);
      if (!at || at->id != g.id) continue;
      double d = geo::distance_m(p, centre);
      if (!best || d < best_d) best = p, best_d = d;
    }
  return best;
}

struct Walk {
  const GridIndex::Entry* a = nullptr;
  const GridIndex::Entry* b = nullptr;
  std::vector<geo::LonLat> points;  // a fix a second
  double length_m = 0;
};

// The walk at kWalkSpeed from a point inside `a` to one inside `b`, or none
// when the straight line between them leaves a, then b, for another grid.
std::optional<Walk> straight_walk(const GridIndex& index, const GridIndex::Entry& a, const GridIndex::Entry& b) {
  auto from = inner_point(index, a), to = inner_point(index, b);
  if (!from || !to) return std::nullopt;
  Walk w{&a, &b, {}, geo::distance_m(*from, *to)};
  int steps = static_cast<int>(std::ceil(w.length_m / kWalkSpeed));
  if (steps < 30) return std::nullopt;
  bool in_b = false;
  for (int i = 0; i <= steps; ++i) {
    double t = static_cast<double>(i) / steps;
    geo::LonLat p{from->lon + (to->lon - from->lon) * t, from->lat + (to->lat - from->lat) * t};
    const GridIndex::Entry* at = index.grid_at(p);
    if (!at) return std::nullopt;
    if (at->id == b.id) in_b = true;
    else if (at->id != a.id || in_b) return std::nullopt;  // a third grid, or back into a
    w.points.push_back(p);
  }
  return w;
}

// The shortest straight walk from one of the worker's level-3 grids into
// an adjacent level-3 grid, the worker's own first (a case there is theirs).
std::optional<Walk> find_walk(const GridIndex& index, const std::set<std::string>& mine) {
  std::optional<Walk> best;
  int best_rank = 0;
  for (const auto& a : index.grids()) {
    if (a.level != 3 || !mine.count(a.id)) continue;
    for (const auto& b : index.grids()) {
      if (b.level != 3 || b.id == a.id) continue;
      auto w = straight_walk(index, a, b);
      if (!w || w->length_m > 1500) continue;
      int rank = mine.count(b.id) ? 0 : 1;
      if (!best || rank < best_rank || (rank == best_rank && w->length_m < best->length_m))
        best = std::move(w), best_rank = rank;
    }
  }
  return best;
}

std::string checksum(const std::string& body) {
  unsigned char x = 0;
  for (char c : body) x ^= static_cast<unsigned char>(c);
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02X", x);
  return buf;
}

std::string nmea_angle(double v, bool lat) {
  double a = std::fabs(v);
  int deg = static_cast<int>(a);
  double min = (a - deg) * 60;
  char buf[32];
  std::snprintf(buf, sizeof buf, lat ? "%02d%09.6f,%c" : "%03d%09.6f,%c", deg, min,
                lat ? (v >= 0 ? 'N' : 'S') : (v >= 0 ? 'E' : 'W'));
  return buf;
}

// A GGA then an RMC a second (HDOP 1.0, 8 satellites), as a receiver
// speaks: GGA first, so gpsd's first report of each second is a 3D fix.
std::string nmea_log(const std::vector<geo::LonLat>& points, int64_t t0_ms) {
  std::string out;
  for (size_t i = 0; i < points.size(); ++i) {
    std::time_t t = static_cast<std::time_t>(t0_ms / 1000) + static_cast<std::time_t>(i);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char hms[16], dmy[16];
    std::strftime(hms, sizeof hms, "%H%M%S.00", &utc);
    // NMEA's RMC dates are ddmmyy: two digits of the year, by the standard.
    std::snprintf(dmy, sizeof dmy, "%02d%02d%02d", utc.tm_mday, utc.tm_mon + 1, utc.tm_year % 100);
    std::string lat = nmea_angle(points[i].lat, true), lon = nmea_angle(points[i].lon, false);
    for (const std::string& body : {"GPGGA," + std::string(hms) + "," + lat + "," + lon + ",1,08,1.0,10.0,M,0.0,M,,",
                                    "GPRMC," + std::string(hms) + ",A," + lat + "," + lon + ",0.8,45.0," + dmy + ",,,A"})
      out += "$" + body + "*" + checksum(body) + "\r\n";
  }
  return out;
}

// Segments joined as the recorder writes them: each next one starts at the
// last point of the one before.
std::vector<geo::TrackPoint> joined(SqliteDb& db, const std::string& sql, const std::string& patrol) {
  auto s = db.prepare(sql);
  s.bind(1, patrol);
  std::vector<geo::TrackPoint> out;
  while (s.step()) {
    auto seg = geo::decode_track(s.text(0));
    REQUIRE_MESSAGE(seg, seg.error().message);
    size_t from = !out.empty() && !seg->empty() && seg->front() == out.back() ? 1 : 0;
    out.insert(out.end(), seg->begin() + static_cast<std::ptrdiff_t>(from), seg->end());
  }
  return out;
}

std::string china_day(int64_t ms) {
  CivilDate d = civil_from_days((ms + kChinaOffsetMs) / 86'400'000);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

}  // namespace

TEST_CASE("gpsfake walks a worker across two grids: track recorded, simplified, synced; the case lands in the grid "
          "under its fix; the supervisor replays the server's points") {
  auto gpsfake = on_path("gpsfake");
  REQUIRE_MESSAGE(gpsfake, "gpsfake not found: install gpsd, gpsd-clients and python3-gps (./dev deps)");

  const int64_t test_start = now_ms();
  ServerProcess server({"--demo"});
  TempDir wt, st, logs;
  int gps_port = ServerProcess::free_port();
  CoreOptions o;
  o.data_dir = wt.path;
  o.server_url = server.url();
  o.auto_sync = false;
  o.auto_lock = false;
  o.gpsd = "127.0.0.1:" + std::to_string(gps_port);
  client::ClientCore worker(o);
  REQUIRE(sign_in(worker, "worker01").session.signed_in);
  Snapshot s = synced(worker);
  REQUIRE(s.home);
  REQUIRE(s.grid_index);
  const std::string worker_id = s.session.user_id;
  // gpsd is not there yet: searching, and a check-in is refused with no row.
  CHECK(s.location.state == LocationView::State::searching);

  // The worker's level-3 grids: held ones and those under a held unit grid.
  std::set<std::string> mine;
  for (const auto& g : s.home->my_grids) mine.insert(g.id);
  for (const auto& g : s.grid_index->grids())
    if (mine.count(g.parent_id)) mine.insert(g.id);
  auto walk = find_walk(*s.grid_index, mine);
  REQUIRE_MESSAGE(walk, "no straight walk from a level-3 grid of worker01 into an adjacent one");
  const std::string grid_a = walk->a->id, grid_b = walk->b->id;
  // Half a minute standing at the start first: gpsd sniffing the fake
  // receiver's first sentences on a loaded machine loses a few, none of
  // the walk.
  walk->points.insert(walk->points.begin(), 30, walk->points.front());
  MESSAGE("walk " << walk->a->code << " -> " << walk->b->code << ", " << walk->length_m << " m, "
                  << walk->points.size() << " fixes");

  worker.check_in(grid_a, "");
  settle(worker);
  bool refused = false;
  for (const auto& n : worker.take_notices()) refused |= n.error && n.key == "error.no_fix";
  CHECK(refused);
  // The demo park has its own history of check-ins: those of this test are counted.
  auto checkins = [&] {
    return count(wt.path + "/users/worker01/replica.db", "SELECT count(*) FROM checkins WHERE user_id = '" + worker_id +
                                                             "' AND at >= " + std::to_string(test_start));
  };
  CHECK(checkins() == 0);

  worker.start_patrol(grid_a);
  s = settle(worker);
  REQUIRE(first_error(worker).empty());
  REQUIRE(s.patrol);
  const std::string patrol_id = s.patrol->id;
  worker.load_grid_map();
  settle(worker);

  // The walk happened a few minutes ago, a fix a second: replayed at 20
  // sentences a second, ten times faster than walked.
  const int64_t t0 = (now_ms() / 1000 - static_cast<int64_t>(walk->points.size()) - 300) * 1000;
  const int64_t t_end = t0 + static_cast<int64_t>(walk->points.size() - 1) * 1000;
  std::string log = logs.path + "/walk.nmea";
  std::ofstream(log, std::ios::binary) << nmea_log(walk->points, t0);
  ChildProcess fake({*gpsfake, "-P", std::to_string(gps_port), "-1", "-c", "0.05", "-q", log},
                    ChildOptions{{}, logs.path + "/gpsfake.log", false, false});

  // The first fixes, in grid A: checked in there.
  REQUIRE_MESSAGE(wait_for(worker, [&](const Snapshot& v) { return v.location.state == LocationView::State::fix; }),
                  "no fix from gpsfake");
  s = worker.snapshot();
  CHECK(s.location.fix.source == geo::FixSource::gps);
  CHECK(s.location.fix.accuracy_m > 0);
  CHECK(s.location.fix.accuracy_m <= 50);
  worker.check_in(grid_a, patrol_id);
  settle(worker);
  CHECK(first_error(worker).empty());
  CHECK(checkins() == 1);

  // Mid-walk, once the tablet stands in grid B: a case with the fix and no grid.
  REQUIRE_MESSAGE(wait_for(worker, [&](const Snapshot& v) { return v.location.grid_id == grid_b; }),
                  "the walk never reached grid B");
  s = worker.snapshot();
  client::NewCase c;
  c.category = "0101";
  c.title = "路灯损坏";
  c.fix = s.location.fix;
  c.patrol_id = patrol_id;
  worker.create_case(c);
  s = settle(worker);
  REQUIRE(first_error(worker).empty());
  REQUIRE(s.case_detail);
  CHECK(s.case_detail->item.grid_id == grid_b);  // the level-3 grid under the fix
  CHECK_FALSE(s.case_detail->outside_grid);
  const std::string case_id = s.case_detail->item.id;

  // The walk ends; the map drew the running line meanwhile.
  REQUIRE_MESSAGE(wait_for(worker, [&](const Snapshot& v) { return v.location.fix.at_ms == t_end; }),
                  "the walk's last fix never came");
  worker.wait_idle();
  s = worker.snapshot();
  REQUIRE(s.grid_map);
  CHECK(s.grid_map->live.patrol_id == patrol_id);
  CHECK(s.grid_map->live.points.size() >= 2);
  worker.end_patrol(patrol_id, "");
  settle(worker);
  REQUIRE(first_error(worker).empty());
  s = synced(worker);
  REQUIRE(first_error(worker).empty());
  CHECK(s.sync.pending == 0);
  fake.stop();

  // On the worker's tablet: the segments, sealed, simplified, joined.
  KeyedDb wdb(wt.path + "/users/worker01/replica.db");
  const std::string sealed_sql =
      "SELECT gw_open(points, 'tracks.points') FROM tracks WHERE patrol_id = ? ORDER BY seq";
  auto mine_pts = joined(wdb.db, sealed_sql, patrol_id);
  int64_t rows = wdb.db.query_int("SELECT count(*) FROM tracks WHERE patrol_id = '" + patrol_id + "'");
  CHECK(rows >= 1);
  MESSAGE(rows << " segments, " << mine_pts.size() << " points kept of " << walk->points.size());
  REQUIRE(mine_pts.size() >= 2);
  CHECK(mine_pts.size() < walk->points.size());
  CHECK(s.grid_index->grid_at(mine_pts.front().p)->id == grid_a);
  CHECK(s.grid_index->grid_at(mine_pts.back().p)->id == grid_b);
  CHECK(mine_pts.front().at_ms >= t0);
  CHECK(mine_pts.back().at_ms == t_end);  // the track ends where the patrol ended
  auto p = wdb.db.prepare("SELECT IFNULL(distance_m, -1), IFNULL(inside_ms, -1), status FROM patrols WHERE id = ?");
  p.bind(1, patrol_id);
  REQUIRE(p.step());
  const int64_t distance = p.int64(0), inside = p.int64(1);
  CHECK(std::string(p.text(2)) == "done");
  p.reset();
  // The line walked, within 5 % or 10 m (quantised and simplified).
  CHECK(std::abs(static_cast<double>(distance) - walk->length_m) <= std::max(10.0, walk->length_m * 0.05));
  // Inside grid A: the seconds spent there since the track's first fix,
  // within 10 s (the simplified line keeps places, not pace: a stop and a
  // walk become one straight run timed evenly).
  int64_t walked_in_a = 0;
  for (size_t i = static_cast<size_t>((mine_pts.front().at_ms - t0) / 1000) + 1; i < walk->points.size(); ++i)
    if (s.grid_index->contains(grid_a, walk->points[i - 1]) && s.grid_index->contains(grid_a, walk->points[i]))
      walked_in_a += 1000;
  CHECK(inside > 0);
  CHECK(std::abs(inside - walked_in_a) <= 10'000);
  CHECK(inside < t_end - t0);  // part of the walk was in grid B
  auto cs = wdb.db.prepare("SELECT grid_id, fix FROM cases WHERE id = ?");
  cs.bind(1, case_id);
  REQUIRE(cs.step());
  CHECK(std::string(cs.text(0)) == grid_b);
  auto fix = geo::parse_fix(cs.text(1));
  REQUIRE(fix);
  CHECK(s.grid_index->contains(grid_b, fix->at_point));
  cs.reset();

  // The server holds the same rows, the points in clear.
  SqliteDb sdb(server.db_path());
  CHECK(sdb.query_int("SELECT count(*) FROM tracks WHERE patrol_id = '" + patrol_id + "'") == rows);
  auto server_pts = joined(sdb, "SELECT points FROM tracks WHERE patrol_id = ? ORDER BY seq", patrol_id);
  CHECK(server_pts == mine_pts);
  CHECK(sdb.query_int("SELECT count(*) FROM checkins WHERE patrol_id = '" + patrol_id + "' AND inside = 1") == 1);
  CHECK(sdb.query_int("SELECT count(*) FROM checkins WHERE user_id = '" + worker_id + "' AND at >= " +
                      std::to_string(test_start)) == 1);
  CHECK(sdb.query_int("SELECT count(*) FROM cases WHERE id = '" + case_id + "' AND grid_id = '" + grid_b + "'") == 1);

  // The supervisor's tablet replays that day: the server's points, point for point.
  auto sup = signed_in_app(st.path, server.url(), "supervisor01");
  const std::string day = china_day(mine_pts.front().at_ms);
  sup->load_replay(worker_id, day);
  Snapshot v = settle(*sup);
  REQUIRE(first_error(*sup).empty());
  REQUIRE(v.grid_map);
  REQUIRE(v.grid_map->replay);
  const client::ReplayView& replay = *v.grid_map->replay;
  CHECK(replay.worker_id == worker_id);
  CHECK(replay.day == day);
  const client::TrackLine* line = nullptr;
  for (const auto& l : replay.lines)
    if (l.patrol_id == patrol_id) line = &l;
  REQUIRE(line);
  CHECK(line->grid_id == grid_a);
  CHECK(line->points == server_pts);
  CHECK(replay.length_m >= geo::length_m(server_pts) - 1);
  CHECK(replay.inside_ms >= inside - 1000);
  if (china_day(now_ms()) == day) CHECK(replay.checkins.size() >= 1);

  // A day that is not one: said so, the replay shown stays.
  sup->load_replay(worker_id, "2026-02-30");
  v = settle(*sup);
  bool bad_day = false;
  for (const auto& n : sup->take_notices()) bad_day |= n.error && n.key == "error.bad_day";
  CHECK(bad_day);
  REQUIRE(v.grid_map);
  REQUIRE(v.grid_map->replay);
  CHECK(v.grid_map->replay->day == day);
}
