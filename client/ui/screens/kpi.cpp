#include "client/ui/screens/kpi.hpp"

#include <map>

#include "client/ui/widgets.hpp"
#include "shared/workflow.hpp"

namespace gw::client::ui {
namespace {

void tile(Frame& f, const char* id, const std::string& label, const std::string& value, ImU32 color, float w) {
  ImGui::BeginChild(id, ImVec2(w, ImGui::GetTextLineHeight() * 4.2f), true, ImGuiWindowFlags_NoScrollbar);
  muted(label);
  ImGui::SetWindowFontScale(1.6f);
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextUnformatted(value.c_str());
  ImGui::PopStyleColor();
  ImGui::SetWindowFontScale(1.0f);
  ImGui::EndChild();
  probe_item(f, id);
}

}  // namespace

// All cases, not only open ones: the closed share is a figure here.
void KpiScreen::enter(Frame& f) { f.core.list_cases(CaseFilter{}); }

void KpiScreen::draw(Frame& f) {
  const HomeView* home = f.snap.home.get();
  const CaseList* list = f.snap.cases.get();
  int64_t open = 0, overdue = 0, closed = 0, disputes = 0;
  int64_t lights[3] = {0, 0, 0};
  std::map<std::string, int64_t> by_status;
  if (list) {
    for (const CaseItem& c : list->items) {
      const bool is_open = case_is_open(c.status);
      open += is_open;
      overdue += is_open && c.overdue;
      closed += c.status == "closed" || c.status == "evaluated";
      disputes += c.category.rfind("03", 0) == 0;
      if (is_open) lights[static_cast<int>(c.light)]++;
      by_status[c.status]++;
    }
  }
  muted(f.s.tr("kpi.note"));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * 3) / 4.0f;
  tile(f, "kpi.patrols", f.s.tr("home.patrols_today"), home ? count_text(home->patrols_today) : "—", kGrey, w);
  ImGui::SameLine();
  tile(f, "kpi.visits", f.s.tr("home.visits_today"), home ? count_text(home->visits_today) : "—", kGrey, w);
  ImGui::SameLine();
  tile(f, "kpi.open", f.s.tr("kpi.open"), count_text(open), IM_COL32(33, 107, 209, 255), w);
  ImGui::SameLine();
  tile(f, "kpi.overdue", f.s.tr("kpi.overdue"), count_text(overdue), overdue ? kRed : kGreen, w);
  const int64_t total = list ? static_cast<int64_t>(list->items.size()) : 0;
  tile(f, "kpi.total", f.s.tr("kpi.total"), count_text(total), kGrey, w);
  ImGui::SameLine();
  tile(f, "kpi.closed", f.s.tr("kpi.closed"), count_text(closed), kGreen, w);
  ImGui::SameLine();
  tile(f, "kpi.closed_rate", f.s.tr("kpi.closed_rate"),
       total ? std::to_string(closed * 100 / total) + "%" : "—", kGreen, w);
  ImGui::SameLine();
  tile(f, "kpi.disputes", f.s.tr("kpi.disputes"), count_text(disputes), kGrey, w);

  heading(f.s.tr("kpi.lights"));
  const ImU32 colors[3] = {kGreen, kYellow, kRed};
  const char* keys[3] = {"light.green", "light.yellow", "light.red"};
  for (int i = 0; i < 3; ++i) {
    if (i) ImGui::SameLine(0, 40 * f.scale);
    dot(colors[i]);
    ImGui::SameLine();
    ImGui::Text("%s %lld", f.s.c(keys[i]), static_cast<long long>(lights[i]));
  }
  heading(f.s.tr("kpi.by_status"));
  for (auto s : kCaseStatusNames) {
    auto it = by_status.find(std::string(s));
    if (it == by_status.end()) continue;
    ImGui::BulletText("%s: %lld", status_name(f, s).c_str(), static_cast<long long>(it->second));
  }
}

}  // namespace gw::client::ui
