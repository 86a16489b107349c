#include "client/ui/screens/patrol.hpp"

#include <utility>

#include "client/ui/widgets.hpp"
#include "shared/tuning.hpp"

namespace gw::client::ui {

const ChecklistEntry* open_finding(const PatrolView& p) {
  for (auto e = p.checklist.rbegin(); e != p.checklist.rend(); ++e)
    if (e->mark == CheckMark::problem && e->case_id.empty()) return &*e;
  return nullptr;
}

void PatrolScreen::enter(Frame&) {
  if (std::exchange(viewing_, false)) return;  // back from a picture
  // finding_photos_ stay: a report's case may come back while another screen is up.
  for (auto& [item, picker] : pickers_) picker.close();
  notes_.clear();
  patrol_notes_.clear();
  ended_id_.clear();
}

void PatrolScreen::draw(Frame& f) {
  const PatrolView* p = f.snap.patrol.get();
  if (p && p->id == notes_for_) send_finding_photos(f, *p);
  if (p && p->status == "active") {
    checklist(f, *p);
  } else if (p && p->status == "done" && p->id == ended_id_) {
    summary(f, *p);
  } else {
    picker(f);
  }
}

void PatrolScreen::picker(Frame& f) {
  const Catalog* cat = f.snap.catalog.get();
  const HomeView* home = f.snap.home.get();
  heading(f.s.tr("patrol.pick_grid"));
  if (home && !home->active_patrol_id.empty()) {
    if (primary_button(f, "patrol.continue", f.s.tr("home.continue_patrol"))) f.core.open_patrol(home->active_patrol_id);
  }
  if (!cat || cat->grids.empty()) {
    muted(f.s.tr("patrol.no_grids"));
    return;
  }
  if (grid_id_.empty()) grid_id_ = cat->grids.front().id;
  const float footer = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y * 2;
  begin_panel("##grids", ImVec2(0, -footer));
  const float line = ImGui::GetTextLineHeight();
  for (size_t i = 0; i < cat->grids.size(); ++i) {
    const GridItem& g = cat->grids[i];
    const ImVec2 top = ImGui::GetCursorScreenPos();
    if (list_row(f, "patrol.grid." + std::to_string(i), g.id == grid_id_, ImVec2(0, line * 1.8f))) grid_id_ = g.id;
    std::string text = g.name + "   " + f.s.tr("kind." + g.kind) + "   " + g.code;
    if (g.mine) text += "   " + f.s.tr("patrol.mine");
    ImGui::GetWindowDrawList()->AddText(ImVec2(top.x + 8 * f.scale, top.y + line * 0.4f),
                                        ImGui::GetColorU32(ImGuiCol_Text), text.c_str());
  }
  end_panel();
  if (primary_button(f, "patrol.start", f.s.tr("patrol.start"), ImVec2(-1, 0))) f.core.start_patrol(grid_id_);
}

void PatrolScreen::entry_row(Frame& f, const PatrolView& p, const ChecklistEntry& e, size_t index) {
  ImGui::PushID(static_cast<int>(index));
  const std::string k = e.item;
  auto [it, fresh] = notes_.try_emplace(k, e.note);
  std::string& note = it->second;
  dot(e.mark == CheckMark::ok ? kGreen : e.mark == CheckMark::problem ? kRed : kGrey);
  ImGui::SameLine();
  ImGui::TextUnformatted(f.s.c("check." + k));
  const float buttons_w = 420.0f * f.scale;
  ImGui::SameLine(ImGui::GetContentRegionMax().x - buttons_w);
  if (toggle_button(f, "patrol.ok." + k, f.s.tr("patrol.ok"), e.mark == CheckMark::ok, ImVec2(130 * f.scale, 0)))
    f.core.mark_check(p.id, k, CheckMark::ok, note);
  ImGui::SameLine();
  if (toggle_button(f, "patrol.problem." + k, f.s.tr("patrol.problem"), e.mark == CheckMark::problem,
                    ImVec2(130 * f.scale, 0)))
    f.core.mark_check(p.id, k, CheckMark::problem, note);
  ImGui::SameLine();
  if (e.mark == CheckMark::problem && e.case_id.empty()) {
    if (danger_button(f, "patrol.report." + k, f.s.tr("patrol.report"), ImVec2(-1, 0)))
      f.core.report_finding(p.id, k, note);
  } else if (!e.case_id.empty()) {
    ImGui::TextColored(kGreenText, "%s", f.s.c("patrol.reported"));
  } else {
    ImGui::NewLine();
  }
  input_text(f, "patrol.note." + k, f.s.tr("patrol.note_hint"), &note);
  if (ImGui::IsItemDeactivatedAfterEdit()) f.core.mark_check(p.id, k, e.mark, note);
  if (e.mark == CheckMark::problem && e.case_id.empty()) finding_photos(f, k);
  ImGui::Separator();
  ImGui::PopID();
}

void PatrolScreen::checklist(Frame& f, const PatrolView& p) {
  if (notes_for_ != p.id) {  // another patrol: its notes come from the snapshot
    notes_.clear();
    patrol_notes_.clear();
    finding_photos_.clear();
    pickers_.clear();
    notes_for_ = p.id;
  }
  ImGui::TextUnformatted((p.grid_name + "  ·  " + f.s.tr("kind." + p.grid_kind)).c_str());
  ImGui::SameLine();
  muted(f.s.tr("patrol.started") + " " + clock_time(p.started_at) + "  ·  " +
        f.s.format("patrol.findings_n", {std::to_string(p.findings)}));
  const float footer = ImGui::GetFrameHeightWithSpacing() * 1 + ImGui::GetStyle().ItemSpacing.y * 2;
  begin_panel("##checklist", ImVec2(0, -footer));
  for (size_t i = 0; i < p.checklist.size(); ++i) entry_row(f, p, p.checklist[i], i);
  patrol_photos(f, p);
  end_panel();
  const float end_w = 220.0f * f.scale, check_w = 160.0f * f.scale;
  input_text(f, "patrol.notes", f.s.tr("patrol.notes_hint"), &patrol_notes_, 0,
             ImGui::GetContentRegionAvail().x - end_w - check_w - ImGui::GetStyle().ItemSpacing.x * 2);
  ImGui::SameLine();
  // 签到 (issue 23): at the grid, with the tablet's fix; the core says how it went.
  if (primary_button(f, "patrol.check_in", f.s.tr("patrol.check_in"), ImVec2(check_w, 0)))
    f.core.check_in(p.grid_id, p.id);
  ImGui::SameLine();
  if (danger_button(f, "patrol.end", f.s.tr("patrol.end"), ImVec2(-1, 0))) {
    ended_id_ = p.id;
    f.core.end_patrol(p.id, patrol_notes_);
  }
}

void PatrolScreen::summary(Frame& f, const PatrolView& p) {
  int ok = 0, problem = 0, unchecked = 0;
  for (const ChecklistEntry& e : p.checklist)
    (e.mark == CheckMark::ok ? ok : e.mark == CheckMark::problem ? problem : unchecked)++;
  heading(f.s.tr("patrol.summary"));
  field(f.s.tr("patrol.grid"), p.grid_name);
  field(f.s.tr("patrol.time"), date_time(p.started_at) + " – " + clock_time(p.ended_at));
  field(f.s.tr("patrol.count_ok"), std::to_string(ok));
  field(f.s.tr("patrol.count_problem"), std::to_string(problem));
  field(f.s.tr("patrol.count_unchecked"), std::to_string(unchecked));
  field(f.s.tr("patrol.count_findings"), std::to_string(p.findings));
  for (const ChecklistEntry& e : p.checklist) {
    if (e.mark != CheckMark::problem) continue;
    std::string line = f.s.tr("check." + e.item);
    if (!e.note.empty()) line += ": " + e.note;
    if (!e.case_id.empty()) line += "  (" + f.s.tr("patrol.reported") + ")";
    ImGui::BulletText("%s", line.c_str());
  }
  if (!p.notes.empty()) field(f.s.tr("patrol.notes"), p.notes);
  patrol_photos(f, p);
  if (primary_button(f, "patrol.done", f.s.tr("nav.home"))) f.nav.home();
  ImGui::SameLine();
  if (button(f, "patrol.new", f.s.tr("patrol.new"))) ended_id_.clear();
}

// ---- photos ---------------------------------------------------------------------

// Under a problem not yet reported: the photos that will go with its case.
void PatrolScreen::finding_photos(Frame& f, const std::string& item) {
  ImGui::TextUnformatted(f.s.c("patrol.finding_photos"));
  pickers_.try_emplace(item, "patrol.finding." + item).first->second.draw(f, &finding_photos_[item]);
}

// The entry's case_id is there once report_finding has made the case: its
// photos go onto it then. The view, not the notice, says which case is
// which item's, and it is still right when the answer came while another
// screen was up. A refused report leaves the photos waiting with the item.
void PatrolScreen::send_finding_photos(Frame& f, const PatrolView& p) {
  for (const ChecklistEntry& e : p.checklist) {
    const auto it = finding_photos_.find(e.item);
    if (e.case_id.empty() || it == finding_photos_.end()) continue;
    if (!it->second.empty()) f.core.attach_photos("cases", e.case_id, it->second);
    finding_photos_.erase(it);
    pickers_.erase(e.item);
  }
}

bool PatrolScreen::drop(Frame& f, const std::string& path) {
  const PatrolView* p = f.snap.patrol.get();
  if (!p || p->status != "active" || p->id != notes_for_) return false;
  if (const ChecklistEntry* e = open_finding(*p)) return add_photo(&finding_photos_[e->item], path);
  // No problem open: a picture of the walk itself; a drop is the whole gesture, as on a case.
  if (static_cast<int>(p->photos.size()) >= tuning::kPhotosPerRecord) return false;
  f.core.attach_photos("patrols", p->id, {path});
  return true;
}

// The patrol's own photos (dropped while no problem was open), a tap showing one full screen.
void PatrolScreen::patrol_photos(Frame& f, const PatrolView& p) {
  f.probe.state("patrol_photos", std::to_string(p.photos.size()));
  if (p.photos.empty()) return;
  heading(f.s.tr("patrol.photos"));
  if (photo_gallery(f, "patrol.photo", p.photos)) viewing_ = true;
}

}  // namespace gw::client::ui
