#include "client/ui/screens/takeover.hpp"

#include "client/ui/widgets.hpp"

namespace gw::client::ui {

void TakeoverScreen::draw(Frame& f) {
  const Catalog* cat = f.snap.catalog.get();
  muted(f.s.tr("takeover.note"));
  if (!cat) return;
  int under = 0;
  for (const GridItem& g : cat->grids) under += g.mode == "takeover";
  heading(f.s.format("takeover.count_n", {std::to_string(under), std::to_string(cat->grids.size())}));
  begin_panel("##takeover_grids", ImVec2(0, 0));
  if (ImGui::BeginTable("##grids", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH)) {
    ImGui::TableSetupColumn(f.s.c("takeover.grid"), ImGuiTableColumnFlags_WidthStretch, 3.0f);
    ImGui::TableSetupColumn(f.s.c("takeover.code"), ImGuiTableColumnFlags_WidthStretch, 2.0f);
    ImGui::TableSetupColumn(f.s.c("takeover.kind"), ImGuiTableColumnFlags_WidthStretch, 1.2f);
    ImGui::TableSetupColumn(f.s.c("takeover.mode"), ImGuiTableColumnFlags_WidthStretch, 1.5f);
    ImGui::TableHeadersRow();
    for (const GridItem& g : cat->grids) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Indent(static_cast<float>(g.level - 1) * 20.0f * f.scale);  // the hierarchy at a glance
      ImGui::TextUnformatted(g.name.c_str());
      ImGui::Unindent(static_cast<float>(g.level - 1) * 20.0f * f.scale);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(g.code.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(f.s.c("kind." + g.kind));
      ImGui::TableNextColumn();
      dot(g.mode == "takeover" ? kRed : kGreen);
      ImGui::SameLine();
      ImGui::TextUnformatted(f.s.c("mode." + (g.mode.empty() ? std::string("normal") : g.mode)));
    }
    ImGui::EndTable();
  }
  end_panel();
}

}  // namespace gw::client::ui
