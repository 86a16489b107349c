#include "client/ui/screens/case_form.hpp"

#include "client/ui/widgets.hpp"
#include "shared/categories.hpp"

namespace gw::client::ui {
namespace {

constexpr const char* kSeverities[] = {"low", "normal", "high", "urgent"};

}  // namespace

void CaseFormScreen::enter(Frame&) {
  draft_ = NewCase{};
  major_.clear();
  problem_key_.clear();
}

void CaseFormScreen::where_and_what(Frame& f, const Catalog& cat) {
  if (draft_.grid_id.empty() && !cat.grids.empty()) draft_.grid_id = cat.grids.front().id;  // held grids come first
  ImGui::TextUnformatted(f.s.c("case_form.grid"));
  std::vector<std::pair<std::string, std::string>> grids;
  for (const GridItem& g : cat.grids) grids.emplace_back(g.id, g.name + "  " + g.code);
  combo(f, "case_form.grid", grids, &draft_.grid_id);

  ImGui::TextUnformatted(f.s.c("case_form.category"));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  int column = 0;
  for (const MajorClass& m : major_classes()) {
    if (column++ % 2) ImGui::SameLine();
    if (toggle_button(f, "case_form.major." + std::string(m.code), major_name(f, m.code), major_ == m.code, ImVec2(w, 0)))
      major_ = std::string(m.code);
  }
  if (major_.empty()) return;
  ImGui::Separator();
  column = 0;
  for (const CategoryItem& c : cat.categories) {
    if (c.major != major_) continue;
    if (column++ % 2) ImGui::SameLine();
    const std::string& name = f.s.lang() == "en" ? c.name_en : c.name_zh;
    if (toggle_button(f, "case_form.category." + c.code, name, draft_.category == c.code, ImVec2(w, 0)))
      draft_.category = c.code;
  }
}

void CaseFormScreen::details(Frame& f) {
  ImGui::TextUnformatted(f.s.c("case_form.severity"));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * 3) / 4.0f;
  for (size_t i = 0; i < std::size(kSeverities); ++i) {
    if (i) ImGui::SameLine();
    const std::string s = kSeverities[i];
    if (toggle_button(f, "case_form.severity." + s, f.s.tr("severity." + s), draft_.severity == s, ImVec2(w, 0)))
      draft_.severity = s;
  }
  ImGui::TextUnformatted(f.s.c("case_form.case_title"));
  input_text(f, "case_form.title", f.s.tr("case_form.title_hint"), &draft_.title);
  ImGui::TextUnformatted(f.s.c("case_form.parties"));
  input_text(f, "case_form.parties", f.s.tr("case_form.parties_hint"), &draft_.parties);
  ImGui::TextUnformatted(f.s.c("case_form.location"));
  input_text(f, "case_form.location", f.s.tr("case_form.location_hint"), &draft_.location);
  ImGui::TextUnformatted(f.s.c("case_form.description"));
  input_multiline(f, "case_form.description", &draft_.description, ImGui::GetTextLineHeight() * 4);
}

bool CaseFormScreen::valid(Frame&) {
  if (draft_.grid_id.empty()) problem_key_ = "case_form.need_grid";
  else if (draft_.category.empty()) problem_key_ = "case_form.need_category";
  else if (draft_.title.empty()) problem_key_ = "case_form.need_title";
  else problem_key_.clear();
  return problem_key_.empty();
}

void CaseFormScreen::save(Frame& f) {
  if (!valid(f)) return;
  f.core.create_case(draft_);
  // The outcome comes back as a notice; the list shows the case at once.
  f.nav.back();
}

void CaseFormScreen::draw(Frame& f) {
  const Catalog* cat = f.snap.catalog.get();
  if (!cat) {
    muted(f.s.tr("common.loading"));
    return;
  }
  const float footer = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y * 2;
  const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  begin_panel("##case_where", ImVec2(half, -footer));
  where_and_what(f, *cat);
  end_panel();
  ImGui::SameLine();
  begin_panel("##case_details", ImVec2(0, -footer));
  details(f);
  end_panel();
  if (!problem_key_.empty()) {
    error_text(f.s.tr(problem_key_));
    ImGui::SameLine();
  }
  const float save_w = 320.0f * f.scale;
  ImGui::SetCursorPosX(ImGui::GetContentRegionMax().x - save_w);
  if (primary_button(f, "case_form.save", f.s.tr("case_form.save"), ImVec2(save_w, 0))) save(f);
}

}  // namespace gw::client::ui
