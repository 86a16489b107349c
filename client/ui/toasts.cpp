#include "client/ui/toasts.hpp"

#include "client/ui/widgets.hpp"

namespace gw::client::ui {

void Toasts::add(const Notice& n, int64_t now_ms) {
  items_.push_back({n, now_ms + (n.error ? 8000 : 4000)});
  while (items_.size() > 4) items_.pop_front();  // a burst must not cover the screen
}

void Toasts::draw(Frame& f) {
  while (!items_.empty() && items_.front().until_ms <= f.now_ms) items_.pop_front();
  if (items_.empty()) return;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float width = std::min(display.x * 0.8f, 900.0f * f.scale);
  ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y - 24.0f * f.scale), ImGuiCond_Always, ImVec2(0.5f, 1.0f));
  ImGui::SetNextWindowSize(ImVec2(width, 0.0f));
  ImGui::SetNextWindowBgAlpha(0.95f);
  const int flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoFocusOnAppearing |
                    ImGuiWindowFlags_NoNav | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings;
  ImGui::PushStyleColor(ImGuiCol_WindowBg, kToastBg);
  if (ImGui::Begin("##toasts", nullptr, flags)) {
    for (const Item& it : items_) {
      // The detail in its place when the words have one ("{0} 项"), else after them.
      std::string text = f.s.tr(it.notice.key);
      if (text.find("{0}") != std::string::npos)
        text = f.s.format(it.notice.key, {it.notice.detail});
      else if (!it.notice.detail.empty())
        text += " — " + it.notice.detail;
      ImGui::PushStyleColor(ImGuiCol_Text, it.notice.error ? kToastErrorText : kTextOnFill);
      ImGui::TextWrapped("%s", text.c_str());
      ImGui::PopStyleColor();
    }
  }
  ImGui::End();
  ImGui::PopStyleColor();
  f.probe.state("toasts", std::to_string(items_.size()));
}

}  // namespace gw::client::ui
