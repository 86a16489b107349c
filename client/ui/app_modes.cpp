// The two one-shot runs: --screenshot (DESIGN §10) and --bench.
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include "client/ui/app.hpp"
#include "client/ui/screens/camera.hpp"
#include "client/ui/screens/map.hpp"
#include "client/ui/screens/takeover.hpp"
#include "client/ui/screens/visit.hpp"
#include "shared/roles.hpp"

namespace gw::client::ui {
namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// Peak resident memory of this process, kB (Linux; 0 elsewhere).
long peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "VmHWM:") {
      in >> value;
      return value;
    }
    in.ignore(1 << 12, '\n');
  }
  return 0;
}

// 1,000 open cases pinned inside the park's bounds, a fixed seed so runs
// compare; and a worker's day: eight one-hour patrols, a point every 5 s
// of a walk (2,880 points unsimplified: more than the stored, simplified
// track would hold), each with a check-in.
void add_bench_load(GridMapView* m) {
  std::mt19937 rng(23);
  std::uniform_real_distribution<double> lon(m->west, m->east), lat(m->south, m->north), unit(-1, 1);
  const char* severities[] = {"low", "normal", "high", "urgent"};
  for (int i = 0; i < 1000; ++i)
    m->pins.push_back(MapPin{"bench-" + std::to_string(i), "bench", severities[i % 4], "reported", "",
                             geo::LonLat{lon(rng), lat(rng)}, i % 7 == 0});
  auto replay = std::make_shared<ReplayView>();
  replay->worker_id = "bench";
  replay->day = "2026-12-07";
  const int64_t day0 = 1'796'600'000'000;
  for (int p = 0; p < 8; ++p) {
    TrackLine line;
    line.patrol_id = "bench-" + std::to_string(p);
    geo::LonLat at{lon(rng), lat(rng)};
    const int64_t start = day0 + p * 3'600'000;
    for (int k = 0; k < 720; ++k) {  // 6 m a step in a wandering direction
      at.lon += unit(rng) * 6e-5;
      at.lat += unit(rng) * 5e-5;
      line.points.push_back(geo::TrackPoint{at, start + k * 5'000});
    }
    replay->length_m += geo::length_m(line.points);
    replay->checkins.push_back(geo::Fix{line.points.front().p, 5, start, geo::FixSource::gps});
    replay->lines.push_back(std::move(line));
  }
  m->replay = replay;
}

}  // namespace

Status App::sign_in_and_sync() {
  core_->sign_in(options_.user, options_.password);
  core_->wait_idle();
  Snapshot snap = core_->snapshot();
  if (!snap.session.signed_in)
    return Error{Code::unauthorized, "sign-in as " + options_.user + " failed: " + strings_.tr(snap.session.error_key) +
                                         " " + snap.session.error_detail};
  core_->sync_now();
  core_->wait_idle();
  snap = core_->snapshot();
  if (!snap.sync.error.empty() || snap.sync.last_sync_at == 0)
    return Error{Code::offline, "sync failed: " + (snap.sync.error.empty() ? "no complete sync" : snap.sync.error)};
  return Status::ok();
}

// Puts the data the screen shows in place, as a user would have.
Status App::prepare_screen(ScreenId id) {
  Snapshot snap = core_->snapshot();
  if (id == ScreenId::patrol) {
    if (snap.home && !snap.home->active_patrol_id.empty()) {
      core_->open_patrol(snap.home->active_patrol_id);
    } else {
      std::string grid;
      if (snap.home && !snap.home->my_grids.empty()) grid = snap.home->my_grids.front().id;
      else if (snap.catalog && !snap.catalog->grids.empty()) grid = snap.catalog->grids.front().id;
      if (grid.empty()) return Error{Code::not_found, "no grid to patrol"};
      core_->start_patrol(grid);
    }
  } else if (id == ScreenId::takeover || id == ScreenId::map) {
    stage_takeover(id);
  } else if (id == ScreenId::case_detail || id == ScreenId::photo) {
    core_->list_cases(CaseFilter{});
    core_->wait_idle();
    snap = core_->snapshot();
    if (!snap.cases || snap.cases->items.empty()) return Error{Code::not_found, "no case to show"};
    core_->open_case(snap.cases->items.front().id);
  }
  core_->wait_idle();
  return Status::ok();
}

// The console and the map with a unit grid picked, so the picture shows the
// start form or a grid's details. Nothing is written: a screenshot must
// never start a takeover (./dev screenshots starts one beforehand with the
// server's admin command, so the pictures show one running).
void App::stage_takeover(ScreenId id) {
  const RoleSet roles = RoleSet::parse(core_->snapshot().session.roles).value_or(RoleSet{});
  if (!roles.has(Role::supervisor)) return;
  core_->load_takeover_console();
  core_->wait_idle();
  const Snapshot snap = core_->snapshot();
  if (!snap.takeover || snap.takeover->units.empty()) return;
  const std::vector<UnitGridItem>& units = snap.takeover->units;
  if (id == ScreenId::map) map_->select(units.front().grid.id);
  if (id == ScreenId::map && !options_.replay.empty()) {
    const size_t colon = options_.replay.find(':');
    map_->replay_first(options_.replay.substr(0, colon),
                       colon == std::string::npos ? std::string() : options_.replay.substr(colon + 1));
  }
  if (id == ScreenId::takeover && units.size() > 1) takeover_->preselect(units[1].grid.id);
}

void App::settle(int min_frames, int max_frames) {
  uint64_t version = 0;
  int stable = 0;
  for (int i = 0; i < max_frames; ++i) {
    window_->pump_events(0);
    frame();
    core_->wait_idle();  // what the screen asked for on entering
    const uint64_t v = core_->snapshot().version;
    stable = (v == version && !window_->atlas_rebuilt_last_frame()) ? stable + 1 : 0;
    version = v;
    if (i + 1 >= min_frames && stable >= 3) return;
  }
}

// The camera's thread delivers frames at its own pace (a VM's software
// camera under an emulated CPU takes seconds for the first).
void App::settle_camera() {
  constexpr int kWaitMs = 60'000;
  constexpr int kStepMs = 20;
  for (int waited = 0; waited < kWaitMs && !camera_->settled(); waited += kStepMs) {
    window_->pump_events(kStepMs);  // no input comes: a wait between frames
    frame();
  }
  settle(3, 60);
}

int App::run_screenshot() {
  const ScreenId id = *screen_from_name(options_.screen);
  // The login screen and the camera need no account: the camera screen is
  // shown on its own, as it is reached from any form.
  if (id != ScreenId::login && id != ScreenId::camera) {
    if (Status st = sign_in_and_sync(); !st) return fail(st.error().message);
    if (Status st = prepare_screen(id); !st) return fail(st.error().message);
  }
  forced_ = true;
  window_->set_pointer_enabled(false);
  // The viewer opens from the case it belongs to, which a --drop gives a picture first.
  const ScreenId first = id == ScreenId::photo ? ScreenId::case_detail : id;
  const bool alone = id == ScreenId::home || id == ScreenId::login || id == ScreenId::camera;
  stack_ = alone ? std::vector{id} : std::vector{ScreenId::home, first};
  entered_ = false;
  core_->take_notices();  // this run's sync messages are not part of the picture
  settle(6, 400);
  if (const Snapshot snap = core_->snapshot(); id == ScreenId::visit && snap.targets && !snap.targets->items.empty()) {
    visit_->pick(snap.targets->items.front());
    settle(3, 60);
  }
  if (!options_.drop.empty()) {
    window_->push_drop(options_.drop);
    settle(3, 200);
    toasts_.clear();  // the picture shows the screen, not the drop's passing word
  }
  if (id == ScreenId::camera) settle_camera();
  if (id == ScreenId::photo) {
    const Snapshot snap = core_->snapshot();
    if (!snap.case_detail || snap.case_detail->photos.empty()) return fail("no photo to show (give one with --drop)");
    core_->open_photo(snap.case_detail->photos.back().hash);  // the newest: a --drop's
    go(ScreenId::photo);
    settle(3, 200);
  }
  window_->request_screenshot(options_.screenshot);
  window_->pump_events(0);
  frame();
  if (!window_->screenshot_status()) return fail(window_->screenshot_status().error().message);
  std::printf("wrote %s (%s, %dx%d)\n", options_.screenshot.c_str(), options_.screen.c_str(), window_->width(),
              window_->height());
  return 0;
}

// A benchmark's start: signed in from the replica (no sync), `screen` up over home, settled.
Status App::bench_sign_in(ScreenId screen) {
  if (options_.user.empty()) return Error{Code::missing, "a benchmark run needs --user and --password"};
  core_->sign_in(options_.user, options_.password);
  core_->wait_idle();
  if (!core_->snapshot().session.signed_in) return Error{Code::unauthorized, "sign-in failed in the benchmark run"};
  stack_ = {ScreenId::home, screen};
  entered_ = false;
  forced_ = true;
  settle(6, 400);
  return Status::ok();
}

// Prints `bench KEY VALUE` lines that bench-client reads.
int App::run_bench() {
  const auto t0 = std::chrono::steady_clock::now();
  window_->pump_events(0);
  frame();
  std::printf("bench first_frame_unix_ms %lld\n", static_cast<long long>(now_ms()));
  std::printf("bench first_frame_in_process_ms %.1f\n", ms_since(t0));
  std::fflush(stdout);
  if (Status st = bench_sign_in(ScreenId::visit); !st) return fail(st.error().message);
  const Snapshot snap = core_->snapshot();
  const size_t rows = snap.targets ? snap.targets->items.size() : 0;
  visit_->set_auto_scroll(23.0f * window_->ui_scale());
  const FrameTimes t = time_frames(options_.bench_frames);
  std::printf("bench rows %zu\n", rows);
  print_frame_times(t);
  std::printf("bench rss_kb %ld\n", peak_rss_kb());
  std::fflush(stdout);
  return 0;
}

App::FrameTimes App::time_frames(int n) {
  FrameTimes t;
  for (int i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    window_->pump_events(0);
    frame();
    t.total.push_back(ms_since(t0));
    t.gl.push_back(window_->last_gl_ms());
    t.swap.push_back(window_->last_swap_ms());
  }
  for (auto* v : {&t.total, &t.gl, &t.swap}) std::sort(v->begin(), v->end());
  return t;
}

void App::print_frame_times(const FrameTimes& t) {
  const std::vector<double>& times = t.total;
  auto pct = [&](double p) { return times[std::min(times.size() - 1, static_cast<size_t>(p * times.size()))]; };
  std::printf("bench gl_p50_ms %.2f\n", t.gl[t.gl.size() / 2]);
  std::printf("bench swap_p50_ms %.2f\n", t.swap[t.swap.size() / 2]);
  std::printf("bench frames %zu\n", times.size());
  std::printf("bench frame_p50_ms %.2f\n", pct(0.50));
  std::printf("bench frame_p99_ms %.2f\n", pct(0.99));
  std::printf("bench frame_max_ms %.2f\n", times.back());
}

// The map as a supervisor sees it on a busy day: the replica's grids, and
// 1,000 open cases pinned and a worker's day of tracks added to what the
// core built (the replica has neither in that number), drawn frame after
// frame while the view pans across the park.
int App::run_bench_map() {
  if (Status st = bench_sign_in(ScreenId::map); !st) return fail(st.error().message);
  const Snapshot snap = core_->snapshot();
  if (!snap.grid_map || snap.grid_map->grids.empty()) return fail("no grids to draw in --bench-map");
  auto m = std::make_shared<GridMapView>(*snap.grid_map);
  add_bench_load(m.get());
  map_->show_for_bench(m);
  settle(3, 60);
  size_t points = 0;
  for (const TrackLine& l : m->replay->lines) points += l.points.size();
  const FrameTimes t = time_frames(options_.bench_frames);
  std::printf("bench grids %zu\n", m->grids.size());
  std::printf("bench pins %zu\n", m->pins.size());
  std::printf("bench track_points %zu\n", points);
  if (const ImDrawData* dd = ImGui::GetDrawData()) std::printf("bench vertices %d\n", dd->TotalVtxCount);
  print_frame_times(t);
  std::printf("bench rss_kb %ld\n", peak_rss_kb());
  std::fflush(stdout);
  return 0;
}

}  // namespace gw::client::ui
