#include "client/ui/screens/cases.hpp"

#include "client/ui/screens/home.hpp"
#include "client/ui/widgets.hpp"
#include "shared/categories.hpp"
#include "shared/workflow.hpp"

namespace gw::client::ui {

void CasesScreen::enter(Frame& f) { f.core.list_cases(filter_); }

bool CasesScreen::filters(Frame& f) {
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * 2) / 3.0f;
  std::vector<std::pair<std::string, std::string>> statuses{{"", f.s.tr("cases.all_statuses")},
                                                            {"open", f.s.tr("cases.open")}};
  for (auto s : kCaseStatusNames) statuses.emplace_back(std::string(s), status_name(f, s));
  bool changed = combo(f, "cases.status", statuses, &filter_.status, w);

  std::vector<std::pair<std::string, std::string>> grids{{"", f.s.tr("cases.all_grids")}};
  if (const Catalog* cat = f.snap.catalog.get())
    for (const GridItem& g : cat->grids) grids.emplace_back(g.id, g.name);
  ImGui::SameLine();
  changed |= combo(f, "cases.grid", grids, &filter_.grid_id, w);

  std::vector<std::pair<std::string, std::string>> majors{{"", f.s.tr("cases.all_categories")}};
  for (const MajorClass& m : major_classes()) majors.emplace_back(std::string(m.code), major_name(f, m.code));
  ImGui::SameLine();
  changed |= combo(f, "cases.category", majors, &filter_.category, w);

  changed |= checkbox(f, "cases.overdue", f.s.tr("cases.overdue_only"), &filter_.overdue_only);
  ImGui::SameLine(0, 32 * f.scale);
  changed |= checkbox(f, "cases.disputes", f.s.tr("cases.disputes_only"), &filter_.disputes_only);
  return changed;
}

void CasesScreen::draw(Frame& f) {
  if (filters(f)) f.core.list_cases(filter_);
  const std::string new_label = f.s.tr("home.new_case");
  const float new_w = ImGui::CalcTextSize(new_label.c_str()).x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SameLine(ImGui::GetContentRegionMax().x - new_w);
  if (primary_button(f, "cases.new", new_label)) f.nav.go(ScreenId::case_new);

  const CaseList* list = f.snap.cases.get();
  if (!list) {
    muted(f.s.tr("common.loading"));
    return;
  }
  muted(f.s.format("cases.count_n", {count_text(static_cast<int64_t>(list->items.size()))}));
  if (list->items.empty()) muted(f.s.tr("cases.none"));
  case_list(f, "##case_list", "cases.row.", list->items.size(),
            [&](size_t i) -> const CaseItem& { return list->items[i]; });
}

}  // namespace gw::client::ui
