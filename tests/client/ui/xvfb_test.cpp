// The real app in a real window: Xvfb, the real server with the demo park,
// `gridwork` driven by xdotool as a person would (click, type), found through
// the UI probe. A worker reports a dispute and syncs; a supervisor takes a
// hotline call from the dispatch queue and exports the KPIs; a second device
// then finds each case on the server; the worker's takeover console offers no
// changes. A supervisor takes a unit grid over
// from the console, finds it red on the map and ends the takeover; the
// server's database has it started and ended.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "client/core/client_core.hpp"
#include "shared/sqlite.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/server_process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

bool verbose() { return std::getenv("GRIDWORK_TEST_VERBOSE") != nullptr; }

bool on_path(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// A child process with its own environment additions; killed on scope exit.
struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  bool clipped = false;  // partly scrolled out: the visible part
};

struct ProbeFile {
  std::string screen;
  std::map<std::string, Rect> widgets;
  std::map<std::string, std::string> state;
};

ProbeFile read_probe(const std::string& path) {
  ProbeFile p;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string first;
    s >> first;
    if (first == "screen") {
      s >> p.screen;
    } else if (first == "state") {
      std::string key, value;
      s >> key;
      std::getline(s, value);
      p.state[key] = value.empty() ? value : value.substr(1);
    } else {
      Rect r;
      std::string flag;
      s >> r.x >> r.y >> r.w >> r.h >> flag;
      r.clipped = flag == "clipped";
      p.widgets[first] = r;
    }
  }
  return p;
}

class Driver {
 public:
  Driver(std::string display, std::string probe, Clock::time_point deadline)
      : display_(std::move(display)), probe_(std::move(probe)), deadline_(deadline) {}

  // Waits until pred holds on the probe file; fails the test at the deadline.
  ProbeFile wait_for(const std::string& what, const std::function<bool(const ProbeFile&)>& pred) {
    for (;;) {
      ProbeFile p = read_probe(probe_);
      if (pred(p)) return p;
      if (Clock::now() > deadline_) {
        FAIL("timed out waiting for " << what << " (screen " << p.screen << ", pending " << p.state["pending"]
                                      << ")");
      }
      std::this_thread::sleep_for(100ms);
    }
  }
  ProbeFile wait_widget(const std::string& id) {
    return wait_for("widget " + id, [&](const ProbeFile& p) { return p.widgets.count(id) > 0; });
  }
  void click(const std::string& id) {
    ProbeFile p = wait_widget(id);
    const Rect r = p.widgets.at(id);
    int wx = 0, wy = 0;
    std::istringstream(p.state["window"]) >> wx >> wy;
    xdo("mousemove --sync " + std::to_string(wx + r.x + r.w / 2) + " " + std::to_string(wy + r.y + r.h / 2));
    xdo("click 1");
    std::this_thread::sleep_for(150ms);  // a frame or two to see press and release
  }
  // Clicks a text field, waits for it to take text input, types.
  void type_into(const std::string& id, const std::string& text) {
    click(id);
    wait_for("text input in " + id, [&](const ProbeFile& p) {
      auto input = p.state.find("text_input");
      auto focus = p.state.find("focus");
      return input != p.state.end() && input->second == "1" && focus != p.state.end() && focus->second == id;
    });
    xdo("type --delay 40 '" + text + "'");
    std::this_thread::sleep_for(200ms);
  }

 private:
  void xdo(const std::string& args) {
    const std::string cmd = "DISPLAY=" + display_ + " xdotool " + args + (verbose() ? "" : " >/dev/null 2>&1");
    REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, cmd);
  }
  std::string display_, probe_;
  Clock::time_point deadline_;
};

// Touch: whatever a finger may tap is at least 48 px tall (at 1280x800);
// a row half scrolled out of its list shows less, by design.
void fingers_fit(const ProbeFile& p) {
  CHECK(!p.widgets.empty());
  for (const auto& [id, r] : p.widgets)
    if (!r.clipped) CHECK_MESSAGE(r.h >= 48, p.screen << ": " << id << " is " << r.h << " px tall");
}

// A desk to test at: Xvfb at a 10-inch tablet's 1280x800, the real server
// with the demo park, and `gridwork` on that display writing the probe.
// Everything stops when it goes.
class Desk {
 public:
  Desk() : deadline_(Clock::now() + 120s) {
    // Not a skip: a window test that does not run has shown nothing.
    REQUIRE_MESSAGE((on_path("Xvfb") && on_path("xdotool")), "Xvfb or xdotool missing: run ./dev deps");
    dir_ = fs::temp_directory_path() / ("gw-window-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    xvfb_ = std::make_unique<gw::test::Xvfb>(90, (dir_ / "xvfb.log").string());
    REQUIRE_MESSAGE(xvfb_->ready(), "Xvfb did not start");
    display_ = xvfb_->display();
    server_ = std::make_unique<gw::test::ServerProcess>(std::vector<std::string>{"--demo"});
    const std::string probe = (dir_ / "probe.txt").string();
    app_ = std::make_unique<gw::test::ChildProcess>(
        std::vector<std::string>{GRIDWORK_CLIENT_BIN, "--server", server_->url(), "--data", (dir_ / "app").string(),
                                 "--lang", "zh_CN", "--size", "1280x800"},
        gw::test::ChildOptions{.env = {{"DISPLAY", display_}, {"GRIDWORK_UI_PROBE", probe}},
                               .log = (dir_ / "gridwork.log").string(),
                               .pipe_stdout = false,
                               .own_group = true});
    driver_ = std::make_unique<Driver>(display_, probe, deadline_);
  }
  ~Desk() {
    app_.reset();
    server_.reset();
    xvfb_.reset();
    if (!verbose()) fs::remove_all(dir_);
  }
  Desk(const Desk&) = delete;
  Desk& operator=(const Desk&) = delete;

  Driver& d() { return *driver_; }
  const fs::path& dir() const { return dir_; }
  const std::string& url() const { return server_->url(); }
  const std::string& server_db() const { return server_->db_path(); }
  bool app_running() { return app_->running(); }

  // Signs in with real typing and waits for home after the first sync; the
  // login screen is checked for finger-sized targets on the way.
  void sign_in(const std::string& user) {
    fingers_fit(d().wait_for("login screen", [](const ProbeFile& p) {
      return p.screen == "login" && p.widgets.count("login.username") && p.widgets.count("login.submit");
    }));
    d().type_into("login.username", user);
    d().type_into("login.password", "gridwork-demo");
    d().click("login.submit");
    d().wait_for("home after sign-in, first sync done", [](const ProbeFile& p) {
      return p.screen == "home" && p.state.count("last_sync_at") && p.state.at("last_sync_at") != "0";
    });
  }

  void sync_all() {
    d().click("top.sync");
    d().wait_for("everything synced", [](const ProbeFile& p) {
      return p.state.count("pending") && p.state.at("pending") == "0" && p.state.at("running") == "0";
    });
  }

  // A clean exit also means LeakSanitizer found nothing of ours.
  void stop_app() {
    CHECK(app_->running());
    const int status = app_->stop();
    if (status != 0) {
      std::ifstream log(dir_ / "gridwork.log");
      std::stringstream text;
      text << log.rdbuf();
      FAIL_CHECK("gridwork exited with " << status << ":\n" << text.str());
    }
  }

 private:
  Clock::time_point deadline_;
  fs::path dir_;
  std::string display_;
  std::unique_ptr<gw::test::Xvfb> xvfb_;
  std::unique_ptr<gw::test::ServerProcess> server_;
  std::unique_ptr<gw::test::ChildProcess> app_;
  std::unique_ptr<Driver> driver_;
};

std::string random_title(const std::string& prefix) {
  std::mt19937_64 rng(std::random_device{}());
  return prefix + "-" + std::to_string(rng() % 1'000'000'000);
}

// The supervisor's view of the server: a second device signs in and syncs.
bool server_has_case(const std::string& url, const std::string& title, const fs::path& dir) {
  gw::client::CoreOptions o;
  o.data_dir = (dir / "supervisor").string();
  o.server_url = url;
  o.auto_sync = false;
  gw::client::ClientCore core(o);
  core.sign_in("supervisor01", "gridwork-demo");
  core.wait_idle();
  REQUIRE(core.snapshot().session.signed_in);
  core.sync_now();
  core.wait_idle();
  core.list_cases(gw::client::CaseFilter{});
  core.wait_idle();
  const auto snap = core.snapshot();
  REQUIRE(snap.cases);
  for (const auto& c : snap.cases->items)
    if (c.title == title) {
      CHECK(c.category == "0302");
      return true;
    }
  return false;
}

// The server's latest takeover of the grid with this code: none, or whether it ended.
std::optional<bool> server_takeover_ended(const std::string& db_path, const std::string& grid_code) {
  gw::Db db(db_path);
  auto st = db.prepare(
      "SELECT t.ended_at FROM takeovers t JOIN grids g ON g.id = t.grid_id WHERE g.code = ? "
      "ORDER BY t.started_at DESC LIMIT 1");
  st.bind(1, grid_code);
  if (!st.step()) return std::nullopt;
  return !st.is_null(0) && st.int64(0) > 0;
}

// The console's running takeovers as the probe lists them: "CODE:pending,CODE:accepted".
std::vector<std::string> running_takeovers(const ProbeFile& p) {
  std::vector<std::string> out;
  auto it = p.state.find("takeover_active");
  if (it == p.state.end() || it->second == "-") return out;
  std::istringstream s(it->second);
  for (std::string item; std::getline(s, item, ',');) out.push_back(item);
  return out;
}

bool running_as(const ProbeFile& p, const std::string& entry) {
  const auto items = running_takeovers(p);
  return std::find(items.begin(), items.end(), entry) != items.end();
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("window: a worker reports a dispute with real input, and it reaches the server") {
  Desk desk;
  Driver& d = desk.d();
  desk.sign_in("worker01");
  fingers_fit(d.wait_widget("home.settings"));
  CHECK(d.wait_for("home", [](const ProbeFile& p) { return p.screen == "home"; }).widgets.count("home.dispatch") == 0);

  const std::string title = random_title("dispute");
  d.click("home.new_case");
  d.wait_for("case form", [](const ProbeFile& p) { return p.screen == "case_new"; });
  d.click("case_form.grid");
  d.click("case_form.grid.0");
  d.click("case_form.major.03");
  d.click("case_form.category.0302");
  d.type_into("case_form.title", title);
  d.click("case_form.save");
  d.wait_for("back home with the case pending", [](const ProbeFile& p) {
    return p.screen == "home" && p.state.count("pending") && p.state.at("pending") != "0";
  });
  desk.sync_all();
  // A worker watches takeovers; starting, ending and moving are not offered.
  d.click("home.takeover");
  const ProbeFile console = d.wait_for("the takeover console, read-only", [](const ProbeFile& p) {
    return p.screen == "takeover" && p.state.count("takeover_active");
  });
  for (const char* id : {"takeover.unit.0", "takeover.start", "takeover.section.reassign", "takeover.end.0"})
    CHECK_MESSAGE(console.widgets.count(id) == 0, id << " offered to a worker");
  desk.stop_app();
  CHECK_MESSAGE(server_has_case(desk.url(), title, desk.dir()), "the server has no case titled " << title);
}

TEST_CASE("window: a supervisor takes a hotline call from the dispatch queue, and exports the KPIs") {
  Desk desk;
  Driver& d = desk.d();
  desk.sign_in("supervisor01");
  fingers_fit(d.wait_widget("home.hotline"));
  d.click("home.dispatch");
  fingers_fit(d.wait_for("the dispatch queue", [](const ProbeFile& p) {
    return p.screen == "dispatch" && p.widgets.count("dispatch.stage.reported") && p.widgets.count("dispatch.row.0");
  }));
  d.click("dispatch.stage.reported");

  const std::string title = random_title("hotline");
  d.click("dispatch.hotline");
  fingers_fit(d.wait_for("the hotline form", [](const ProbeFile& p) {
    return p.screen == "hotline" && p.widgets.count("hotline.save") && p.widgets.count("hotline.confidential");
  }));
  d.type_into("hotline.caller_name", "Lin");
  d.type_into("hotline.caller_phone", "13800000000");
  d.click("hotline.confidential");
  d.click("hotline.grid");
  d.click("hotline.grid.0");
  d.click("hotline.major.03");
  d.click("hotline.category.0302");
  d.type_into("hotline.title", title);
  d.click("hotline.save");
  // Saved, the call opens as a case: confidential, from the hotline.
  fingers_fit(d.wait_for("the new case on the case screen", [](const ProbeFile& p) {
    return p.screen == "case" && p.widgets.count("case.action.accept") && p.state.count("case") &&
           p.state.at("case").find(" hotline confidential") != std::string::npos;
  }));
  // Accepted, dispatched to the grid, then deferred (缓办) with a reason.
  d.click("case.action.accept");
  d.click("case.confirm");
  d.click("case.action.dispatch");
  d.click("case.route.grid");
  d.click("case.confirm");
  d.click("case.action.defer");
  d.type_into("case.note", "caller away until Monday");
  d.click("case.confirm");
  d.wait_for("the case deferred", [](const ProbeFile& p) {
    return p.screen == "case" && p.state.count("case") && p.state.at("case").find(" deferred") != std::string::npos;
  });
  desk.sync_all();

  d.click("top.home");
  d.click("home.kpi");
  fingers_fit(d.wait_for("the KPI screen", [](const ProbeFile& p) {
    return p.screen == "kpi" && p.widgets.count("kpi.export") && p.widgets.count("kpi.tile.close_rate");
  }));
  d.click("kpi.group.worker");
  d.click("kpi.export");
  const ProbeFile exported =
      d.wait_for("the KPI CSV", [](const ProbeFile& p) { return p.state.count("kpi_exported_to") > 0; });
  const std::string path = exported.state.at("kpi_exported_to");
  CHECK(path.find("kpi-worker-") != std::string::npos);
  CHECK(read_text(path).find("\ntotal,") != std::string::npos);
  desk.stop_app();
  CHECK_MESSAGE(server_has_case(desk.url(), title, desk.dir()), "the server has no hotline case titled " << title);
}

TEST_CASE("window: a supervisor takes a unit grid over from the console, sees it on the map, and ends it") {
  Desk desk;
  Driver& d = desk.d();
  desk.sign_in("supervisor01");
  fingers_fit(d.wait_widget("home.map"));
  d.click("home.takeover");
  fingers_fit(d.wait_for("the takeover console", [](const ProbeFile& p) {
    return p.screen == "takeover" && p.widgets.count("takeover.unit.0") && p.widgets.count("takeover.section.reassign");
  }));
  d.click("takeover.unit.0");
  const ProbeFile picked = d.wait_for("unit grid 1 picked", [](const ProbeFile& p) {
    return p.state.count("takeover_selected") && p.state.at("takeover_selected") != "-" &&
           p.widgets.count("takeover.reason") && p.widgets.count("takeover.start");
  });
  const std::string code = picked.state.at("takeover_selected");
  CHECK(!running_as(picked, code + ":pending"));
  CHECK(!running_as(picked, code + ":accepted"));
  // No reason, no takeover: the start button does nothing yet.
  d.click("takeover.start");
  std::this_thread::sleep_for(300ms);
  CHECK(d.wait_for("the console", [](const ProbeFile& p) { return p.screen == "takeover"; })
            .widgets.count("takeover.confirm.yes") == 0);
  d.type_into("takeover.reason", "flood drill");
  d.click("takeover.start");
  fingers_fit(d.wait_widget("takeover.confirm.yes"));
  d.click("takeover.confirm.yes");
  // Pending until a sync; the app's own sync after an edit may beat the probe.
  d.wait_for("the takeover running", [&](const ProbeFile& p) {
    return running_as(p, code + ":pending") || running_as(p, code + ":accepted");
  });
  desk.sync_all();
  fingers_fit(d.wait_for("the takeover accepted by the server", [&](const ProbeFile& p) {
    return running_as(p, code + ":accepted") && p.widgets.count("takeover.end.0");
  }));
  CHECK(server_takeover_ended(desk.server_db(), code) == std::optional<bool>(false));

  d.click("top.home");
  d.click("home.map");
  fingers_fit(d.wait_for("the map with the unit grid red", [&](const ProbeFile& p) {
    return p.screen == "map" && p.widgets.count("map.unit." + code) && p.state.count("map_takeover_units") &&
           p.state.at("map_takeover_units") != "0";
  }));
  d.click("map.unit." + code);
  fingers_fit(d.wait_for("a grid of it picked", [](const ProbeFile& p) {
    return p.widgets.count("map.takeover") && p.widgets.count("map.cases") && p.state.at("map_selected") != "-";
  }));
  d.click("map.takeover");
  const ProbeFile console = d.wait_for("the console with the unit grid picked", [&](const ProbeFile& p) {
    return p.screen == "takeover" && p.state.count("takeover_selected") && p.state.at("takeover_selected") == code &&
           running_as(p, code + ":accepted") && p.widgets.count("takeover.end.0");
  });
  const auto running = running_takeovers(console);
  const size_t index = static_cast<size_t>(
      std::find(running.begin(), running.end(), code + ":accepted") - running.begin());
  d.click("takeover.end." + std::to_string(index));
  d.click("takeover.confirm.yes");
  d.wait_for("the takeover no longer running", [&](const ProbeFile& p) {
    return p.screen == "takeover" && !running_as(p, code + ":accepted") && !running_as(p, code + ":pending");
  });
  desk.sync_all();
  desk.stop_app();
  CHECK(server_takeover_ended(desk.server_db(), code) == std::optional<bool>(true));
}
