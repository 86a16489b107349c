// The two one-shot runs: --screenshot (DESIGN §10) and --bench.
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

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

// Prints `bench KEY VALUE` lines that bench-client reads.
int App::run_bench() {
  const auto t0 = std::chrono::steady_clock::now();
  window_->pump_events(0);
  frame();
  std::printf("bench first_frame_unix_ms %lld\n", static_cast<long long>(now_ms()));
  std::printf("bench first_frame_in_process_ms %.1f\n", ms_since(t0));
  std::fflush(stdout);
  if (options_.user.empty()) return fail("--bench needs --user and --password");
  core_->sign_in(options_.user, options_.password);
  core_->wait_idle();
  if (!core_->snapshot().session.signed_in) return fail("sign-in failed in --bench");
  stack_ = {ScreenId::home, ScreenId::visit};
  entered_ = false;
  forced_ = true;
  settle(6, 400);
  const Snapshot snap = core_->snapshot();
  const size_t rows = snap.targets ? snap.targets->items.size() : 0;
  visit_->set_auto_scroll(23.0f * window_->ui_scale());
  std::vector<double> times, gl, swap;
  times.reserve(static_cast<size_t>(options_.bench_frames));
  for (int i = 0; i < options_.bench_frames; ++i) {
    const auto t = std::chrono::steady_clock::now();
    window_->pump_events(0);
    frame();
    times.push_back(ms_since(t));
    gl.push_back(window_->last_gl_ms());
    swap.push_back(window_->last_swap_ms());
  }
  std::sort(times.begin(), times.end());
  std::sort(gl.begin(), gl.end());
  std::sort(swap.begin(), swap.end());
  auto pct = [&](double p) { return times[std::min(times.size() - 1, static_cast<size_t>(p * times.size()))]; };
  std::printf("bench gl_p50_ms %.2f\n", gl[gl.size() / 2]);
  std::printf("bench swap_p50_ms %.2f\n", swap[swap.size() / 2]);
  std::printf("bench rows %zu\n", rows);
  std::printf("bench frames %zu\n", times.size());
  std::printf("bench frame_p50_ms %.2f\n", pct(0.50));
  std::printf("bench frame_p99_ms %.2f\n", pct(0.99));
  std::printf("bench frame_max_ms %.2f\n", times.back());
  std::printf("bench rss_kb %ld\n", peak_rss_kb());
  std::fflush(stdout);
  return 0;
}

}  // namespace gw::client::ui
