// The real app in a real window: Xvfb, the real server with the demo park,
// `gridwork` driven by xdotool as a person would (click, type), found through
// the UI probe. A worker reports a dispute and syncs; a supervisor takes a
// hotline call from the dispatch queue and exports the KPIs; a second device
// then finds each case on the server; the worker's takeover console offers no
// changes. A supervisor takes a unit grid over
// from the console, finds it red on the map and ends the takeover; the
// server's database has it started and ended. An admin opens the conflict
// review, a record of the first conflict with its history, and decides it;
// the server's record takes the chosen value. A worker corrects a contested
// record's registration, warned before saving; the server has the change.
// Evidence photos: a picture dropped on the case screen shows as its
// thumbnail and full screen (screenshots read back), one dropped on the visit
// form waits in its list, and one dropped on the
// new-case form goes to the server with the case.
#include <doctest/doctest.h>
#include <stb_image.h>
#include <stb_image_write.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
  void type_into(const std::string& id, const std::string& text, int delay_ms = 40) {
    click(id);
    wait_for("text input in " + id, [&](const ProbeFile& p) {
      auto input = p.state.find("text_input");
      auto focus = p.state.find("focus");
      return input != p.state.end() && input->second == "1" && focus != p.state.end() && focus->second == id;
    });
    xdo("type --delay " + std::to_string(delay_ms) + " '" + text + "'");
    std::this_thread::sleep_for(200ms);
  }
  // A finger's drag from a widget's middle by (dx, dy) px, in steps a frame apart.
  void drag(const std::string& id, int dx, int dy) {
    const auto [x, y] = middle(id);
    xdo("mousemove --sync " + std::to_string(x) + " " + std::to_string(y) + " mousedown 1");
    for (int k = 1; k <= 6; ++k) {
      std::this_thread::sleep_for(50ms);
      xdo("mousemove --sync " + std::to_string(x + dx * k / 6) + " " + std::to_string(y + dy * k / 6));
    }
    std::this_thread::sleep_for(50ms);
    xdo("mouseup 1");
    std::this_thread::sleep_for(150ms);
  }
  // Wheel notches over a widget's middle: up (toward the user's view) zooms in.
  void wheel(const std::string& id, int notches) {
    const auto [x, y] = middle(id);
    xdo("mousemove --sync " + std::to_string(x) + " " + std::to_string(y));
    xdo("click --repeat " + std::to_string(std::abs(notches)) + " --delay 60 " + (notches > 0 ? "4" : "5"));
    std::this_thread::sleep_for(150ms);
  }
  // Presses keys: "BackSpace", "ctrl+a".
  void key(const std::string& keys, int repeat = 1) {
    xdo("key --repeat " + std::to_string(repeat) + " --delay 20 " + keys);
    std::this_thread::sleep_for(150ms);
  }

 private:
  std::pair<int, int> middle(const std::string& id) {
    ProbeFile p = wait_widget(id);
    const Rect r = p.widgets.at(id);
    int wx = 0, wy = 0;
    std::istringstream(p.state["window"]) >> wx >> wy;
    return {wx + r.x + r.w / 2, wy + r.y + r.h / 2};
  }
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
  // extra: more options for the app (--drop FILE --screen NAME).
  explicit Desk(const std::vector<std::string>& extra = {}, std::chrono::seconds budget = 120s)
      : deadline_(Clock::now() + budget) {
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
    std::vector<std::string> argv{GRIDWORK_CLIENT_BIN, "--server", server_->url(), "--data", (dir_ / "app").string(),
                                  "--lang", "zh_CN", "--size", "1280x800"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    app_ = std::make_unique<gw::test::ChildProcess>(
        std::move(argv),
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
  const std::string& display() const { return display_; }
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
  gw::SqliteDb db(db_path);
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

// Open conflicts in the server's database; and one conflict's status.
int64_t server_open_conflicts(const std::string& db_path) {
  gw::SqliteDb db(db_path);
  auto st = db.prepare("SELECT count(*) FROM conflicts WHERE status = 'open'");
  REQUIRE(st.step());
  return st.int64(0);
}

std::string server_conflict_status(const std::string& db_path, const std::string& id) {
  gw::SqliteDb db(db_path);
  auto st = db.prepare("SELECT status FROM conflicts WHERE id = ?");
  st.bind(1, id);
  return st.step() ? std::string(st.text(0)) : std::string("-");
}

// Whether the conflicted field on the server now holds the side chosen
// (ours | theirs), compared as text.
bool server_field_holds(const std::string& db_path, const std::string& conflict_id, const std::string& side) {
  gw::SqliteDb db(db_path);
  auto c = db.prepare("SELECT tbl, row_id, col, CAST(json_extract(" + side + ", '$.value') AS TEXT) FROM conflicts "
                      "WHERE id = ?");
  c.bind(1, conflict_id);
  REQUIRE(c.step());
  const std::string table(c.text(0)), row(c.text(1)), column(c.text(2)), want(c.text(3));
  REQUIRE((table == "households" || table == "enterprises" || table == "residents" || table == "cases"));
  auto r = db.prepare("SELECT CAST(" + column + " AS TEXT) FROM " + table + " WHERE id = ?");
  r.bind(1, row);
  REQUIRE(r.step());
  MESSAGE(table << "." << column << " on the server: " << r.text(0) << ", chosen: " << want);
  return std::string(r.text(0)) == want;
}

// A household or enterprise of worker01's grids with an open conflict:
// table, id, and what the visit screen's search finds it by.
struct ContestedTarget {
  std::string table, id, search;
};
std::optional<ContestedTarget> server_contested_target(const std::string& db_path, const std::string& user) {
  gw::SqliteDb db(db_path);
  auto st = db.prepare(
      "SELECT c.tbl, c.row_id, IFNULL(e.name, h.head_name) FROM conflicts c "
      "LEFT JOIN enterprises e ON c.tbl = 'enterprises' AND e.id = c.row_id "
      "LEFT JOIN households h ON c.tbl = 'households' AND h.id = c.row_id "
      "WHERE c.status = 'open' AND c.tbl IN ('enterprises', 'households') AND c.grid_id IN "
      "(SELECT a.grid_id FROM assignments a JOIN users u ON u.id = a.user_id WHERE u.username = ?) "
      "ORDER BY c.tbl DESC, c.opened_at LIMIT 1");
  st.bind(1, user);
  if (!st.step()) return std::nullopt;
  return ContestedTarget{std::string(st.text(0)), std::string(st.text(1)), std::string(st.text(2))};
}

std::string server_notes(const std::string& db_path, const std::string& table, const std::string& id) {
  gw::SqliteDb db(db_path);
  auto st = db.prepare("SELECT IFNULL(notes, '') FROM " + table + " WHERE id = ?");
  st.bind(1, id);
  return st.step() ? std::string(st.text(0)) : std::string("-");
}

// The record view's open conflicts as the probe lists them: "INDEX:KIND:ID,...".
struct OpenChoice {
  std::string index, kind, id;
};
std::vector<OpenChoice> open_choices(const ProbeFile& p) {
  std::vector<OpenChoice> out;
  auto it = p.state.find("conflicts_record_choices");
  if (it == p.state.end() || it->second == "-") return out;
  std::istringstream s(it->second);
  for (std::string item; std::getline(s, item, ',');) {
    std::istringstream parts(item);
    OpenChoice c;
    std::getline(parts, c.index, ':');
    std::getline(parts, c.kind, ':');
    std::getline(parts, c.id, ':');
    out.push_back(c);
  }
  return out;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// On the open new-case form: the first grid, 邻里纠纷 (0302), the title;
// saved, home shows it pending.
void fill_and_save_dispute(Driver& d, const std::string& title) {
  d.click("case_form.grid");
  d.click("case_form.grid.0");
  d.click("case_form.major.03");
  d.click("case_form.category.0302");
  d.type_into("case_form.title", title);
  d.click("case_form.save");
  d.wait_for("back home with the case pending", [](const ProbeFile& p) {
    return p.screen == "home" && p.state.count("pending") && p.state.at("pending") != "0";
  });
}

// A photo of one flat colour, which nothing else on a screen is: where the
// screenshot shows it, the picture is drawn.
constexpr unsigned char kPhotoRgb[3] = {200, 30, 160};

void write_photo(const fs::path& path) {
  constexpr int w = 640, h = 480;
  std::vector<unsigned char> px(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = kPhotoRgb[i % 3];
  REQUIRE(stbi_write_jpg(path.string().c_str(), w, h, 3, px.data(), 92));
}

// Whether the middle half of `r` in the PNG is the photo's colour (JPEG and
// sRGB scaling move it a little).
bool shows_photo(const fs::path& png, const Rect& r) {
  int w = 0, h = 0, n = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> px(stbi_load(png.string().c_str(), &w, &h, &n, 3), stbi_image_free);
  REQUIRE_MESSAGE(px, "cannot read " << png);
  long sum[3] = {0, 0, 0}, count = 0;
  for (int y = r.y + r.h / 4; y < r.y + r.h * 3 / 4; ++y)
    for (int x = r.x + r.w / 4; x < r.x + r.w * 3 / 4; ++x) {
      if (x < 0 || y < 0 || x >= w || y >= h) continue;
      for (int c = 0; c < 3; ++c) sum[c] += px.get()[(static_cast<size_t>(y) * w + x) * 3 + c];
      ++count;
    }
  if (count == 0) return false;
  for (int c = 0; c < 3; ++c)
    if (std::abs(sum[c] / count - kPhotoRgb[c]) > 24) return false;
  return true;
}

// `gridwork --screenshot` of a screen with a file dropped on it, as
// ./dev screenshots runs it, with the probe on; the probe's file.
ProbeFile screenshot_with_drop(Desk& desk, const std::string& screen, const fs::path& photo, const fs::path& png) {
  const std::string probe = (desk.dir() / ("probe-" + screen + ".txt")).string();
  gw::test::ChildProcess shot(
      {GRIDWORK_CLIENT_BIN, "--server", desk.url(), "--data", (desk.dir() / ("shot-" + screen)).string(), "--user",
       "worker01", "--password", "gridwork-demo", "--lang", "zh_CN", "--size", "1280x800", "--screenshot",
       png.string(), "--screen", screen, "--drop", photo.string(), "--verbose"},
      gw::test::ChildOptions{.env = {{"DISPLAY", desk.display()}, {"GRIDWORK_UI_PROBE", probe}},
                             .log = (desk.dir() / ("shot-" + screen + ".log")).string()});
  const int status = shot.wait_for(90s);
  REQUIRE_MESSAGE(status == 0, "gridwork --screenshot --screen " << screen << " exited with " << status << ":\n"
                                                                 << read_text(desk.dir() / ("shot-" + screen + ".log")));
  return read_probe(probe);
}

// The server's attachments of the case titled so: record_table of each.
std::vector<std::string> server_case_photos(const std::string& db_path, const std::string& title) {
  gw::SqliteDb db(db_path);
  auto st = db.prepare(
      "SELECT a.record_table FROM attachments a JOIN cases c ON c.id = a.record_id WHERE c.title = ? "
      "AND coalesce(a.deleted, 0) = 0");
  st.bind(1, title);
  std::vector<std::string> out;
  while (st.step()) out.emplace_back(st.text(0));
  return out;
}

}  // namespace

TEST_CASE("window: photos dropped on the new-case form, on a case and on the visit form: the server, the thumbnail, the viewer") {
  const fs::path photo = fs::temp_directory_path() / ("gw-evidence-" + std::to_string(getpid()) + ".jpg");
  write_photo(photo);
  // The app that is driven drops the photo on the new-case form once it is up.
  Desk desk({"--drop", photo.string(), "--screen", "case_new"});
  Driver& d = desk.d();

  // The form takes the drop into its photos (1/9), and the case reaches the
  // server with it.
  desk.sign_in("worker01");
  d.click("home.new_case");
  fingers_fit(d.wait_for("the form holding the dropped photo", [](const ProbeFile& p) {
    return p.screen == "case_new" && p.state.count("case_form.photos") && p.state.at("case_form.photos") == "1" &&
           p.widgets.count("case_form.photos.remove.0") && p.widgets.count("case_form.photos.add");
  }));
  const std::string title = random_title("photo");
  fill_and_save_dispute(d, title);
  desk.sync_all();
  desk.stop_app();
  CHECK(server_case_photos(desk.server_db(), title) == std::vector<std::string>{"cases"});

  // A case with the photo dropped on it (./dev screenshots' runs): its
  // thumbnail, in the photo's colour, on a tile a finger can tap.
  const fs::path case_png = desk.dir() / "case.png";
  const ProbeFile shot = screenshot_with_drop(desk, "case", photo, case_png);
  CHECK(shot.screen == "case");
  CHECK(shot.state.count("case_photos") == 1);
  bool thumb = false;
  for (const auto& [id, r] : shot.widgets)
    if (id.rfind("case.photo.", 0) == 0) {
      if (!r.clipped) CHECK_MESSAGE((r.w >= 96 && r.h >= 96), id << " is " << r.w << "x" << r.h);
      thumb = thumb || shows_photo(case_png, r);
    }
  CHECK_MESSAGE(thumb, "no thumbnail of the dropped photo in " << case_png.string());

  // Its picture full screen: fitted to the view, with finger-sized controls.
  const fs::path viewer_png = desk.dir() / "photo.png";
  const ProbeFile viewer = screenshot_with_drop(desk, "photo", photo, viewer_png);
  CHECK(viewer.screen == "photo");
  CHECK((viewer.state.count("photo") && viewer.state.at("photo") == "ready"));
  REQUIRE(viewer.widgets.count("photo.view") == 1);
  CHECK(viewer.widgets.count("photo.close") == 1);
  CHECK(shows_photo(viewer_png, viewer.widgets.at("photo.view")));
  fingers_fit(viewer);

  // The visit form with someone picked takes a drop into its pending list,
  // which goes with the visit when it is saved.
  const ProbeFile visit = screenshot_with_drop(desk, "visit", photo, desk.dir() / "visit.png");
  CHECK(visit.screen == "visit");
  CHECK((visit.state.count("visit.photos") && visit.state.at("visit.photos") == "1"));
  CHECK(visit.widgets.count("visit.photos.remove.0") == 1);
  CHECK(visit.widgets.count("visit.photos.add") == 1);
  fs::remove(photo);
}

TEST_CASE("window: a worker reports a dispute with real input, and it reaches the server") {
  Desk desk;
  Driver& d = desk.d();
  desk.sign_in("worker01");
  fingers_fit(d.wait_widget("home.settings"));
  CHECK(d.wait_for("home", [](const ProbeFile& p) { return p.screen == "home"; }).widgets.count("home.dispatch") == 0);

  const std::string title = random_title("dispute");
  d.click("home.new_case");
  d.wait_for("case form", [](const ProbeFile& p) { return p.screen == "case_new"; });
  fill_and_save_dispute(d, title);
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

TEST_CASE("window: an admin reviews the conflict queue, opens a record with its history, and decides it") {
  Desk desk;
  Driver& d = desk.d();
  desk.sign_in("admin01");
  fingers_fit(d.wait_widget("home.conflicts"));
  d.click("home.conflicts");
  const ProbeFile queue = d.wait_for("the conflict queue", [](const ProbeFile& p) {
    return p.screen == "conflicts" && p.state.count("conflicts_view") && p.state.at("conflicts_view") == "queue" &&
           p.state.count("conflicts_items") && p.state.at("conflicts_items") != "-" &&
           p.widgets.count("conflicts.kind.review") && p.widgets.count("conflicts.grid");
  });
  fingers_fit(queue);
  // The queue shows what the server holds open: the demo park's conflicts, or none.
  const int64_t open = server_open_conflicts(desk.server_db());
  MESSAGE("open conflicts on the server: " << open);
  CHECK(std::stoll(queue.state.at("conflicts_open_total")) == open);
  if (open == 0) {
    CHECK(queue.state.at("conflicts_items") == "0");
    CHECK(queue.widgets.count("conflicts.row.0") == 0);
    desk.stop_app();
    return;
  }
  CHECK(queue.state.at("conflicts_items") != "0");
  // A filter by kind narrows the queue; all kinds bring it back.
  d.click("conflicts.kind.review");
  d.wait_for("the queue of review conflicts", [](const ProbeFile& p) {
    return p.state.count("conflicts_items") && p.state.at("conflicts_items") != "-";
  });
  d.click("conflicts.kind.all");
  d.wait_for("the whole queue", [](const ProbeFile& p) {
    return p.state.count("conflicts_items") && p.state.at("conflicts_items") != "-" &&
           p.widgets.count("conflicts.row.0");
  });

  d.click("conflicts.row.0");
  const ProbeFile record = d.wait_for("a record with its open conflicts and its history", [](const ProbeFile& p) {
    return p.state.count("conflicts_view") && p.state.at("conflicts_view") == "record" &&
           p.state.count("conflicts_record_choices") && p.state.at("conflicts_record_choices") != "-" &&
           p.state.count("conflicts_history") && p.state.at("conflicts_history") != "loading" &&
           p.widgets.count("conflicts.submit");
  });
  fingers_fit(record);
  CHECK_MESSAGE(record.state.at("conflicts_history") != "error", "online, the record's history loads");
  // Decide the first: a field or a status keeps the first value (the later
  // one is what the record holds, so the server's record visibly changes),
  // a quarantined patch is refused.
  const OpenChoice first = open_choices(record).front();
  const std::string choice = first.kind == "quarantine" ? "refuse" : "ours";
  d.click("conflicts.choice." + first.index + "." + choice);
  d.click("conflicts.submit");
  fingers_fit(d.wait_widget("conflicts.confirm.yes"));
  d.click("conflicts.confirm.yes");
  d.wait_for("the conflict decided here", [&](const ProbeFile& p) {
    for (const OpenChoice& c : open_choices(p))
      if (c.id == first.id) return false;
    return p.state.count("conflicts_record_open") && p.state.at("conflicts_record_open") != "-";
  });
  desk.sync_all();
  d.click("conflicts.back");
  d.wait_for("back on the queue", [](const ProbeFile& p) {
    return p.state.count("conflicts_view") && p.state.at("conflicts_view") == "queue";
  });
  desk.stop_app();
  const std::string status = server_conflict_status(desk.server_db(), first.id);
  CHECK_MESSAGE((status == "resolved" || status == "refused"), "the server has conflict " << first.id << " " << status);
  if (first.kind != "quarantine")
    CHECK_MESSAGE(server_field_holds(desk.server_db(), first.id, choice),
                  "the record on the server took the " << choice << " value of " << first.id);
}

TEST_CASE("window: a worker corrects a contested record's registration, warned before saving") {
  Desk desk;
  Driver& d = desk.d();
  const auto contested = server_contested_target(desk.server_db(), "worker01");
  MESSAGE("contested target of worker01: " << (contested ? contested->table + " " + contested->search : "none"));
  desk.sign_in("worker01");
  d.click("home.visit");
  const std::string kind = contested && contested->table == "enterprises" ? "enterprise" : "household";
  d.click("visit.kind." + kind);
  if (contested) {
    // Characters outside the keymap reach the app through a keycode xdotool
    // remaps for each, and one typed quickly may go astray: type slowly, and
    // again until the search field holds the words.
    auto searched = [&] {
      return d.wait_for("the search field", [](const ProbeFile& p) { return p.state.count("visit_search") > 0; })
          .state.at("visit_search");
    };
    for (int attempt = 0; attempt < 3 && searched() != contested->search; ++attempt) {
      if (!searched().empty()) d.key("BackSpace", 60);
      d.wait_for("the search field cleared", [](const ProbeFile& p) {
        return p.state.count("visit_search") && p.state.at("visit_search").empty();
      });
      d.type_into("visit.search", contested->search, 150);
    }
    REQUIRE(searched() == contested->search);
  }
  d.wait_for("the target list", [](const ProbeFile& p) {
    return p.screen == "visit" && p.widgets.count("visit.row.0");
  });
  // The search waits for a pause in typing; the row then is the one found.
  std::this_thread::sleep_for(600ms);
  d.click("visit.row.0");
  fingers_fit(d.wait_widget("visit.edit"));
  d.click("visit.edit");
  const ProbeFile panel = d.wait_for("the edit panel, prefilled", [](const ProbeFile& p) {
    return p.state.count("visit_edit") && p.state.at("visit_edit") == "ready" && p.widgets.count("visit.edit.notes") &&
           p.widgets.count("visit.edit.save") && p.widgets.count("visit.edit.address");
  });
  fingers_fit(panel);
  const std::string id = panel.state.at("visit_edit_id");
  const std::string table = kind == "enterprise" ? "enterprises" : "households";
  if (contested) CHECK(id == contested->id);
  CHECK(panel.state.at("visit_edit_changes") == "0");
  const std::string token = random_title("gw-edit");
  d.type_into("visit.edit.notes", token);
  // Before 保存 is pressed, the warning is on screen with it.
  const ProbeFile ready = d.wait_for("one change, ready to save", [](const ProbeFile& p) {
    return p.state.count("visit_edit_changes") && p.state.at("visit_edit_changes") == "1" &&
           p.widgets.count("visit.edit.save");
  });
  CHECK(ready.state.at("visit_edit_warning") == (contested ? "1" : "0"));
  d.click("visit.edit.save");
  d.wait_for("the panel closed on the saved notice, the change pending", [](const ProbeFile& p) {
    return p.state.count("visit_edit") && p.state.at("visit_edit") == "-" && p.widgets.count("visit.edit") &&
           p.state.count("pending") && p.state.at("pending") != "0";
  });
  desk.sync_all();
  desk.stop_app();
  const std::string notes = server_notes(desk.server_db(), table, id);
  CHECK_MESSAGE(notes.find(token) != std::string::npos, "the server's " << table << " " << id << " notes: " << notes);
}

// The map's view as the probe gives it: centre x, y (m), metres a pixel.
std::array<double, 3> map_view(const ProbeFile& p) {
  std::array<double, 3> v{0, 0, 0};
  auto it = p.state.find("map_view");
  if (it != p.state.end()) std::istringstream(it->second) >> v[0] >> v[1] >> v[2];
  return v;
}

std::string first_pin(const ProbeFile& p) {
  for (const auto& [id, r] : p.widgets)
    if (id.rfind("map.pin.", 0) == 0) return id;
  return {};
}

TEST_CASE("window: a worker pins a new case on the map and the form keeps what was typed; the map pans, zooms, and "
          "a pin opens its case") {
  Desk desk;
  Driver& d = desk.d();
  desk.sign_in("worker01");
  d.click("home.new_case");
  d.wait_for("case form", [](const ProbeFile& p) { return p.screen == "case_new"; });
  const std::string title = random_title("pinned");
  d.click("case_form.grid");
  d.click("case_form.grid.0");
  d.click("case_form.major.03");
  d.click("case_form.category.0302");
  d.type_into("case_form.title", title);
  // No gpsd here: the form says 无定位 and saves anyway; the pin comes from the map.
  CHECK(d.wait_widget("case_form.loc.pick").state["case_form.fix"] == "-");
  d.click("case_form.loc.pick");
  fingers_fit(d.wait_for("the map in pick mode", [](const ProbeFile& p) {
    return p.screen == "map" && p.state.count("map_picking") && p.state.at("map_picking") == "1" &&
           p.widgets.count("map.canvas") && p.widgets.count("map.pick_use");
  }));
  d.click("map.canvas");  // its middle: the park's middle, outside worker01's grids
  const ProbeFile placed = d.wait_for("a pin placed", [](const ProbeFile& p) {
    return p.state.count("map_pick") && p.state.at("map_pick") != "-";
  });
  double lon = 0, lat = 0;
  std::istringstream(placed.state.at("map_pick")) >> lon >> lat;
  d.click("map.pick_use");
  const ProbeFile form = d.wait_for("the form again, with a pin placed by hand", [](const ProbeFile& p) {
    return p.screen == "case_new" && p.state.count("case_form.fix") && p.state.at("case_form.fix").rfind("manual ", 0) == 0;
  });
  std::string src;
  double flon = 0, flat = 0, acc = -1;
  std::istringstream(form.state.at("case_form.fix")) >> src >> flon >> flat >> acc;
  CHECK(flon == doctest::Approx(lon).epsilon(1e-9));
  CHECK(flat == doctest::Approx(lat).epsilon(1e-9));
  CHECK(acc >= 0);
  CHECK(form.state.at("case_form.outside") == "1");  // 超出本人网格
  d.click("case_form.save");  // the title typed before the map is still there, or this would not save
  d.wait_for("back home", [](const ProbeFile& p) { return p.screen == "home"; });

  d.click("home.map");
  const ProbeFile first = d.wait_for("the map with pins", [](const ProbeFile& p) {
    return p.screen == "map" && p.state.count("map_picking") && p.state.at("map_picking") == "0" &&
           !first_pin(p).empty();
  });
  fingers_fit(first);
  const auto v0 = map_view(first);
  d.drag("map.canvas", 160, 90);
  const ProbeFile panned = d.wait_for("the view panned", [&](const ProbeFile& p) { return map_view(p)[0] != v0[0]; });
  const auto v1 = map_view(panned);
  CHECK(v1[0] < v0[0]);  // dragged right: the ground moved right, the centre west
  CHECK(v1[1] > v0[1]);  // dragged down: the centre north
  CHECK(v1[2] == doctest::Approx(v0[2]));
  d.wheel("map.canvas", 3);
  const ProbeFile zoomed = d.wait_for("the view zoomed in", [&](const ProbeFile& p) { return map_view(p)[2] < v1[2]; });
  d.click("map.zoom_out");
  d.wait_for("the view zoomed out", [&](const ProbeFile& p) { return map_view(p)[2] > map_view(zoomed)[2]; });
  d.click("map.reset");
  const ProbeFile reset = d.wait_for("the whole park again", [&](const ProbeFile& p) {
    return map_view(p)[2] == doctest::Approx(v0[2]) && !first_pin(p).empty();
  });
  const std::string pin = first_pin(reset);
  d.click(pin);
  const std::string id = pin.substr(std::string("map.pin.").size());
  d.wait_for("the pin's case open", [&](const ProbeFile& p) {
    return p.screen == "case" && p.state.count("case") && p.state.at("case").rfind(id, 0) == 0;
  });
  desk.sync_all();
  desk.stop_app();
  // The server took the case with the pin as placed.
  gw::SqliteDb db(desk.server_db());
  auto st = db.prepare("SELECT json_extract(fix, '$.src'), json_extract(fix, '$.lon'), json_extract(fix, '$.lat') "
                       "FROM cases WHERE title = ?");
  st.bind(1, title);
  REQUIRE_MESSAGE(st.step(), "the server has no case titled " << title);
  CHECK(std::string(st.text(0)) == "manual");
  CHECK(std::stod(std::string(st.text(1))) == doctest::Approx(lon).epsilon(1e-6));
  CHECK(std::stod(std::string(st.text(2))) == doctest::Approx(lat).epsilon(1e-6));
}
