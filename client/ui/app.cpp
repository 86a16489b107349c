#include "client/ui/app.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "client/core/camera.hpp"
#include "client/ui/screens/camera.hpp"
#include "client/ui/screens/case.hpp"
#include "client/ui/screens/case_form.hpp"
#include "client/ui/screens/cases.hpp"
#include "client/ui/screens/conflicts.hpp"
#include "client/ui/screens/dispatch.hpp"
#include "client/ui/screens/home.hpp"
#include "client/ui/screens/hotline.hpp"
#include "client/ui/screens/kpi.hpp"
#include "client/ui/screens/login.hpp"
#include "client/ui/screens/map.hpp"
#include "client/ui/screens/patrol.hpp"
#include "client/ui/screens/photo_viewer.hpp"
#include "client/ui/screens/settings.hpp"
#include "client/ui/screens/takeover.hpp"
#include "client/ui/screens/visit.hpp"
#include "client/ui/widgets.hpp"
#include "shared/categories.hpp"

namespace gw::client::ui {
namespace {

constexpr std::pair<ScreenId, std::string_view> kScreenNames[] = {
    {ScreenId::login, "login"},         {ScreenId::home, "home"},         {ScreenId::patrol, "patrol"},
    {ScreenId::visit, "visit"},         {ScreenId::cases, "cases"},       {ScreenId::case_detail, "case"},
    {ScreenId::case_new, "case_new"},   {ScreenId::settings, "settings"}, {ScreenId::takeover, "takeover"},
    {ScreenId::conflicts, "conflicts"}, {ScreenId::kpi, "kpi"},           {ScreenId::dispatch, "dispatch"},
    {ScreenId::hotline, "hotline"},     {ScreenId::map, "map"},           {ScreenId::photo, "photo"},
    {ScreenId::camera, "camera"},
};

constexpr int64_t kIdleAfterMs = 1000;  // no input for this long: stop drawing 60 frames a second
constexpr int kIdleWaitMs = 100;        // ... and look at the snapshot ten times a second

// Every character the interface can draw besides data: its words, the
// category table's names in both languages, and the symbols in the code.
std::string ui_text(const Strings& s) {
  std::string text = s.all_text() + "→←↑−…·—–、";
  for (const CategorySpec& c : categories()) (text += c.name_zh) += c.name_en;
  for (const MajorClass& m : major_classes()) (text += m.name_zh) += m.name_en;
  return text;
}

}  // namespace

std::string_view screen_name(ScreenId id) {
  for (const auto& [sid, name] : kScreenNames)
    if (sid == id) return name;
  return "?";
}

std::optional<ScreenId> screen_from_name(std::string_view name) {
  for (const auto& [sid, n] : kScreenNames)
    if (n == name) return sid;
  return std::nullopt;
}

App::App(Options options, std::string assets_dir) : options_(std::move(options)), assets_(std::move(assets_dir)) {
  auto visit = std::make_unique<VisitScreen>();
  visit_ = visit.get();
  screens_[ScreenId::visit] = std::move(visit);
  screens_[ScreenId::login] = std::make_unique<LoginScreen>();
  screens_[ScreenId::home] = std::make_unique<HomeScreen>();
  screens_[ScreenId::patrol] = std::make_unique<PatrolScreen>();
  auto cases = std::make_unique<CasesScreen>();
  cases_ = cases.get();
  screens_[ScreenId::cases] = std::move(cases);
  auto takeover = std::make_unique<TakeoverScreen>();
  takeover_ = takeover.get();
  screens_[ScreenId::takeover] = std::move(takeover);
  auto map = std::make_unique<GridMapScreen>();
  map_ = map.get();
  screens_[ScreenId::map] = std::move(map);
  screens_[ScreenId::case_detail] = std::make_unique<CaseScreen>();
  screens_[ScreenId::case_new] = std::make_unique<CaseFormScreen>();
  screens_[ScreenId::settings] = std::make_unique<SettingsScreen>();
  screens_[ScreenId::conflicts] = std::make_unique<ConflictsScreen>();
  screens_[ScreenId::kpi] = std::make_unique<KpiScreen>();
  screens_[ScreenId::dispatch] = std::make_unique<DispatchScreen>();
  screens_[ScreenId::hotline] = std::make_unique<HotlineScreen>();
  screens_[ScreenId::photo] = std::make_unique<PhotoViewerScreen>();
  auto camera = std::make_unique<CameraScreen>(camera_desk_);
  camera_ = camera.get();
  screens_[ScreenId::camera] = std::move(camera);
  cli_drop_ = options_.drop;
  stack_ = {ScreenId::login};
}

App::~App() {
  // The core's threads go before the window: nothing may draw after SDL quits.
  camera_->close();  // its thread, and its texture while the GL context lives
  map_->close();     // the pins' texture, likewise
  core_.reset();
  textures_.reset();
  window_.reset();
}

int64_t App::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int App::fail(const std::string& message) {
  std::fprintf(stderr, "gridwork: %s\n", message.c_str());
  return 1;
}

Status App::open() {
  CoreOptions co;
  co.data_dir = options_.data;
  co.server_url = options_.server;
  co.ca_file = options_.ca_file;
  co.gpsd = options_.gpsd;
  // Screenshots and benchmarks sync when they say so, not on a timer.
  co.auto_sync = options_.screenshot.empty() && !options_.bench;
  core_ = std::make_unique<ClientCore>(co);
  Snapshot snap = core_->snapshot();
  std::string lang = options_.lang.empty() ? snap.settings.lang : options_.lang;
  if (lang.empty()) lang = std::string(kDefaultLang);
  if (!co.auto_sync) {
    lang_override_ = options_.lang;  // a one-shot run leaves the device's settings alone
  } else if (lang != snap.settings.lang) {
    Settings s = snap.settings;  // --lang is the user's choice: kept, as if made in Settings
    s.lang = lang;
    core_->save_settings(s);
  }
  auto strings = Strings::load(assets_, lang);
  if (!strings) return strings.error();
  strings_ = std::move(*strings);

  WindowOptions wo;
  wo.width = options_.width;
  wo.height = options_.height;
  wo.title = strings_.tr("app.name");
  wo.font_path = Window::find_font(assets_);
  wo.vsync = options_.screenshot.empty() && !options_.bench;
  wo.text_scale = snap.settings.text_scale;
  auto window = Window::open(wo);
  if (!window) return window.error();
  window_ = std::move(*window);
  window_->set_ui_text(ui_text(strings_));
  textures_ = std::make_unique<PhotoTextures>();
  // Looked for once: 拍照 shows on the forms when there is a camera.
  camera_desk_.device = options_.camera;
  if (const auto cameras = list_cameras(); camera_desk_.device.empty() && !cameras.empty())
    camera_desk_.device = cameras.front().path;
  return Status::ok();
}

int App::run() {
  if (Status st = open(); !st) return fail(st.error().message);
  if (!options_.screenshot.empty()) return run_screenshot();
  if (options_.bench) return options_.bench_map ? run_bench_map() : run_bench();
  return run_interactive();
}

int App::run_interactive() {
  if (!options_.user.empty()) core_->sign_in(options_.user, options_.password);
  for (;;) {
    const int64_t now = now_ms();
    const bool busy = now - last_input_ms_ < kIdleAfterMs || !toasts_.empty();
    if (!window_->pump_events(busy ? 0 : kIdleWaitMs)) break;
    if (ImGui::GetIO().MouseDown[0] || window_->atlas_rebuilt_last_frame()) last_input_ms_ = now;
    // Any tap or typing keeps the app from locking itself (auto-lock).
    if (ImGui::GetIO().MouseDown[0] || ImGui::GetIO().InputQueueCharacters.Size > 0) core_->touch();
    frame();
  }
  return 0;
}

void App::go(ScreenId id) {
  if (stack_.back() == id) return;
  stack_.push_back(id);
  entered_ = false;
}

void App::go_cases(const CaseFilter& filter) {
  cases_->show(filter);
  if (stack_.back() == ScreenId::cases) entered_ = false;  // already up: list again with the new filter
  go(ScreenId::cases);
}

void App::go_takeover(const std::string& unit_grid_id) {
  takeover_->preselect(unit_grid_id);
  if (stack_.back() == ScreenId::takeover) entered_ = false;
  go(ScreenId::takeover);
}

void App::back() {
  if (stack_.back() == ScreenId::photo) leave_photo();
  // The camera is a step of the form under it: back there, the form is not
  // entered again (which would clear what was typed) but takes the still.
  const bool from_camera = stack_.back() == ScreenId::camera;
  // The map in pick mode is a step of its form the same way.
  const bool from_pick = stack_.back() == ScreenId::map && !map_pick_.asked_by.empty();
  if (from_pick) map_pick_.asked_by.clear();
  if (stack_.size() > 1) stack_.pop_back();
  entered_ = from_camera || from_pick;
}

void App::home() {
  if (std::find(stack_.begin(), stack_.end(), ScreenId::photo) != stack_.end()) leave_photo();
  stack_ = {core_->snapshot().session.signed_in ? ScreenId::home : ScreenId::login};
  entered_ = false;
  map_pick_ = MapPickDesk{};  // the form that asked is gone
}

void App::leave_photo() {
  if (const auto photo = core_->snapshot().photo) textures_->release(photo->hash);
  core_->close_photo();
}

void App::route_drops(Frame& f, std::vector<std::string> files) {
  for (const std::string& path : files) {
    if (options_.verbose) std::fprintf(stderr, "gridwork: dropped %s\n", path.c_str());
    if (!current().drop(f, path)) {
      Notice n{true, "photos.drop_not_here", std::filesystem::path(path).filename().string(), {}};
      window_->note_text(n.detail);
      toasts_.add(n, f.now_ms);
    }
  }
}

// The window test's stand-in for a desktop's drag and drop (xdotool has no
// XDND): a real SDL_DROPFILE, once the screen named by --screen has drawn a
// few frames, so the screen's own drop path takes it.
void App::push_cli_drop() {
  constexpr int kSettleFrames = 3;
  if (cli_drop_.empty() || screen_name(stack_.back()) != options_.screen || screen_frames_ < kSettleFrames) return;
  window_->push_drop(cli_drop_);
  cli_drop_.clear();
  last_input_ms_ = now_ms();  // draw promptly: the drop is input
}

Screen& App::current() { return *screens_.at(stack_.back()); }

void App::apply_settings(const Snapshot& snap) {
  const std::string& lang = lang_override_.empty() ? snap.settings.lang : lang_override_;
  if (!lang.empty() && lang != strings_.lang()) {
    if (auto s = Strings::load(assets_, lang)) {
      strings_ = std::move(*s);
      window_->set_ui_text(ui_text(strings_));
    }
  }
  window_->set_text_scale(snap.settings.text_scale);
}

void App::note_takeover_glyphs(const TakeoverConsole& c) {
  Window& w = *window_;
  for (const auto& u : c.units) {
    w.note_text(u.grid.name + u.department_name);
    for (const auto& n : u.cadres) w.note_text(n);
    for (const auto& n : u.workers) w.note_text(n);
  }
  for (const auto* list : {&c.active, &c.ended})
    for (const auto& t : *list) w.note_text(t.grid_name + t.department_name + t.reason + t.started_by + t.ended_by);
  for (const auto& r : c.responsibilities) w.note_text(r.user_name + r.grid_name);
}

void App::note_conflict_glyphs(const ConflictItem& c) {
  Window& w = *window_;
  w.note_text(c.record_label + c.grid_name + c.current + c.reason + c.resolved_value + c.resolved_by_name);
  for (const ConflictSide* s : {&c.base, &c.ours, &c.theirs}) w.note_text(s->value + s->author_name + s->device);
  for (const auto& [col, v] : c.patch_fields) w.note_text(v);
}

// Names and addresses come from data, and some lie outside the common set
// the atlas starts with: add what each new part of the snapshot needs.
void App::note_glyphs(const Snapshot& snap) {
  const std::vector<const void*> parts{snap.home.get(),   snap.catalog.get(),     snap.targets.get(),
                                       snap.cases.get(),  snap.case_detail.get(), snap.patrol.get(),
                                       snap.dispatch.get(), snap.kpi.get(),   snap.takeover.get(),
                                       snap.grid_map.get(), snap.conflicts.get(),  snap.conflict_record.get(),
                                       snap.history.get()};
  if (parts == seen_) return;
  Window& w = *window_;
  auto changed = [&](size_t i) { return parts[i] && (seen_.size() <= i || seen_[i] != parts[i]); };
  if (changed(0)) {
    for (const auto& g : snap.home->my_grids) w.note_text(g.name);
    for (const auto& a : snap.home->assignments) w.note_text(a.grid_name + a.task);
    for (const auto& c : snap.home->due_cases) w.note_text(c.title + c.grid_name);
    for (const auto& p : snap.home->problems) w.note_text(p.reason);
    for (const auto& n : snap.home->notices) w.note_text(n.words + n.grid_name + n.reason);
  }
  if (changed(1))
    for (const auto& g : snap.catalog->grids) w.note_text(g.name);
  if (changed(2))
    for (const auto& t : snap.targets->items) w.note_text(t.title + t.subtitle);
  if (changed(3))
    for (const auto& c : snap.cases->items) w.note_text(c.title + c.grid_name);
  if (changed(4)) {
    const CaseDetail& d = *snap.case_detail;
    w.note_text(d.item.title + d.item.grid_name + d.description + d.location + d.parties + d.department_name +
                d.assignee_name + d.reporter_name + d.resolution + d.caller_name);
    for (const auto& l : d.log) w.note_text(l.actor_name + l.note);
  }
  if (changed(5)) w.note_text(snap.patrol->grid_name + snap.patrol->notes);
  if (changed(6))
    for (const auto& d : snap.dispatch->items) w.note_text(d.item.title + d.item.grid_name);
  if (changed(7)) {
    for (const auto& r : snap.kpi->rows) w.note_text(r.label);
    w.note_text(snap.kpi->error + snap.kpi->exported_to);
  }
  if (changed(8)) note_takeover_glyphs(*snap.takeover);
  if (changed(9))
    for (const auto& g : snap.grid_map->grids) w.note_text(g.name);
  if (changed(10)) {
    for (const auto& c : snap.conflicts->items) note_conflict_glyphs(c);
    for (const auto& [device, n] : snap.conflicts->devices) w.note_text(device);
  }
  if (changed(11)) {
    const RecordConflicts& r = *snap.conflict_record;
    w.note_text(r.label + r.grid_name);
    for (const auto& fld : r.fields) w.note_text(fld.value);
    for (const auto& c : r.conflicts) note_conflict_glyphs(c);
  }
  if (changed(12))
    for (const auto& e : snap.history->entries) {
      w.note_text(e.author_name + e.device + e.reason);
      for (const auto& [col, v] : e.set) w.note_text(v);
    }
  w.note_text(snap.session.name + snap.session.error_detail + snap.sync.error);
  seen_ = parts;
}

void App::route(const Snapshot& snap) {
  if (forced_) return;
  const ScreenId top = stack_.back();
  const bool signed_out = was_signed_in_ && !snap.session.signed_in;
  was_signed_in_ = snap.session.signed_in;
  // Settings stay reachable before sign-in (to fix the server), not after sign-out.
  if (signed_out || (!snap.session.signed_in && top != ScreenId::login && top != ScreenId::settings)) {
    stack_ = {ScreenId::login};
    entered_ = false;
  } else if (snap.session.signed_in && top == ScreenId::login) {
    stack_ = {ScreenId::home};
    entered_ = false;
  }
}

void App::probe_state(Frame& f) {
  if (!probe_.active()) return;
  const Snapshot& s = f.snap;
  probe_.state("signed_in", s.session.signed_in ? "1" : "0");
  probe_.state("busy", s.session.busy ? "1" : "0");
  probe_.state("pending", std::to_string(s.sync.pending));
  probe_.state("problems", std::to_string(s.sync.problems));
  probe_.state("running", s.sync.running ? "1" : "0");
  probe_.state("last_sync_at", std::to_string(s.sync.last_sync_at));
  probe_.state("link", link_text(f, s.sync.link));
  probe_.state("text_input", ImGui::GetIO().WantTextInput ? "1" : "0");
  probe_.state("cases", s.cases ? std::to_string(s.cases->items.size()) : "-");
  probe_.state("photos_waiting", std::to_string(s.sync.photos_waiting));
  probe_.state("window", std::to_string(window_->x()) + " " + std::to_string(window_->y()) + " " +
                             std::to_string(window_->width()) + " " + std::to_string(window_->height()));
}

void App::draw(Frame& f) {
  Screen& screen = current();
  probe_.screen(screen_name(screen.id()));
  if (!entered_) {
    entered_ = true;
    screen_frames_ = 0;
    if (options_.verbose) std::fprintf(stderr, "gridwork: screen %s\n", std::string(screen_name(screen.id())).c_str());
    screen.enter(f);
  }
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  const int flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoBringToFrontOnFocus |
                    ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollWithMouse |
                    ImGuiWindowFlags_NoBackground;  // the clear colour is the background: one full-screen fill less
  ImGui::Begin("##root", nullptr, flags);
  const bool bar = f.snap.session.signed_in && screen.id() != ScreenId::login;
  if (bar) top_bar_.draw(f, strings_.tr(screen.title_key()), stack_.size() > 1);
  screen.draw(f);
  ImGui::End();
  ++screen_frames_;
  toasts_.draw(f);
}

void App::frame() {
  const Snapshot snap = core_->snapshot();
  apply_settings(snap);
  note_glyphs(snap);
  route(snap);
  const int64_t now = now_ms();
  for (const Notice& n : core_->take_notices()) {
    if (options_.verbose) std::fprintf(stderr, "gridwork: %s %s %s\n", n.error ? "error" : "notice", n.key.c_str(), n.detail.c_str());
    window_->note_text(n.detail);
    current().notice(n);
    toasts_.add(n, now);
  }
  if (snap.version != last_version_) last_input_ms_ = now;  // new data: draw it promptly
  last_version_ = snap.version;

  window_->begin_frame();
  probe_.begin_frame();
  textures_->begin_frame();
  const auto drag = window_->take_drag();
  Frame f{*core_, strings_, snap, probe_, *this, now, window_->ui_scale(), textures_.get(), window_->take_pinch(),
          &camera_desk_, &map_pick_, ImVec2(drag.first, drag.second)};
  draw(f);
  if (stack_.back() != ScreenId::camera) camera_->close();  // left by any way: back, home, sign-out, lock
  route_drops(f, window_->take_dropped());  // after draw: the screen has had enter()
  if (!forced_) push_cli_drop();
  probe_state(f);
  probe_.end_frame();
  window_->end_frame();
}

}  // namespace gw::client::ui
