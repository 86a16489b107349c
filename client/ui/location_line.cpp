#include "client/ui/location_line.hpp"

#include <cmath>
#include <cstdio>

#include "client/ui/widgets.hpp"

namespace gw::client::ui {

std::string fix_text(const Strings& s, const std::optional<geo::Fix>& fix) {
  if (!fix) return s.tr("loc.none");
  const std::string acc = std::to_string(static_cast<long>(std::lround(fix->accuracy_m)));
  if (fix->source == geo::FixSource::manual) return s.format("loc.manual", {acc});
  const geo::Accuracy g = geo::grade(fix->accuracy_m);
  const char* grade = g == geo::Accuracy::good ? "loc.good" : g == geo::Accuracy::poor ? "loc.poor" : "loc.fair";
  return s.format("loc.line", {acc, s.tr(grade)});
}

void LocationLine::take(Frame& f, std::optional<geo::Fix>* fix, bool follow_gps) {
  // A pin the map placed for this form, taken once.
  if (MapPickDesk* d = f.map_pick; d && d->placed && d->placed_for == prefix_) {
    *fix = d->placed;
    d->placed.reset();
    d->placed_for.clear();
    manual_ = true;
  }
  if (!manual_ && follow_gps) {
    const LocationView& loc = f.snap.location;
    if (loc.state == LocationView::State::fix) *fix = loc.fix;
    else fix->reset();
  }
  if (f.probe.active()) {
    char buf[96] = "-";
    if (*fix)
      std::snprintf(buf, sizeof buf, "%s %.6f %.6f %.1f", std::string(geo::source_name((*fix)->source)).c_str(),
                    (*fix)->at_point.lon, (*fix)->at_point.lat, (*fix)->accuracy_m);
    f.probe.state(prefix_ + ".fix", buf);
  }
}

void LocationLine::status(Frame& f, const std::optional<geo::Fix>& fix, bool follow_gps) {
  const ImVec4 color = !fix                                                 ? kMutedText
                       : fix->source == geo::FixSource::manual              ? kTitleText
                       : geo::grade(fix->accuracy_m) == geo::Accuracy::good ? kGreenText
                       : geo::grade(fix->accuracy_m) == geo::Accuracy::poor ? kRedText
                                                                            : kMutedText;
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextUnformatted(fix_text(f.s, fix).c_str());
  ImGui::PopStyleColor();
  if (manual_ && follow_gps) {
    const std::string gps = f.s.tr("loc.use_gps");
    ImGui::SameLine();
    if (button(f, prefix_ + ".loc.gps", gps)) manual_ = false;
  }
}

float LocationLine::pick_width(Frame& f) {
  return ImGui::CalcTextSize(f.s.c("loc.pick")).x + ImGui::GetStyle().FramePadding.x * 2;
}

void LocationLine::pick_button(Frame& f, const std::optional<geo::Fix>& fix, ImVec2 size) {
  if (button(f, prefix_ + ".loc.pick", f.s.tr("loc.pick"), size) && f.map_pick) {
    f.map_pick->asked_by = prefix_;
    f.map_pick->start = fix;
    f.nav.go(ScreenId::map);
  }
}

void LocationLine::draw(Frame& f, std::optional<geo::Fix>* fix, bool follow_gps) {
  take(f, fix, follow_gps);
  ImGui::AlignTextToFramePadding();
  status(f, *fix, follow_gps);
  ImGui::SameLine();
  pick_button(f, *fix);
}

}  // namespace gw::client::ui
