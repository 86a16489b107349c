// The window layer's parts that need no display: the command line, screen
// names, the KPI screen's periods, and the probe file the window test reads.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/ui/cli.hpp"
#include "client/ui/probe.hpp"
#include "client/ui/screen.hpp"
#include "client/ui/screens/kpi.hpp"
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
                        "conflicts", "kpi", "dispatch", "hotline"}) {
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
