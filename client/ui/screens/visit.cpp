#include "client/ui/screens/visit.hpp"

#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

constexpr int64_t kSearchPauseMs = 250;  // typing pauses before a query goes out
constexpr const char* kPurposes[] = {"routine", "care", "dispute", "safety", "policy", "service"};
constexpr int kFollowUpDays[] = {0, 3, 7, 14, 30};

}  // namespace

void VisitScreen::enter(Frame& f) {
  picked_ = {};
  f.core.search_targets(TargetQuery{text_, kind_});
}

void VisitScreen::search_bar(Frame& f) {
  const float kinds_w = 3 * 150.0f * f.scale + 2 * ImGui::GetStyle().ItemSpacing.x;
  if (input_text(f, "visit.search", f.s.tr("visit.search_hint"), &text_, 0,
                 ImGui::GetContentRegionAvail().x - kinds_w - ImGui::GetStyle().ItemSpacing.x))
    edited_at_ = f.now_ms;
  const std::pair<const char*, const char*> kinds[] = {{"", "visit.kind_all"}, {"household", "kind.household"},
                                                       {"enterprise", "kind.enterprise"}};
  for (const auto& [k, key] : kinds) {
    ImGui::SameLine();
    if (toggle_button(f, std::string("visit.kind.") + (*k ? k : "all"), f.s.tr(key), kind_ == k,
                      ImVec2(150.0f * f.scale, 0))) {
      kind_ = k;
      edited_at_ = f.now_ms - kSearchPauseMs;
    }
  }
  if (edited_at_ && f.now_ms - edited_at_ >= kSearchPauseMs) {
    edited_at_ = 0;
    f.core.search_targets(TargetQuery{text_, kind_});
  }
}

void VisitScreen::target_list(Frame& f, const TargetList* list) {
  if (!list) {
    muted(f.s.tr("common.loading"));
    return;
  }
  muted(f.s.format("visit.found_n", {count_text(list->total)}));
  begin_panel("##targets", ImVec2(0, 0));
  const float line = ImGui::GetTextLineHeight();
  const float row_h = line * 2 + ImGui::GetStyle().FramePadding.y;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(list->items.size()), row_h + ImGui::GetStyle().ItemSpacing.y);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const TargetItem& t = list->items[static_cast<size_t>(i)];
      const ImVec2 top = ImGui::GetCursorScreenPos();
      if (list_row(f, "visit.row." + std::to_string(i), t.id == picked_.id, ImVec2(0, row_h))) picked_ = t;
      ImDrawList* dl = ImGui::GetWindowDrawList();
      dl->AddCircleFilled(ImVec2(top.x + line * 0.6f, top.y + line * 0.6f), line * 0.3f,
                          t.kind == "enterprise" ? IM_COL32(90, 110, 200, 255) : IM_COL32(60, 160, 120, 255));
      dl->AddText(ImVec2(top.x + line * 1.3f, top.y + 2), ImGui::GetColorU32(ImGuiCol_Text), t.title.c_str());
      dl->AddText(ImVec2(top.x + line * 1.3f, top.y + line + 4), ImGui::GetColorU32(kMutedText), t.subtitle.c_str());
    }
  }
  if (auto_scroll_ > 0) {
    const float next = ImGui::GetScrollY() + auto_scroll_;
    ImGui::SetScrollY(next > ImGui::GetScrollMaxY() ? 0 : next);
  }
  end_panel();
}

void VisitScreen::form(Frame& f) {
  if (picked_.id.empty()) {
    muted(f.s.tr("visit.pick_hint"));
    return;
  }
  heading(picked_.title);
  muted(f.s.tr("kind." + picked_.kind) + " · " + picked_.subtitle);
  ImGui::TextUnformatted(f.s.c("visit.purpose"));
  std::vector<std::pair<std::string, std::string>> purposes;
  for (const char* p : kPurposes) purposes.emplace_back(p, f.s.tr(std::string("purpose.") + p));
  combo(f, "visit.purpose", purposes, &purpose_);
  ImGui::TextUnformatted(f.s.c("visit.notes"));
  input_multiline(f, "visit.notes", &notes_, ImGui::GetTextLineHeight() * 3.5f);
  ImGui::TextUnformatted(f.s.c("visit.needs"));
  input_text(f, "visit.needs", f.s.tr("visit.needs_hint"), &needs_);
  ImGui::TextUnformatted(f.s.c("visit.follow_up"));
  bool first = true;
  for (int days : kFollowUpDays) {
    const std::string label = days ? f.s.format("visit.in_days", {std::to_string(days)}) : f.s.tr("visit.no_follow_up");
    if (!first) same_line_if_fits(label);
    first = false;
    if (toggle_button(f, "visit.follow_up." + std::to_string(days), label, follow_up_days_ == days)) follow_up_days_ = days;
  }
  if (primary_button(f, "visit.save", f.s.tr("visit.save"), ImVec2(-1, 0))) save(f);
}

void VisitScreen::save(Frame& f) {
  NewVisit v;
  v.target_kind = picked_.kind;
  v.target_id = picked_.id;
  v.purpose = purpose_;
  v.notes = notes_;
  v.needs = needs_;
  v.follow_up_at = follow_up_days_ ? start_of_day(f.now_ms) + int64_t{follow_up_days_} * 86'400'000 : 0;
  f.core.record_visit(v);
  picked_ = {};
  notes_.clear();
  needs_.clear();
  follow_up_days_ = 0;
}

void VisitScreen::draw(Frame& f) {
  search_bar(f);
  const float list_w = ImGui::GetContentRegionAvail().x * 0.5f;
  ImGui::BeginGroup();
  ImGui::PushItemWidth(list_w);
  ImGui::BeginChild("##visit_left", ImVec2(list_w, 0), false);
  target_list(f, f.snap.targets.get());
  ImGui::EndChild();
  ImGui::PopItemWidth();
  ImGui::EndGroup();
  ImGui::SameLine();
  begin_panel("##visit_form", ImVec2(0, 0));
  form(f);
  end_panel();
}

}  // namespace gw::client::ui
