// The window layer's parts that need no display: the command line, screen
// names, the KPI screen's periods, the map's geometry, a takeover's duration,
// and the probe file the window test reads.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "client/ui/cli.hpp"
#include "client/ui/probe.hpp"
#include "client/ui/screen.hpp"
#include "client/core/i18n.hpp"
#include "client/ui/map_geometry.hpp"
#include "client/ui/photo_widgets.hpp"
#include "client/ui/screens/kpi.hpp"
#include "client/ui/screens/map.hpp"
#include "client/ui/screens/patrol.hpp"
#include "client/ui/screens/takeover.hpp"
#include "shared/calendar.hpp"

using namespace gw::client::ui;
namespace fs = std::filesystem;

namespace {

gw::Result<Options> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "gridwork");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_cli(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("cli: DESIGN §10's options") {
  auto o = parse({"--server", "http://127.0.0.1:8080", "--data", "/tmp/d", "--user", "worker01", "--password", "pw",
                  "--lang", "en", "--size", "1920x1200", "--screenshot", "x.png", "--screen", "kpi"});
  REQUIRE(o.is_ok());
  CHECK(o->server == "http://127.0.0.1:8080");
  CHECK(o->width == 1920);
  CHECK(o->height == 1200);
  CHECK(o->screen == "kpi");
  CHECK(o->lang == "en");
  CHECK(parse({"--help"})->help);
  CHECK(!parse({}).is_ok());                                              // --data is required
  CHECK(!parse({"--data", "d", "--lang", "fr"}).is_ok());
  CHECK(!parse({"--data", "d", "--size", "big"}).is_ok());
  CHECK(!parse({"--data", "d", "--user", "u"}).is_ok());                  // without --password
  CHECK(!parse({"--data", "d", "--screenshot", "x.png", "--screen", "home"}).is_ok());  // needs a user
  CHECK(parse({"--data", "d", "--screenshot", "x.png", "--screen", "login"}).is_ok());
  CHECK(!parse({"--data", "d", "--screen", "nope"}).is_ok());
  CHECK(!parse({"--data", "d", "--bogus"}).is_ok());
  CHECK(usage().find("--screenshot") != std::string::npos);
}

TEST_CASE("screen names round-trip") {
  for (const char* n : {"login", "home", "patrol", "visit", "cases", "case", "case_new", "settings", "takeover",
                        "conflicts", "kpi", "dispatch", "hotline", "map"}) {
    auto id = screen_from_name(n);
    REQUIRE(id.has_value());
    CHECK(screen_name(*id) == n);
  }
  CHECK(!screen_from_name("nope"));
}

TEST_CASE("KPI periods: China dates, the current ones up to today") {
  // Unix ms of a China wall-clock time.
  auto at = [](int y, int m, int d, int hour) {
    return gw::days_from_civil({y, m, d}) * 86'400'000 + hour * 3'600'000 - gw::kChinaOffsetMs;
  };
  auto period = [](std::string_view preset, int64_t now) {
    auto p = preset_period(preset, now);
    REQUIRE(p.has_value());
    return p->from + " " + p->to;
  };
  const int64_t now = at(2026, 11, 27, 10);
  CHECK(period("this_month", now) == "2026-11-01 2026-11-27");
  CHECK(period("last_month", now) == "2026-10-01 2026-10-31");
  CHECK(period("this_quarter", now) == "2026-10-01 2026-11-27");
  CHECK(period("this_year", now) == "2026-01-01 2026-11-27");
  // January's last month is last year's December; March ends a leap February.
  CHECK(period("last_month", at(2027, 1, 5, 9)) == "2026-12-01 2026-12-31");
  CHECK(period("last_month", at(2028, 3, 1, 9)) == "2028-02-01 2028-02-29");
  CHECK(period("this_quarter", at(2026, 3, 31, 9)) == "2026-01-01 2026-03-31");
  // 07:00 in Beijing on 1 July is still 30 June in UTC: the China date counts.
  CHECK(period("this_month", at(2026, 7, 1, 7)) == "2026-07-01 2026-07-01");
  CHECK(period("this_quarter", at(2026, 7, 1, 7)) == "2026-07-01 2026-07-01");
  CHECK(!preset_period("next_week", now));
}

TEST_CASE("probe: writes widgets and state, only when they change") {
  const fs::path path = fs::temp_directory_path() / "gw-probe-test.txt";
  fs::remove(path);
  Probe p(path.string());
  REQUIRE(p.active());
  p.begin_frame();
  p.screen("home");
  p.widget("home.sync", 10.4f, 20.6f, 300, 48);
  p.state("pending", "3");
  p.end_frame();
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  CHECK(s.str() == "screen home\nhome.sync 10 21 300 48\nstate pending 3\n");
  const auto written = fs::last_write_time(path);
  fs::remove(path);
  p.begin_frame();
  p.screen("home");
  p.widget("home.sync", 10.4f, 20.6f, 300, 48);
  p.state("pending", "3");
  p.end_frame();
  CHECK(!fs::exists(path));  // unchanged: not rewritten
  p.begin_frame();
  p.screen("cases");
  p.widget("cases.row.6", 16, 770, 1200, 17, true);
  p.end_frame();
  std::ifstream clipped(path);
  std::stringstream c;
  c << clipped.rdbuf();
  CHECK(c.str() == "screen cases\ncases.row.6 16 770 1200 17 clipped\n");
  fs::remove(path);
  (void)written;
  CHECK(!Probe(std::string()).active());
}

namespace {

gw::client::MapGrid square(std::string id, int level, double w, double s, double e, double n) {
  gw::client::MapGrid g;
  g.id = std::move(id);
  g.level = level;
  g.ring = {{w, s}, {e, s}, {e, n}, {w, n}, {w, s}};
  return g;
}

}  // namespace

TEST_CASE("map: the camera fits the park in metres, zooms about a point, pans, culls") {
  // A 2,000 x 1,000 m park in an 800 x 600 view: the width decides, 2.5 m a pixel.
  MapCamera cam;
  cam.set_view(100, 50, 800, 600);
  cam.fit({-1000, -500}, {1000, 500}, 0);
  CHECK(cam.metres_per_px() == doctest::Approx(2.5));
  const Pt nw = cam.to_screen({-1000, 500}), se = cam.to_screen({1000, -500});
  CHECK(nw.x == doctest::Approx(100));
  CHECK(se.x == doctest::Approx(900));
  CHECK(nw.y == doctest::Approx(150));  // centred: 100 px above and below
  CHECK(se.y == doctest::Approx(550));
  const gw::geo::Xy back = cam.to_plane({300, 400});
  CHECK(back.x == doctest::Approx(-500));
  CHECK(back.y == doctest::Approx(-125));  // y runs up on the ground, down on screen

  // Zooming keeps the ground under the finger where it is.
  const Pt finger{700, 200};
  const gw::geo::Xy under = cam.to_plane(finger);
  cam.zoom_about(2.0, finger, 0.1, 10);
  CHECK(cam.metres_per_px() == doctest::Approx(1.25));
  CHECK(cam.to_screen(under).x == doctest::Approx(700));
  CHECK(cam.to_screen(under).y == doctest::Approx(200));
  cam.zoom_about(1000.0, finger, 0.1, 10);  // held at the closest allowed
  CHECK(cam.metres_per_px() == doctest::Approx(0.1));
  cam.zoom_about(1e-6, finger, 0.1, 10);  // and the farthest
  CHECK(cam.metres_per_px() == doctest::Approx(10));
  CHECK(cam.to_screen(under).x == doctest::Approx(700));

  // A drag moves the ground with the finger.
  const Pt before = cam.to_screen({0, 0});
  cam.pan(30, -20);
  CHECK(cam.to_screen({0, 0}).x == doctest::Approx(before.x + 30));
  CHECK(cam.to_screen({0, 0}).y == doctest::Approx(before.y - 20));

  // Culling: the view, grown by a margin; boxes that overlap it.
  CHECK(cam.visible(Pt{500, 300}, 0));
  CHECK(!cam.visible(Pt{95, 300}, 0));
  CHECK(cam.visible(Pt{95, 300}, 10));
  CHECK(cam.visible(Pt{0, 0}, Pt{120, 60}));
  CHECK(!cam.visible(Pt{0, 0}, Pt{90, 40}));
}

TEST_CASE("map: a tap hits the nearest pin within a finger, never one off screen") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<Pt> pins{{100, 100}, {120, 100}, {nan, nan}, {400, 400}};
  CHECK(nearest_within(pins, {112, 101}, 28) == 1);
  CHECK(nearest_within(pins, {105, 100}, 28) == 0);
  CHECK(nearest_within(pins, {250, 250}, 28) == -1);
  CHECK(nearest_within({{nan, nan}}, {0, 0}, 1e9f) == -1);
  CHECK(nearest_within({}, {0, 0}, 28) == -1);
}

TEST_CASE("map: taps find the finest grid") {
  gw::client::GridMapView m;
  m.grids = {square("zone", 1, 0, 0, 10, 10), square("unit", 2, 0, 0, 5, 10), square("leaf", 3, 0, 0, 5, 5)};
  CHECK(pick_grid(m, 1, 1) == 2);
  CHECK(pick_grid(m, 1, 7) == 1);
  CHECK(pick_grid(m, 7, 7) == 0);
  CHECK(pick_grid(m, 11, 1) == -1);
  std::swap(m.grids[0], m.grids[2]);  // order does not matter, the level does
  CHECK(pick_grid(m, 1, 1) == 0);
}

TEST_CASE("map: concave rings are tested and filled right") {
  // An L: the notch at the top right is outside.
  const Ring l{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}};
  CHECK(point_in_ring(l, 0.5, 1.5));
  CHECK(!point_in_ring(l, 1.5, 1.5));
  CHECK(open_ring(l).size() == 6);
  std::vector<Pt> pts;
  for (const auto& [x, y] : open_ring(l)) pts.push_back({static_cast<float>(x), static_cast<float>(y)});
  CHECK(!is_convex(pts));
  CHECK(is_convex({{0, 0}, {1, 0}, {1, 1}, {0, 1}}));
  const std::vector<int> tri = triangulate(pts);
  REQUIRE(tri.size() == 12);  // n - 2 triangles
  double area = 0;
  for (size_t k = 0; k < tri.size(); k += 3) {
    const Pt &a = pts[static_cast<size_t>(tri[k])], &b = pts[static_cast<size_t>(tri[k + 1])],
             &c = pts[static_cast<size_t>(tri[k + 2])];
    area += std::abs((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)) / 2.0;
  }
  CHECK(area == doctest::Approx(3.0));
  // Down the left edge first is anticlockwise on a y-down screen: turned round.
  const std::vector<Pt> cw = clockwise({{0, 0}, {0, 1}, {1, 1}, {1, 0}});
  CHECK((cw[0].x == 1 && cw[0].y == 0 && cw[1].x == 1 && cw[1].y == 1));
  CHECK(clockwise(cw)[1].y == cw[1].y);  // already clockwise: kept
}

TEST_CASE("takeover: how long one has run, in both languages") {
  const std::string assets = std::string(GRIDWORK_SOURCE_DIR) + "/assets";
  auto zh = gw::client::Strings::load(assets, "zh_CN");
  auto en = gw::client::Strings::load(assets, "en");
  REQUIRE(zh.is_ok());
  REQUIRE(en.is_ok());
  const int64_t minute = 60'000;
  CHECK(takeover_duration(*zh, (2 * 60 + 15) * minute + 59'000) == "已接管 2小时15分");
  CHECK(takeover_duration(*zh, 45 * minute) == "已接管 45分钟");
  CHECK(takeover_duration(*zh, (26 * 60 + 5) * minute) == "已接管 1天2小时");
  CHECK(takeover_duration(*zh, -5 * minute) == "已接管 0分钟");  // a tablet clock behind the server's
  CHECK(takeover_duration(*en, (2 * 60 + 15) * minute) == "for 2 h 15 min");
}

TEST_CASE("photos: the chooser lists pictures, a record takes nine, --drop waits for its screen") {
  CHECK(is_picture_file("IMG_0001.JPG"));
  CHECK(is_picture_file("现场.jpeg"));
  CHECK(is_picture_file("scan.png"));
  CHECK_FALSE(is_picture_file("notes.txt"));
  CHECK_FALSE(is_picture_file(".jpg"));
  CHECK_FALSE(is_picture_file("jpg"));
  using gw::client::Photo;
  using gw::client::PhotoSource;
  std::vector<PhotoSource> files;
  CHECK(add_photo(&files, "/p/a.jpg"));
  CHECK_FALSE(add_photo(&files, "/p/a.jpg"));  // once
  CHECK_FALSE(add_photo(&files, "/p/b.jpg", 8));  // the record has eight and this list one
  // A camera's still counts as a file does, once by its name.
  auto still = std::make_shared<const Photo>(Photo{"abc", "jpeg", 1, 1, "t", "tj", 1, 1});
  CHECK(add_photo(&files, PhotoSource(still)));
  CHECK_FALSE(add_photo(&files, PhotoSource(still)));
  CHECK_FALSE(add_photo(&files, PhotoSource(std::shared_ptr<const Photo>())));  // nothing
  for (int i = 0; i < 20; ++i) add_photo(&files, "/p/" + std::to_string(i) + ".jpg");
  CHECK(files.size() == 9);
  auto o = parse({"--data", "/tmp/d", "--drop", "/tmp/x.jpg"});
  REQUIRE(o.is_ok());
  CHECK(o->drop == "/tmp/x.jpg");
  CHECK(o->screen == "case");
  CHECK(screen_from_name("photo") == ScreenId::photo);
  CHECK(screen_from_name("camera") == ScreenId::camera);
  // The camera's screenshot needs no account; --camera names the device.
  auto cam = parse({"--data", "/tmp/d", "--screen", "camera", "--screenshot", "/tmp/c.png", "--camera", "/dev/video2"});
  REQUIRE(cam.is_ok());
  CHECK(cam->camera == "/dev/video2");
  CHECK_FALSE(parse({"--data", "/tmp/d", "--screen", "case", "--screenshot", "/tmp/c.png"}).is_ok());
}

TEST_CASE("photos: a photo dropped on a patrol goes to the open finding, the last one not yet a case") {
  using gw::client::CheckMark;
  gw::client::PatrolView p;
  p.checklist = {{"fire_exits", "", CheckMark::problem, "", ""},
                 {"lighting", "", CheckMark::ok, "", ""},
                 {"drains", "", CheckMark::problem, "", "case-1"},
                 {"signs", "", CheckMark::unchecked, "", ""}};
  REQUIRE(open_finding(p) != nullptr);
  CHECK(open_finding(p)->item == "fire_exits");  // drains is a case already: its photos went with it
  p.checklist[3].mark = CheckMark::problem;
  CHECK(open_finding(p)->item == "signs");  // the one just marked, further down the walk
  p.checklist[0].case_id = "case-2";
  p.checklist[3].case_id = "case-3";
  CHECK(open_finding(p) == nullptr);  // none open: the drop goes onto the patrol itself
}
