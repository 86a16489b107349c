#include "client/ui/screens/case_draft.hpp"

#include "client/ui/widgets.hpp"
#include "shared/categories.hpp"

namespace gw::client::ui {
namespace {

constexpr const char* kSeverities[] = {"low", "normal", "high", "urgent"};

}  // namespace

void CaseDraftEditor::reset(std::string source) {
  draft_ = NewCase{};
  draft_.source = std::move(source);
  major_.clear();
  problem_key_.clear();
  picker_.close();
  location_.reset();
  grid_chosen_ = false;
}

void CaseDraftEditor::grid_from_fix(Frame& f, const Catalog& cat) {
  const GridIndex* index = f.snap.grid_index.get();
  if (!draft_.fix || !index) return;
  const geo::LonLat at = draft_.fix->at_point;
  bool suggested = false;
  if (const GridIndex::Entry* e = index->grid_at(at); e && !grid_chosen_)
    for (const GridItem& g : cat.grids)
      if (g.id == e->id) {
        draft_.grid_id = g.id;
        suggested = true;
      }
  if (suggested) muted(f.s.tr("loc.grid_suggested"));
  bool has_mine = false, inside = false;
  for (const GridItem& g : cat.grids) {
    if (!g.mine) continue;
    has_mine = true;
    inside = inside || index->contains(g.id, at);
  }
  if (has_mine && !inside) error_text(f.s.tr("loc.outside"));
  f.probe.state(prefix_ + ".outside", has_mine && !inside ? "1" : "0");
}

void CaseDraftEditor::where_and_what(Frame& f, const Catalog& cat) {
  if (draft_.grid_id.empty() && !cat.grids.empty()) draft_.grid_id = cat.grids.front().id;  // held grids come first
  ImGui::TextUnformatted(f.s.c("case_form.grid"));
  std::vector<std::pair<std::string, std::string>> grids;
  for (const GridItem& g : cat.grids) grids.emplace_back(g.id, g.name + "  " + g.code);
  if (combo(f, id("grid"), grids, &draft_.grid_id)) grid_chosen_ = true;
  grid_from_fix(f, cat);

  ImGui::TextUnformatted(f.s.c("case_form.category"));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  int column = 0;
  for (const MajorClass& m : major_classes()) {
    if (column++ % 2) ImGui::SameLine();
    if (toggle_button(f, id("major." + std::string(m.code)), major_name(f, m.code), major_ == m.code, ImVec2(w, 0)))
      major_ = std::string(m.code);
  }
  if (major_.empty()) return;
  ImGui::Separator();
  column = 0;
  for (const CategoryItem& c : cat.categories) {
    if (c.major != major_) continue;
    if (column++ % 2) ImGui::SameLine();
    const std::string& name = f.s.lang() == "en" ? c.name_en : c.name_zh;
    if (toggle_button(f, id("category." + c.code), name, draft_.category == c.code, ImVec2(w, 0)))
      draft_.category = c.code;
  }
}

void CaseDraftEditor::details(Frame& f, bool with_parties) {
  ImGui::TextUnformatted(f.s.c("case_form.severity"));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * 3) / 4.0f;
  for (size_t i = 0; i < std::size(kSeverities); ++i) {
    if (i) ImGui::SameLine();
    const std::string s = kSeverities[i];
    if (toggle_button(f, id("severity." + s), f.s.tr("severity." + s), draft_.severity == s, ImVec2(w, 0)))
      draft_.severity = s;
  }
  ImGui::TextUnformatted(f.s.c("case_form.case_title"));
  input_text(f, id("title"), f.s.tr("case_form.title_hint"), &draft_.title);
  if (with_parties) {
    ImGui::TextUnformatted(f.s.c("case_form.parties"));
    input_text(f, id("parties"), f.s.tr("case_form.parties_hint"), &draft_.parties);
  }
  // The fix on the label's line and 在地图上标注 beside the words: no row
  // more, so the photos stay in view. A hotline call is about somewhere
  // else than where the tablet is: its pin only ever comes from the map.
  const bool follow_gps = draft_.source != "hotline";
  location_.take(f, &draft_.fix, follow_gps);
  ImGui::TextUnformatted(f.s.c("case_form.location"));
  ImGui::SameLine();
  location_.status(f, draft_.fix, follow_gps);
  const float pick_w = LocationLine::pick_width(f);
  input_text(f, id("location"), f.s.tr("case_form.location_hint"), &draft_.location, 0,
             ImGui::GetContentRegionAvail().x - pick_w - ImGui::GetStyle().ItemSpacing.x);
  ImGui::SameLine();
  location_.pick_button(f, draft_.fix, ImVec2(pick_w, 0));
  ImGui::TextUnformatted(f.s.c("case_form.description"));
  input_multiline(f, id("description"), &draft_.description, ImGui::GetTextLineHeight() * 4);
  ImGui::TextUnformatted(f.s.c("photos.report_label"));
  picker_.draw(f, &draft_.photos);
}

std::string CaseDraftEditor::missing_key() const {
  if (draft_.grid_id.empty()) return "case_form.need_grid";
  if (draft_.category.empty()) return "case_form.need_category";
  if (draft_.title.find_first_not_of(' ') == std::string::npos) return "case_form.need_title";
  return {};
}

bool CaseDraftEditor::draw(Frame& f, const Catalog& cat, const std::function<void()>& top, bool with_parties,
                           const std::string& save_label) {
  const float footer = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y * 2;
  const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  begin_panel(("##where." + prefix_).c_str(), ImVec2(half, -footer));
  where_and_what(f, cat);
  end_panel();
  ImGui::SameLine();
  begin_panel(("##details." + prefix_).c_str(), ImVec2(0, -footer));
  if (top) top();
  details(f, with_parties);
  end_panel();
  if (!problem_key_.empty()) {
    error_text(f.s.tr(problem_key_));
    ImGui::SameLine();
  }
  const float save_w = 320.0f * f.scale;
  ImGui::SetCursorPosX(ImGui::GetContentRegionMax().x - save_w);
  if (!primary_button(f, id("save"), save_label, ImVec2(save_w, 0))) return false;
  problem_key_ = missing_key();
  return problem_key_.empty();
}

}  // namespace gw::client::ui
