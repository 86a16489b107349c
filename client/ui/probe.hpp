// The UI probe: with GRIDWORK_UI_PROBE=FILE set, each frame's named widgets
// and their rectangles (window pixels), the screen's name and a few state
// lines go to FILE, rewritten atomically when they change. Tests read it to
// know where to click; nothing else depends on it.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace gw::client::ui {

class Probe {
 public:
  // Reads GRIDWORK_UI_PROBE; inactive when unset.
  Probe();
  explicit Probe(std::string path) : path_(std::move(path)) {}
  bool active() const { return !path_.empty(); }

  void begin_frame();
  void screen(std::string_view name);
  void state(std::string_view key, std::string value);
  // clipped: only part of it shows (a row half scrolled out); the line then
  // ends in "clipped", and the rectangle is the visible part.
  void widget(std::string_view id, float x, float y, float w, float h, bool clipped = false);
  // Writes the file when this frame's content differs from the last written.
  void end_frame();

 private:
  std::string path_;
  std::string screen_;
  std::map<std::string, std::string, std::less<>> lines_;
  std::string written_;
};

}  // namespace gw::client::ui
