#include "client/ui/screens/case.hpp"

#include <algorithm>
#include <utility>

#include "client/ui/screens/home.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

// Badge colours dark enough for white words.

// An open conflict on the case waits for an admin (DESIGN §7): said before
// any step is taken, naming the fields in dispute.
void contested_banner(Frame& f, const CaseDetail& d) {
  std::string names;
  for (const std::string& col : d.contested) {
    const std::string key = "column.cases." + col;
    const std::string name = f.s.tr(key);
    names += (names.empty() ? "" : f.s.lang() == "en" ? ", " : "、") + (name == key ? col : name);
  }
  const std::string text = f.s.format("case.contested_banner", {names});
  const ImGuiStyle& st = ImGui::GetStyle();
  const float wrap = ImGui::GetContentRegionAvail().x - st.WindowPadding.x * 2;
  const float h = std::max(ImGui::GetFrameHeight(), ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap).y) +
                  st.WindowPadding.y * 2;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, kContestedBanner);
  ImGui::PushStyleColor(ImGuiCol_Text, kTextOnFill);
  ImGui::BeginChild("##contested", ImVec2(0, h), true, ImGuiWindowFlags_NoScrollbar);
  ImGui::PushTextWrapPos(0.0f);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
  probe_item(f, "case.contested_banner");
  ImGui::PopStyleColor(2);
}

}  // namespace

void CaseScreen::enter(Frame&) {
  if (std::exchange(viewing_, false)) return;  // back from a picture: the step being filled in stays
  action_.clear();
  input_ = {};
  attach_.clear();
  step_picker_.close();
  case_picker_.close();
}

bool CaseScreen::drop(Frame& f, const std::string& path) {
  if (!action_.empty()) return add_photo(&input_.photos, path);
  const CaseDetail* d = f.snap.case_detail.get();
  if (!d) return false;
  // A drop is the whole gesture: the picture goes onto the case at once.
  f.core.attach_photos("cases", d->item.id, {path});
  return true;
}

void CaseScreen::photos(Frame& f, const CaseDetail& d) {
  f.probe.state("case_photos", std::to_string(d.photos.size()));
  heading(f.s.tr("photos.heading"));
  std::vector<const PhotoItem*> own;
  for (const PhotoItem& p : d.photos)
    if (p.record_table != "case_log") own.push_back(&p);
  auto open = [&](const PhotoItem* p) {
    f.core.open_photo(p->hash);
    viewing_ = true;
    f.nav.go(ScreenId::photo);
  };
  if (!own.empty()) {
    muted(f.s.tr("photos.report"));
    if (int i = photo_tiles(f, "case.photo", own); i >= 0) open(own[static_cast<size_t>(i)]);
  }
  // Each step's evidence under the step's name and time, oldest first as the log runs.
  for (size_t k = 0; k < d.log.size(); ++k) {
    const CaseLogItem& l = d.log[k];
    std::vector<const PhotoItem*> step;
    for (const PhotoItem& p : d.photos)
      if (p.record_table == "case_log" && p.record_id == l.id) step.push_back(&p);
    if (step.empty()) continue;
    muted(f.s.tr("action." + l.action) + "  " + date_time(l.at));
    if (int i = photo_tiles(f, "case.step_photo." + std::to_string(k), step); i >= 0) open(step[static_cast<size_t>(i)]);
  }
  if (d.photos.empty()) muted(f.s.tr("photos.none"));
  add_to_case(f, d);
}

// Pictures for the case as it stands (taken after the report): chosen,
// then attached with one tap; a drop attaches at once.
void CaseScreen::add_to_case(Frame& f, const CaseDetail& d) {
  const size_t own = static_cast<size_t>(
      std::count_if(d.photos.begin(), d.photos.end(), [](const PhotoItem& p) { return p.record_table == "cases"; }));
  case_picker_.draw(f, &attach_, own);
  if (attach_.empty()) return;
  if (primary_button(f, "case.attach.save", f.s.format("photos.attach", {std::to_string(attach_.size())}))) {
    f.core.attach_photos("cases", d.item.id, attach_);
    attach_.clear();
  }
}

void CaseScreen::fields(Frame& f, const CaseDetail& d) {
  const CaseItem& c = d.item;
  dot(light_color(c.light));
  ImGui::SameLine();
  ImGui::TextWrapped("%s", c.title.c_str());
  badges(f, d);
  if (c.takeover) error_text(f.s.tr("case.takeover_note"));
  field(f.s.tr("case.status"), status_name(f, c.status));
  field(f.s.tr("case.category"), category_name(f, c.category) + " (" + c.category + ")");
  field(f.s.tr("case.grid"), c.grid_name);
  field(f.s.tr("case.severity"), f.s.tr("severity." + c.severity));
  field(f.s.tr("case.reported_at"), date_time(c.reported_at));
  field(f.s.tr("case.due_label"), date_time(c.due_at) + (c.overdue ? "  " + f.s.tr("case.overdue") : ""));
  field(f.s.tr("case.source"), f.s.tr("source." + d.source));
  // The core leaves hidden names empty; say why rather than show nothing.
  const std::string hidden = d.confidential ? f.s.tr("case.confidential") : std::string();
  field(f.s.tr("case.reporter"), d.reporter_name.empty() ? hidden : d.reporter_name);
  if (d.source == "hotline") {
    field(f.s.tr("case.caller"), d.caller_name.empty() ? hidden : d.caller_name);
    if (!d.caller_phone.text.empty() || !d.confidential)
      number_field(f, "case.caller_phone.show", f.s.tr("case.caller_phone"), d.caller_phone);
  }
  field(f.s.tr("case.parties"), d.parties);
  field(f.s.tr("case.location"), d.location + (d.outside_grid ? "  " + f.s.tr("case.outside_grid") : ""));
  field(f.s.tr("case.description"), d.description);
  if (!d.route.empty()) field(f.s.tr("case.route"), f.s.tr("route." + d.route));
  if (!d.department_name.empty()) field(f.s.tr("case.department"), d.department_name);
  if (!d.assignee_name.empty()) field(f.s.tr("case.assignee"), d.assignee_name);
  if (!d.resolution.empty()) field(f.s.tr("case.resolution"), d.resolution);
  if (d.score > 0) field(f.s.tr("case.score"), std::to_string(d.score) + " / 5");
  if (d.rework > 0) field(f.s.tr("case.rework"), std::to_string(d.rework));
  photos(f, d);
  if (c.pending) muted(f.s.tr("case.pending_note"));
  if (!d.problems.empty()) {
    heading(f.s.tr("case.problems"));
    problem_rows(f, d.problems);
  }
}

// States to see at a glance under the title: the caller is confidential,
// the centre deferred it (缓办).
void CaseScreen::badges(Frame& f, const CaseDetail& d) {
  if (d.confidential) badge(f.s.tr("case.badge_confidential"), kPurple);
  if (d.deferred) {
    if (d.confidential) ImGui::SameLine();
    badge(f.s.tr("case.badge_deferred"), kAmber);
  }
}

void CaseScreen::action_inputs(Frame& f, const CaseDetail& d, const CaseActionItem& a) {
  ImGui::Separator();
  if (a.needs_route) {
    ImGui::TextUnformatted(f.s.c("case.route"));
    if (toggle_button(f, "case.route.grid", f.s.tr("route.grid"), input_.route == "grid")) input_.route = "grid";
    ImGui::SameLine();
    if (toggle_button(f, "case.route.department", f.s.tr("route.department"), input_.route == "department"))
      input_.route = "department";
  }
  if (a.needs_resolution) {
    ImGui::TextUnformatted(f.s.c("case.resolution"));
    input_multiline(f, "case.resolution", &input_.resolution, ImGui::GetTextLineHeight() * 3);
  }
  if (a.needs_score) {
    ImGui::TextUnformatted(f.s.c("case.score"));
    for (int s = 1; s <= 5; ++s) {
      if (s > 1) ImGui::SameLine();
      if (toggle_button(f, "case.score." + std::to_string(s), std::to_string(s), input_.score == s,
                        ImVec2(64 * f.scale, 0)))
        input_.score = s;
    }
  }
  ImGui::TextUnformatted(f.s.c(a.needs_note ? "case.note_required" : "case.note"));
  input_text(f, "case.note", f.s.tr("case.note_hint"), &input_.note);
  ImGui::TextUnformatted(f.s.c("photos.step"));
  step_picker_.draw(f, &input_.photos);
  const bool ready = (!a.needs_note || !input_.note.empty()) && (!a.needs_resolution || !input_.resolution.empty()) &&
                     (!a.needs_score || input_.score > 0) && (!a.needs_route || !input_.route.empty());
  ImGui::BeginDisabled(!ready);
  if (primary_button(f, "case.confirm", f.s.tr("case.confirm") + " " + f.s.tr("action." + a.action))) {
    f.core.case_action(d.item.id, a.action, input_);
    action_.clear();
    input_ = {};
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (button(f, "case.cancel", f.s.tr("common.cancel"))) action_.clear();
}

void CaseScreen::actions(Frame& f, const CaseDetail& d) {
  heading(f.s.tr("case.actions"));
  if (d.actions.empty()) muted(f.s.tr("case.no_actions"));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  int column = 0;
  for (const CaseActionItem& a : d.actions) {
    if (column++ % 2) ImGui::SameLine();
    if (toggle_button(f, "case.action." + a.action, f.s.tr("action." + a.action), action_ == a.action, ImVec2(w, 0))) {
      // Another step: its own note and photos (files chosen for one step are not another's evidence).
      if (action_ != a.action) input_ = {};
      action_ = a.action;
    }
  }
  for (const CaseActionItem& a : d.actions)
    if (a.action == action_) action_inputs(f, d, a);
}

void CaseScreen::history(Frame& f, const CaseDetail& d) {
  heading(f.s.tr("case.history"));
  for (size_t i = d.log.size(); i-- > 0;) {  // newest first: what happened last matters most
    const CaseLogItem& l = d.log[i];
    std::string line = date_time(l.at) + "  " + f.s.tr("action." + l.action);
    if (!l.to_status.empty() && l.to_status != l.from_status) line += " → " + status_name(f, l.to_status);
    ImGui::BulletText("%s", line.c_str());
    muted(l.actor_name.empty() || l.note.empty() ? l.actor_name + l.note : l.actor_name + ": " + l.note);
  }
}

void CaseScreen::draw(Frame& f) {
  const CaseDetail* d = f.snap.case_detail.get();
  if (!d) {
    muted(f.s.tr("common.loading"));
    return;
  }
  f.probe.state("case", d->item.id + " " + d->source + (d->confidential ? " confidential" : "") +
                            (d->deferred ? " deferred" : "") + (d->contested.empty() ? "" : " contested"));
  if (!d->contested.empty()) contested_banner(f, *d);
  const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  begin_panel("##case_fields", ImVec2(half, 0));
  fields(f, *d);
  end_panel();
  ImGui::SameLine();
  begin_panel("##case_side", ImVec2(0, 0));
  actions(f, *d);
  history(f, *d);
  end_panel();
}

}  // namespace gw::client::ui
