#include "client/ui/top_bar.hpp"

#include "client/ui/widgets.hpp"

namespace gw::client::ui {

std::string link_text(const Frame& f, Link l) {
  switch (l) {
    case Link::online: return f.s.tr("link.online");
    case Link::offline: return f.s.tr("link.offline");
    case Link::unknown: return f.s.tr("link.unknown");
  }
  return {};
}

void TopBar::draw(Frame& f, const std::string& title, bool can_back) {
  const SyncView& sync = f.snap.sync;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, kTopBarBg);
  ImGui::BeginChild("##topbar", ImVec2(0, height(f.scale)), true, ImGuiWindowFlags_NoScrollbar);
  const float y = (height(f.scale) - ImGui::GetFrameHeight()) * 0.5f;
  ImGui::SetCursorPosY(y);
  // At the root (home, or settings before sign-in) there is nowhere to go.
  if (can_back) {
    if (button(f, "top.back", "< " + f.s.tr("nav.back"))) f.nav.back();
    ImGui::SameLine();
    if (button(f, "top.home", f.s.tr("nav.home"))) f.nav.home();
    ImGui::SameLine();
  } else {
    ImGui::AlignTextToFramePadding();
  }
  ImGui::TextUnformatted(title.c_str());  // SameLine keeps it on the buttons' baseline

  // Right side, laid out from the right edge.
  const std::string link = link_text(f, sync.link);
  const std::string pending = f.s.format("sync.pending_n", {count_text(sync.pending)});
  // Pictures go up after the records, so a tablet can be all synced but for
  // them: said apart, only while there are some.
  const std::string photos =
      sync.photos_waiting > 0 ? f.s.format("sync.photos_waiting_n", {count_text(sync.photos_waiting)}) : std::string();
  const std::string sync_label = sync.running ? f.s.tr("sync.running") : f.s.tr("sync.now");
  const ImGuiStyle& st = ImGui::GetStyle();
  const float sync_w = ImGui::CalcTextSize(sync_label.c_str()).x + st.FramePadding.x * 2;
  const float right = ImGui::GetWindowContentRegionMax().x;
  const float info_w = ImGui::GetTextLineHeight() + ImGui::CalcTextSize(link.c_str()).x +
                       ImGui::CalcTextSize(pending.c_str()).x + st.ItemSpacing.x * 3 +
                       (photos.empty() ? 0.0f : ImGui::CalcTextSize(photos.c_str()).x + st.ItemSpacing.x);
  ImGui::SameLine(right - sync_w - info_w);
  dot(link_color(sync.link));
  ImGui::SameLine();
  ImGui::TextUnformatted(link.c_str());
  ImGui::SameLine();
  if (sync.pending > 0)
    ImGui::TextColored(kPendingText, "%s", pending.c_str());
  else
    ImGui::TextUnformatted(pending.c_str());
  if (!photos.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(kPendingText, "%s", photos.c_str());  // a label, not a target: the probe's state has it
  }
  ImGui::SameLine(right - sync_w);
  ImGui::BeginDisabled(sync.running);
  if (primary_button(f, "top.sync", sync_label)) f.core.sync_now();
  ImGui::EndDisabled();
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

}  // namespace gw::client::ui
