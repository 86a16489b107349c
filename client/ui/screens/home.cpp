#include "client/ui/screens/home.hpp"

#include <imgui_internal.h>

#include <algorithm>

#include "client/ui/top_bar.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

constexpr size_t kNoticesShown = 3;  // the newest; the due cases below must stay in view
constexpr ImU32 kNoticeColor = IM_COL32(200, 120, 0, 255);

// The words for the user's language; the server's own when this build has
// none for the event.
std::string notice_text(const Frame& f, const NoticeItem& n) {
  const std::string key = "notices." + n.event;
  if (n.event.empty() || f.s.tr(key) == key) return n.words;
  return f.s.format(key, {n.grid_name, n.reason.empty() ? "—" : n.reason});
}

}  // namespace

bool case_row(Frame& f, const std::string& probe_id, const CaseItem& c, float width, const std::string& tag) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float height = line * 2 + ImGui::GetStyle().FramePadding.y;
  const ImVec2 top = ImGui::GetCursorScreenPos();
  const bool pressed = list_row(f, probe_id, false, ImVec2(width, height));
  if (!ImGui::IsItemVisible()) return pressed;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float r = ImGui::GetTextLineHeight() * 0.38f;
  const float pad = ImGui::GetStyle().FramePadding.x * 0.5f;
  dl->AddCircleFilled(ImVec2(top.x + pad + r, top.y + line * 0.5f + 4), r, light_color(c.light));
  const float tx = top.x + pad + r * 2 + pad;
  float title_end = top.x + width - pad;
  if (!tag.empty()) {
    // The tag keeps its place; a long title gives way with an ellipsis.
    const float tag_w = ImGui::CalcTextSize(tag.c_str()).x;
    title_end -= tag_w + ImGui::GetStyle().ItemSpacing.x;
    dl->AddText(ImVec2(top.x + width - pad - tag_w, top.y + 2), ImGui::GetColorU32(kPrimary), tag.c_str());
  }
  std::string title = c.title;
  if (c.takeover) title = f.s.tr("case.takeover_tag") + " " + title;
  if (c.pending) title += "  " + f.s.tr("case.pending_tag");
  ImGui::RenderTextEllipsis(dl, ImVec2(tx, top.y + 2), ImVec2(title_end, top.y + line), title_end, title_end,
                            title.c_str(), nullptr, nullptr);
  std::string sub = category_name(f, c.category) + " · " + c.grid_name + " · " + status_name(f, c.status) + " · " +
                    f.s.tr("case.due") + " " + date_time(c.due_at);
  dl->AddText(ImVec2(tx, top.y + line + 2), c.overdue ? kRed : ImGui::GetColorU32(kMutedText), sub.c_str());
  return pressed;
}

void case_list(Frame& f, const char* panel_id, const std::string& probe_prefix, size_t count,
               const std::function<const CaseItem&(size_t)>& item, const std::function<std::string(size_t)>& tag) {
  begin_panel(panel_id, ImVec2(0, 0));
  const float width = ImGui::GetContentRegionAvail().x;
  const ImGuiStyle& st = ImGui::GetStyle();
  const float row_h = ImGui::GetTextLineHeightWithSpacing() * 2 + st.FramePadding.y + st.ItemSpacing.y;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(count), row_h);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const size_t k = static_cast<size_t>(i);
      const CaseItem& c = item(k);
      if (case_row(f, probe_prefix + std::to_string(i), c, width, tag ? tag(k) : std::string())) {
        f.core.open_case(c.id);
        f.nav.go(ScreenId::case_detail);
      }
    }
  }
  end_panel();
}

void problem_rows(Frame& f, const std::vector<ProblemItem>& problems) {
  if (problems.empty()) {
    muted(f.s.tr("problems.none"));
    return;
  }
  for (size_t i = 0; i < problems.size(); ++i) {
    const ProblemItem& p = problems[i];
    ImGui::PushID(static_cast<int>(i));
    dot(p.state == "quarantined" ? kYellow : kRed);
    ImGui::SameLine();
    ImGui::TextWrapped("%s · %s · %s", f.s.c("table." + p.table), f.s.c("problem." + p.state), p.code.c_str());
    muted(p.reason + "  (" + p.row.substr(0, 8) + ")");
    // Seen and let go; a quarantined record still waits for an admin on the server.
    if (!p.patch_id.empty() && button(f, "problem.dismiss." + std::to_string(i), f.s.tr("problems.dismiss")))
      f.core.dismiss_problem(p.patch_id);
    ImGui::PopID();
  }
}

void HomeScreen::takeover_banner(Frame& f, const HomeView& home) {
  std::string names;
  for (const GridItem& g : home.takeover_grids) names += (names.empty() ? "" : "、") + g.name;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, kTakeoverBanner);
  ImGui::PushStyleColor(ImGuiCol_Text, kTextOnFill);
  ImGui::BeginChild("##banner", ImVec2(0, ImGui::GetFrameHeightWithSpacing() + 8 * f.scale), true,
                    ImGuiWindowFlags_NoScrollbar);
  ImGui::SetCursorPosY(ImGui::GetCursorPosY() + 4 * f.scale);
  ImGui::TextUnformatted(f.s.format("home.takeover_banner", {names}).c_str());
  ImGui::EndChild();
  probe_item(f, "home.takeover_banner");
  ImGui::PopStyleColor(2);
}

// Each notice wraps beside its button, so the reason is read in full.
void HomeScreen::notices(Frame& f, const HomeView& home) {
  const size_t shown = std::min(home.notices.size(), kNoticesShown);
  const bool more = home.notices.size() > shown;
  const ImGuiStyle& st = ImGui::GetStyle();
  const std::string ok = f.s.tr("notices.ok");
  const float ok_w = ImGui::CalcTextSize(ok.c_str()).x + st.FramePadding.x * 2;
  const float inner = ImGui::GetContentRegionAvail().x - st.WindowPadding.x * 2;
  const float text_w = inner - ok_w - ImGui::GetTextLineHeight() - st.ItemSpacing.x * 2;
  std::vector<std::string> texts;
  float h = st.WindowPadding.y * 2 + (more ? ImGui::GetTextLineHeightWithSpacing() : 0.0f);
  for (size_t i = 0; i < shown; ++i) {
    const NoticeItem& n = home.notices[i];
    texts.push_back(date_time(n.at) + "  " + notice_text(f, n));
    h += std::max(ImGui::GetFrameHeight(), ImGui::CalcTextSize(texts.back().c_str(), nullptr, false, text_w).y) +
         st.ItemSpacing.y;
  }
  ImGui::PushStyleColor(ImGuiCol_ChildBg, kNoticesPanel);
  ImGui::BeginChild("##notices", ImVec2(0, h - st.ItemSpacing.y), true, ImGuiWindowFlags_NoScrollbar);
  for (size_t i = 0; i < shown; ++i) {
    ImGui::BeginGroup();
    dot(kNoticeColor);
    ImGui::SameLine();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + text_w);
    ImGui::TextUnformatted(texts[i].c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
    ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - ok_w);
    if (button(f, "home.notice.ok." + std::to_string(i), ok)) f.core.mark_notice_read(home.notices[i].id);
  }
  if (more) muted(f.s.format("notices.more", {count_text(static_cast<int64_t>(home.notices.size() - shown))}));
  ImGui::EndChild();
  ImGui::PopStyleColor();
  f.probe.state("notices", std::to_string(home.notices.size()));
}

void HomeScreen::sync_card(Frame& f) {
  const SyncView& s = f.snap.sync;
  heading(f.s.tr("home.sync_title"));
  dot(link_color(s.link));
  ImGui::SameLine();
  ImGui::TextUnformatted(link_text(f, s.link).c_str());
  field(f.s.tr("sync.pending"), count_text(s.pending));
  if (s.problems > 0) {
    ImGui::PushStyleColor(ImGuiCol_Text, kRedText);
    field(f.s.tr("sync.problems"), count_text(s.problems));
    ImGui::PopStyleColor();
  }
  field(f.s.tr("sync.last"), s.last_sync_at ? date_time(s.last_sync_at) : f.s.tr("sync.never"));
  if (s.running) {
    muted(f.s.format("sync.progress", {count_text(s.records_up), count_text(s.records_down),
                                         count_text((s.bytes_up + 1023) / 1024), count_text((s.bytes_down + 1023) / 1024)}));
  } else if (!s.error.empty()) {
    error_text(f.s.tr("sync.failed") + " " + s.error);
  }
  ImGui::BeginDisabled(s.running);
  if (primary_button(f, "home.sync", s.running ? f.s.tr("sync.running") : f.s.tr("sync.now"), ImVec2(-1, 0)))
    f.core.sync_now();
  ImGui::EndDisabled();
}

void HomeScreen::actions(Frame& f, const HomeView* home) {
  heading(f.s.tr("home.actions"));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  const ImVec2 big(w, ImGui::GetFrameHeight() * 1.3f);
  const bool patrol_running = home && !home->active_patrol_id.empty();
  if (primary_button(f, "home.patrol", patrol_running ? f.s.tr("home.continue_patrol") : f.s.tr("home.patrol"), big)) {
    if (patrol_running) f.core.open_patrol(home->active_patrol_id);
    f.nav.go(ScreenId::patrol);
  }
  ImGui::SameLine();
  if (primary_button(f, "home.visit", f.s.tr("home.visit"), big)) f.nav.go(ScreenId::visit);
  if (button(f, "home.cases", f.s.tr("home.cases"), big)) f.nav.go(ScreenId::cases);
  ImGui::SameLine();
  if (button(f, "home.new_case", f.s.tr("home.new_case"), big)) f.nav.go(ScreenId::case_new);
  // Triage is the chiefs' and the centre's; hotline calls only the centre's.
  const RoleSet roles = my_roles(f);
  if (roles.has(Role::supervisor) || roles.has(Role::chief)) {
    const bool centre = roles.has(Role::supervisor);
    if (button(f, "home.dispatch", f.s.tr("home.dispatch"), centre ? big : ImVec2(-1, big.y)))
      f.nav.go(ScreenId::dispatch);
    if (centre) {
      ImGui::SameLine();
      if (button(f, "home.hotline", f.s.tr("home.hotline"), big)) f.nav.go(ScreenId::hotline);
    }
  }
  const float w3 = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * 2) / 3.0f;
  if (button(f, "home.kpi", f.s.tr("kpi.title"), ImVec2(w3, 0))) f.nav.go(ScreenId::kpi);
  ImGui::SameLine();
  if (button(f, "home.takeover", f.s.tr("takeover.title"), ImVec2(w3, 0))) f.nav.go(ScreenId::takeover);
  ImGui::SameLine();
  // Admins review conflicts there; everyone else finds their sync problems.
  const std::string conflicts = roles.has(Role::admin) ? f.s.tr("conflicts.title") : f.s.tr("conflicts.problems_title");
  if (button(f, "home.conflicts", conflicts, ImVec2(w3, 0))) f.nav.go(ScreenId::conflicts);
  const float w2 = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  if (button(f, "home.map", f.s.tr("map.title"), ImVec2(w2, 0))) f.nav.go(ScreenId::map);
  ImGui::SameLine();
  if (button(f, "home.settings", f.s.tr("settings.title"), ImVec2(w2, 0))) f.nav.go(ScreenId::settings);
}

void HomeScreen::due_cases(Frame& f, const HomeView& home) {
  heading(f.s.format("home.due_cases", {count_text(static_cast<int64_t>(home.due_cases.size()))}));
  if (home.due_cases.empty()) muted(f.s.tr("home.no_due_cases"));
  const float width = ImGui::GetContentRegionAvail().x;
  for (size_t i = 0; i < home.due_cases.size() && i < 50; ++i) {
    const CaseItem& c = home.due_cases[i];
    if (case_row(f, "home.case." + std::to_string(i), c, width)) {
      f.core.open_case(c.id);
      f.nav.go(ScreenId::case_detail);
    }
  }
}

// Compact, so the due cases below stay in view: the grids in one wrapped
// line (a grid under takeover in red), then only the assignments that are
// not the standing responsibility for those grids (takeovers, tasks).
void HomeScreen::grids_and_assignments(Frame& f, const HomeView& home) {
  heading(f.s.tr("home.my_grids"));
  if (home.my_grids.empty()) muted(f.s.tr("home.no_grids"));
  for (size_t i = 0; i < home.my_grids.size(); ++i) {
    const GridItem& g = home.my_grids[i];
    if (i) ImGui::SameLine(0, 0);
    if (i && ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize(g.name.c_str()).x + 24 * f.scale) ImGui::NewLine();
    if (g.mode == "takeover") ImGui::PushStyleColor(ImGuiCol_Text, kRedText);
    ImGui::TextUnformatted((g.name + (i + 1 < home.my_grids.size() ? "、" : "")).c_str());
    if (g.mode == "takeover") ImGui::PopStyleColor();
  }
  bool any = false;
  for (const AssignmentItem& a : home.assignments) {
    if (a.kind == "responsibility") continue;
    if (!any) heading(f.s.tr("home.assignments"));
    any = true;
    std::string line = f.s.tr("assignment." + a.kind) + " · " + a.grid_name;
    if (!a.task.empty()) line += " · " + a.task;
    if (a.to_at > 0) line += " · " + f.s.tr("assignment.until") + " " + date_only(a.to_at);
    ImGui::BulletText("%s", line.c_str());
  }
}

void HomeScreen::problems(Frame& f, const HomeView& home) {
  heading(f.s.format("home.problems", {count_text(static_cast<int64_t>(home.problems.size()))}));
  problem_rows(f, home.problems);
}

void HomeScreen::draw(Frame& f) {
  const HomeView* home = f.snap.home.get();
  if (home && !home->takeover_grids.empty()) takeover_banner(f, *home);
  const float left_w = ImGui::GetContentRegionAvail().x * 0.38f;
  begin_panel("##home_left", ImVec2(left_w, 0));
  sync_card(f);
  ImGui::Dummy(ImVec2(0, 4 * f.scale));
  heading(f.s.tr("home.today"));
  if (home) {
    field(f.s.tr("home.patrols_today"), count_text(home->patrols_today));
    ImGui::SameLine(0, 24 * f.scale);
    field(f.s.tr("home.visits_today"), count_text(home->visits_today));
  }
  actions(f, home);
  end_panel();
  ImGui::SameLine();
  begin_panel("##home_right", ImVec2(0, 0));
  if (!home) {
    muted(f.s.tr("common.loading"));
  } else {
    // What the server told me first (beside the actions, so they keep their
    // place), then refused records (they need the worker), then where and what.
    if (!home->notices.empty()) notices(f, *home);
    if (!home->problems.empty()) problems(f, *home);
    grids_and_assignments(f, *home);
    due_cases(f, *home);
    if (home->problems.empty()) problems(f, *home);
  }
  end_panel();
}

}  // namespace gw::client::ui
