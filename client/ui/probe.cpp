#include "client/ui/probe.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace gw::client::ui {

Probe::Probe() {
  if (const char* p = std::getenv("GRIDWORK_UI_PROBE"); p && *p) path_ = p;
}

void Probe::begin_frame() {
  screen_.clear();
  lines_.clear();
}

void Probe::screen(std::string_view name) { screen_.assign(name); }

void Probe::state(std::string_view key, std::string value) {
  if (active()) lines_["state " + std::string(key)] = std::move(value);
}

void Probe::widget(std::string_view id, float x, float y, float w, float h, bool clipped) {
  if (!active()) return;
  auto i = [](float v) { return std::to_string(static_cast<long>(std::lround(v))); };
  lines_[std::string(id)] = i(x) + " " + i(y) + " " + i(w) + " " + i(h) + (clipped ? " clipped" : "");
}

void Probe::end_frame() {
  if (!active()) return;
  std::string text = "screen " + screen_ + "\n";
  for (const auto& [key, value] : lines_) text += key + " " + value + "\n";
  if (text == written_) return;
  // Readers must never see half a file: write aside, then rename over.
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return;
  }
  if (std::rename(tmp.c_str(), path_.c_str()) == 0) written_ = std::move(text);
}

}  // namespace gw::client::ui
