// The window layer's parts that need no display: the command line, screen
// names, and the probe file the window test reads.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/ui/cli.hpp"
#include "client/ui/probe.hpp"
#include "client/ui/screen.hpp"

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
                        "conflicts", "kpi"}) {
    auto id = screen_from_name(n);
    REQUIRE(id.has_value());
    CHECK(screen_name(*id) == n);
  }
  CHECK(!screen_from_name("nope"));
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
  (void)written;
  CHECK(!Probe(std::string()).active());
}
