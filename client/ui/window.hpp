// The window backend, the one place that knows SDL2, OpenGL and ImGui's
// backends: a port to Android or Windows replaces this class, not the screens.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/error.hpp"

struct SDL_Window;

namespace gw::client::ui {

struct WindowOptions {
  int width = 1280, height = 800;
  std::string title = "Gridwork";
  std::string font_path;   // empty: find_font()
  bool vsync = true;       // off for benchmarks and screenshots
  float text_scale = 1.0f; // the user's setting, 0.8 .. 1.6
};

class Window {
 public:
  static Result<std::unique_ptr<Window>> open(const WindowOptions& options);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // Feeds pending events to ImGui, waiting up to wait_ms for the first one
  // (0: never wait). False once the user closed the window.
  bool pump_events(int wait_ms);
  // Rebuilds the font atlas first when the scale or the needed glyphs changed.
  void begin_frame();
  // Draws, writes a requested screenshot, swaps.
  void end_frame();

  // Files dropped on the window since the last call (SDL_DROPFILE), in order.
  std::vector<std::string> take_dropped();
  // Two fingers spread (> 0) or closed since the last call: the sum of
  // SDL_MULTIGESTURE's dDist, a fraction of the touch surface's diagonal.
  float take_pinch();
  // How far the pointer moved with the left button (or a finger) down
  // since the last call, px: SDL_MOUSEMOTION's relative motion.
  std::pair<float, float> take_drag();
  // Queues a drop of `path` on this window as the desktop would (--drop):
  // it arrives through pump_events like a real one.
  void push_drop(const std::string& path);

  // Characters the UI's own words need (Strings::all_text()).
  void set_ui_text(std::string_view text);
  // Characters of data about to be drawn (names, addresses): added to the
  // atlas on the next frame when the common set lacks them.
  void note_text(std::string_view text);
  void set_text_scale(float scale);
  // Off for screenshots: wherever the X pointer rests must not hover anything.
  void set_pointer_enabled(bool on) { pointer_ = on; }

  // Written at the end of the next frame.
  void request_screenshot(std::string path);
  // The last screenshot's outcome; ok when none was asked for.
  const Status& screenshot_status() const { return shot_status_; }
  bool screenshot_pending() const { return !shot_path_.empty(); }

  int width() const { return width_; }
  int height() const { return height_; }
  int x() const;
  int y() const;
  // Pixels per design pixel: 1 at 800 px height.
  float ui_scale() const { return height_ / 800.0f; }
  float font_px() const { return font_px_; }
  bool atlas_rebuilt_last_frame() const { return atlas_rebuilt_; }
  // Where the last frame's time went, for the benchmark: GL drawing, swap.
  double last_gl_ms() const { return gl_ms_; }
  double last_swap_ms() const { return swap_ms_; }

  // The CJK font: options, assets/fonts, then Debian's fonts-wqy-microhei.
  static std::string find_font(const std::string& assets_dir);

 private:
  Window() = default;
  void build_atlas();
  void apply_style();
  void follow_text_input();
  Status write_png(const std::string& path);

  SDL_Window* window_ = nullptr;
  void* gl_ = nullptr;
  std::string font_path_;
  int width_ = 0, height_ = 0;
  float text_scale_ = 1.0f;
  float font_px_ = 24.0f;
  bool atlas_dirty_ = true;
  bool atlas_rebuilt_ = false;
  bool text_input_on_ = false;
  bool pointer_ = true;
  double gl_ms_ = 0, swap_ms_ = 0;
  std::string ui_text_;
  std::vector<bool> wanted_;  // code points asked for by note_text/set_ui_text
  std::vector<uint32_t> extra_;  // wanted code points beyond the common set
  std::vector<uint16_t> ranges_;  // the atlas's glyph ranges: ImGui keeps a pointer
  std::string shot_path_;
  Status shot_status_;
  std::vector<std::string> dropped_;
  float pinch_ = 0.0f;
  float drag_x_ = 0.0f, drag_y_ = 0.0f;
};

}  // namespace gw::client::ui
