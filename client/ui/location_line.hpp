// The location line of a form (issue 23): where the record will say it
// was made — the tablet's fix with its accuracy and grade (定位 ±6 m 良好),
// a pin placed on the map (地图标注), or 无定位, never a blocked form — and
// 在地图上标注, which opens the map in pick mode and brings the pin back
// here with what was typed kept.
#pragma once

#include <optional>
#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

// "定位 ±6 m 良好", "地图标注 ±2 m", "无定位" in the current language.
std::string fix_text(const Strings& s, const std::optional<geo::Fix>& fix);

class LocationLine {
 public:
  // Probe ids: PREFIX.loc.pick, PREFIX.loc.gps; the probe's state PREFIX.fix.
  explicit LocationLine(std::string prefix) : prefix_(std::move(prefix)) {}
  // Follows the tablet's fix again, a placed pin forgotten.
  void reset() { manual_ = false; }
  // The whole line: what the fix is, 在地图上标注, and 使用当前定位 when a
  // pin placed by hand stands in for the receiver.
  void draw(Frame& f, std::optional<geo::Fix>* fix, bool follow_gps);
  // Its parts, for a form that fits them into rows it has already:
  // *fix becomes a pin the map brought back, else (when follow_gps) the
  // tablet's fix or none; the words, coloured by the grade; the buttons.
  void take(Frame& f, std::optional<geo::Fix>* fix, bool follow_gps);
  void status(Frame& f, const std::optional<geo::Fix>& fix, bool follow_gps);
  void pick_button(Frame& f, const std::optional<geo::Fix>& fix, ImVec2 size = {});
  // The width pick_button takes at its natural size.
  static float pick_width(Frame& f);

 private:
  std::string prefix_;
  bool manual_ = false;  // *fix is a pin placed by hand: the receiver no longer moves it
};

}  // namespace gw::client::ui
