// The app: owns the window, the core, the words and the screens; routes
// between screens with a stack; applies the settings (language, text size);
// runs interactively, or once for a screenshot or a benchmark.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "client/core/client_core.hpp"
#include "client/core/i18n.hpp"
#include "client/ui/cli.hpp"
#include "client/ui/photo_textures.hpp"
#include "client/ui/probe.hpp"
#include "client/ui/screen.hpp"
#include "client/ui/toasts.hpp"
#include "client/ui/top_bar.hpp"
#include "client/ui/window.hpp"

namespace gw::client::ui {

class CameraScreen;
class CasesScreen;
class GridMapScreen;
class TakeoverScreen;
class VisitScreen;

class App : public Nav {
 public:
  App(Options options, std::string assets_dir);
  ~App() override;
  // The process's exit code.
  int run();

  void go(ScreenId id) override;
  void back() override;
  void home() override;
  void go_cases(const CaseFilter& filter) override;
  void go_takeover(const std::string& unit_grid_id) override;

 private:
  Status open();
  int run_interactive();
  int run_screenshot();
  // --screen camera: the preview once the camera has sent a few frames.
  void settle_camera();
  int run_bench();
  Status bench_sign_in(ScreenId screen);
  // --bench-map: the map with every grid, 1,000 pins and a day's tracks.
  int run_bench_map();
  struct FrameTimes {
    std::vector<double> total, gl, swap;  // ms, sorted
  };
  FrameTimes time_frames(int n);
  void print_frame_times(const FrameTimes& t);
  Status sign_in_and_sync();
  Status prepare_screen(ScreenId id);
  void stage_takeover(ScreenId id);
  // Renders until the snapshot and the font atlas settle.
  void settle(int min_frames, int max_frames);
  int fail(const std::string& message);

  // One frame: snapshot, settings, notices, routing, drawing.
  void frame();
  void apply_settings(const Snapshot& snap);
  void note_glyphs(const Snapshot& snap);
  void note_takeover_glyphs(const TakeoverConsole& c);
  void note_conflict_glyphs(const ConflictItem& c);
  void route(const Snapshot& snap);
  void draw(Frame& f);
  void probe_state(Frame& f);
  // Files dropped on the window go to the screen that is up (Screen::drop).
  void route_drops(Frame& f, std::vector<std::string> files);
  // --drop in an interactive run: pushed once its screen has been up a few frames.
  void push_cli_drop();
  // The viewer goes: the core lets the picture go, its texture is freed.
  void leave_photo();
  Screen& current();
  int64_t now_ms() const;

  Options options_;
  std::string assets_;
  Strings strings_;
  std::unique_ptr<Window> window_;
  std::unique_ptr<ClientCore> core_;
  std::unique_ptr<PhotoTextures> textures_;  // needs the window's GL context: made after it, freed before it
  Probe probe_;
  Toasts toasts_;
  TopBar top_bar_;
  std::map<ScreenId, std::unique_ptr<Screen>> screens_;
  VisitScreen* visit_ = nullptr;
  CameraScreen* camera_ = nullptr;
  CameraDesk camera_desk_;
  MapPickDesk map_pick_;
  CasesScreen* cases_ = nullptr;
  TakeoverScreen* takeover_ = nullptr;
  GridMapScreen* map_ = nullptr;
  std::vector<ScreenId> stack_;
  bool entered_ = false;       // current() has had enter() since it came up
  int screen_frames_ = 0;      // frames drawn since current() came up
  std::string cli_drop_;       // --drop, not yet pushed
  bool forced_ = false;        // --screenshot: the screen stays whatever the session
  bool was_signed_in_ = false;
  std::string lang_override_;  // --lang of a screenshot or benchmark run
  std::vector<const void*> seen_;  // snapshot parts whose glyphs were noted
  uint64_t last_version_ = 0;
  int64_t last_input_ms_ = 0;
};

}  // namespace gw::client::ui
