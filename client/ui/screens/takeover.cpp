#include "client/ui/screens/takeover.hpp"

#include <imgui_internal.h>

#include <algorithm>

#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

constexpr float kUnitsShare = 0.56f;  // of the width, for the unit grids and the start form
constexpr size_t kEndedShown = 10;    // the last ended takeovers: what happened lately, not an archive

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : "、") + n;
  return out.empty() ? "—" : out;
}

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\n"), b = s.find_last_not_of(" \t\n");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

const UnitGridItem* find_unit(const TakeoverConsole& c, const std::string& id) {
  for (const UnitGridItem& u : c.units)
    if (u.grid.id == id) return &u;
  return nullptr;
}

bool under_takeover(const UnitGridItem& u) { return !u.takeover_id.empty() || u.grid.mode == "takeover"; }

// A width for a button of this label on the current line's right.
float button_width(const std::string& label) {
  return ImGui::CalcTextSize(label.c_str()).x + ImGui::GetStyle().FramePadding.x * 2;
}

}  // namespace

std::string takeover_duration(const Strings& s, int64_t elapsed_ms) {
  const int64_t minutes = std::max<int64_t>(0, elapsed_ms / 60'000);
  const int64_t days = minutes / 1440, hours = minutes / 60;
  if (days > 0) return s.format("takeover.for_dh", {std::to_string(days), std::to_string(hours % 24)});
  if (hours > 0) return s.format("takeover.for_hm", {std::to_string(hours), std::to_string(minutes % 60)});
  return s.format("takeover.for_m", {std::to_string(minutes)});
}

void TakeoverScreen::enter(Frame& f) { f.core.load_takeover_console(); }

void TakeoverScreen::preselect(const std::string& unit_grid_id) {
  section_ = Section::takeover;
  unit_ = unit_grid_id;
  scroll_to_unit_ = true;
  reason_.clear();
}

// A change made here is in the replica now: clear its inputs for the next.
void TakeoverScreen::notice(const Notice& n) {
  if (n.error) return;
  if (n.key == "notice.takeover_started") reason_.clear();
  if (n.key == "notice.responsibility_moved") {
    assignment_.clear();
    target_.clear();
  }
}

void TakeoverScreen::section_tabs(Frame& f) {
  if (toggle_button(f, "takeover.section.takeover", f.s.tr("takeover.section_takeover"),
                    section_ == Section::takeover))
    section_ = Section::takeover;
  ImGui::SameLine();
  if (toggle_button(f, "takeover.section.reassign", f.s.tr("takeover.section_reassign"),
                    section_ == Section::reassign))
    section_ = Section::reassign;
}

void TakeoverScreen::units(Frame& f, const TakeoverConsole& c, float below) {
  heading(f.s.format("takeover.units_n", {count_text(static_cast<int64_t>(c.units.size()))}));
  const float height = std::max(ImGui::GetFrameHeight() * 2, ImGui::GetContentRegionAvail().y - below);
  begin_panel("##takeover_units", ImVec2(0, height), false);
  const float width = ImGui::GetContentRegionAvail().x;
  const ImU32 muted_color = ImGui::GetColorU32(kMutedText);
  for (size_t i = 0; i < c.units.size(); ++i) {
    const UnitGridItem& u = c.units[i];
    const std::string dept = u.department_name.empty() ? "—" : u.department_name;
    const std::vector<RowLine> lines{
        {u.grid.code + "  " + u.grid.name, 0},
        {f.s.format("takeover.unit_line", {dept, count_text(u.open_cases)}), muted_color},
        // The workers last: a long list gives way with an ellipsis, the cadres stay.
        {f.s.format("takeover.people_line",
                    {join(u.cadres), count_text(static_cast<int64_t>(u.workers.size())), join(u.workers)}),
         muted_color}};
    const std::string badge_text = under_takeover(u) ? f.s.tr("takeover.badge") : std::string();
    if (text_row(f, "takeover.unit." + std::to_string(i), unit_ == u.grid.id, lines, width, badge_text, kRed)) {
      if (unit_ != u.grid.id) reason_.clear();  // a reason is for one grid
      unit_ = u.grid.id;
    }
    if (scroll_to_unit_ && unit_ == u.grid.id) {
      // Picked from the map: brought into view, no further than that.
      const float top = ImGui::GetWindowPos().y, bottom = top + ImGui::GetWindowHeight();
      if (ImGui::GetItemRectMax().y > bottom) ImGui::SetScrollHereY(1.0f);
      if (ImGui::GetItemRectMin().y < top) ImGui::SetScrollHereY(0.0f);
      scroll_to_unit_ = false;
    }
  }
  end_panel();
}

void TakeoverScreen::start_form(Frame& f, const TakeoverConsole& c) {
  ImGui::Separator();
  const UnitGridItem* u = find_unit(c, unit_);
  if (!u) {
    muted(f.s.tr("takeover.pick_unit"));
    return;
  }
  ImGui::TextUnformatted(f.s.format("takeover.start_for", {u->grid.name}).c_str());
  if (under_takeover(*u)) {
    muted(f.s.tr("takeover.already"));
    return;
  }
  if (u->department_id.empty()) {
    error_text(f.s.tr("takeover.no_department"));
    return;
  }
  const std::string label = f.s.tr("takeover.start");
  const float w = button_width(label);
  input_text(f, "takeover.reason", f.s.tr("takeover.reason_hint"), &reason_, 0,
             ImGui::GetContentRegionAvail().x - w - ImGui::GetStyle().ItemSpacing.x);
  ImGui::SameLine();
  const std::string reason = trimmed(reason_);
  ImGui::BeginDisabled(reason.empty());
  if (danger_button(f, "takeover.start", label)) {
    const std::string cadres = count_text(static_cast<int64_t>(u->cadres.size()));
    ask_ = Ask{Ask::Kind::start, u->grid.id, reason,
               f.s.format("takeover.confirm_start", {u->grid.name, u->department_name, cadres, reason})};
  }
  ImGui::EndDisabled();
  muted(reason.empty() ? f.s.tr("takeover.reason_required") : f.s.tr("takeover.start_note"));
}

void TakeoverScreen::running(Frame& f, const TakeoverConsole& c, bool can_end) {
  heading(f.s.format("takeover.running_n", {count_text(static_cast<int64_t>(c.active.size()))}));
  if (c.active.empty()) muted(f.s.tr("takeover.none_running"));
  const std::string end_label = f.s.tr("takeover.end");
  for (size_t i = 0; i < c.active.size(); ++i) {
    const TakeoverItem& t = c.active[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::AlignTextToFramePadding();
    dot(kRed);
    ImGui::SameLine();
    ImGui::TextUnformatted(t.grid_name.c_str());
    if (t.pending) {
      ImGui::SameLine();
      badge(f.s.tr("takeover.pending"), kAmber);
    }
    if (can_end) {
      ImGui::SameLine(ImGui::GetContentRegionMax().x - button_width(end_label));
      if (danger_button(f, "takeover.end." + std::to_string(i), end_label))
        ask_ = Ask{Ask::Kind::end, t.id, "", f.s.format("takeover.confirm_end", {t.grid_name, t.department_name})};
    }
    muted(takeover_duration(f.s, f.now_ms - t.started_at) + " · " + f.s.tr("takeover.since") + " " +
          date_time(t.started_at) + " · " + t.department_name);
    muted(f.s.format("takeover.reason_by", {t.reason, t.started_by.empty() ? "—" : t.started_by}));
    ImGui::Separator();
    ImGui::PopID();
  }
}

void TakeoverScreen::ended(Frame& f, const TakeoverConsole& c) {
  ImGui::Dummy(ImVec2(0, 8 * f.scale));
  heading(f.s.tr("takeover.ended"));
  if (c.ended.empty()) muted(f.s.tr("takeover.none_ended"));
  for (size_t i = 0; i < c.ended.size() && i < kEndedShown; ++i) {
    const TakeoverItem& t = c.ended[i];
    dot(kGrey);
    ImGui::SameLine();
    ImGui::TextUnformatted(t.grid_name.c_str());
    muted(date_time(t.started_at) + " – " + date_time(t.ended_at) + " · " + t.department_name);
    muted(f.s.format("takeover.reason_by", {t.reason, t.started_by.empty() ? "—" : t.started_by}));
  }
}

void TakeoverScreen::takeover_section(Frame& f, const TakeoverConsole& c) {
  const float left_w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * kUnitsShare;
  begin_panel("##takeover_left", ImVec2(left_w, 0));
  // The start form keeps its place under the list, however long the list.
  const float form_h = ImGui::GetFrameHeightWithSpacing() + ImGui::GetTextLineHeightWithSpacing() * 2 +
                       ImGui::GetStyle().ItemSpacing.y * 2;
  units(f, c, form_h);
  start_form(f, c);
  end_panel();
  ImGui::SameLine();
  begin_panel("##takeover_right", ImVec2(0, 0));
  running(f, c, true);
  ended(f, c);
  end_panel();
}

void TakeoverScreen::responsibilities(Frame& f, const TakeoverConsole& c) {
  heading(f.s.format("takeover.responsibilities_n", {count_text(static_cast<int64_t>(c.responsibilities.size()))}));
  input_text(f, "takeover.filter", f.s.tr("takeover.filter_hint"), &filter_);
  std::vector<size_t> shown;
  for (size_t i = 0; i < c.responsibilities.size(); ++i) {
    const ResponsibilityItem& r = c.responsibilities[i];
    if (filter_.empty() || (r.user_name + " " + r.grid_code + " " + r.grid_name).find(filter_) != std::string::npos)
      shown.push_back(i);
  }
  begin_panel("##takeover_resp", ImVec2(0, 0), false);
  const float width = ImGui::GetContentRegionAvail().x;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(shown.size()), ImGui::GetFrameHeight() + ImGui::GetStyle().ItemSpacing.y);
  while (clipper.Step()) {
    for (int k = clipper.DisplayStart; k < clipper.DisplayEnd; ++k) {
      const ResponsibilityItem& r = c.responsibilities[shown[static_cast<size_t>(k)]];
      const std::vector<RowLine> line{{r.user_name + "  ·  " + r.grid_code + "  " + r.grid_name, 0}};
      const std::string tag = r.pending ? f.s.tr("takeover.pending") : std::string();
      if (text_row(f, "takeover.resp." + std::to_string(k), assignment_ == r.assignment_id, line, width, tag,
                   kAmber)) {
        assignment_ = r.assignment_id;
        target_.clear();
      }
    }
  }
  end_panel();
}

void TakeoverScreen::move_form(Frame& f, const TakeoverConsole& c) {
  heading(f.s.tr("takeover.move_title"));
  const ResponsibilityItem* r = nullptr;
  for (const ResponsibilityItem& x : c.responsibilities)
    if (x.assignment_id == assignment_) r = &x;
  if (!r) {
    muted(f.s.tr("takeover.pick_responsibility"));
    return;
  }
  field(f.s.tr("takeover.user"), r->user_name);
  field(f.s.tr("takeover.from_grid"), r->grid_code + " " + r->grid_name);
  field(f.s.tr("takeover.from_at"), date_only(r->from_at));
  if (r->pending) muted(f.s.tr("takeover.pending_note"));
  ImGui::TextUnformatted(f.s.c("takeover.to_grid"));
  // A responsibility moves to a grid of its level: a worker's unit grid to
  // another unit grid, a part-timer's grid to another, a chief's zone to a zone.
  std::vector<std::pair<std::string, std::string>> grids{{"", f.s.tr("takeover.pick_grid")}};
  std::string target_name;
  static const std::vector<GridItem> kNone;
  const std::vector<GridItem>& all = f.snap.catalog ? f.snap.catalog->grids : kNone;
  int level = 0;
  for (const GridItem& g : all)
    if (g.id == r->grid_id) level = g.level;
  for (const GridItem& g : all) {
    if (g.id == r->grid_id || (level > 0 && g.level != level)) continue;
    grids.emplace_back(g.id, g.code + "  " + g.name);
    if (g.id == target_) target_name = g.name;
  }
  combo(f, "takeover.target", grids, &target_);
  ImGui::BeginDisabled(target_.empty());
  if (primary_button(f, "takeover.move", f.s.tr("takeover.move"), ImVec2(-1, 0)))
    ask_ = Ask{Ask::Kind::move, r->assignment_id, target_,
               f.s.format("takeover.confirm_move", {r->user_name, r->grid_name, target_name})};
  ImGui::EndDisabled();
  if (target_.empty()) muted(f.s.tr("takeover.target_required"));
}

void TakeoverScreen::reassign_section(Frame& f, const TakeoverConsole& c) {
  const float left_w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * kUnitsShare;
  begin_panel("##reassign_left", ImVec2(left_w, 0));
  responsibilities(f, c);
  end_panel();
  ImGui::SameLine();
  begin_panel("##reassign_right", ImVec2(0, 0));
  move_form(f, c);
  end_panel();
}

void TakeoverScreen::confirm(Frame& f) {
  if (!ask_) return;
  const char* keys[][2] = {{"takeover.confirm_start_title", "takeover.start"},
                           {"takeover.confirm_end_title", "takeover.end"},
                           {"takeover.confirm_move_title", "takeover.move"}};
  const auto& [title, yes] = keys[static_cast<int>(ask_->kind)];
  const Answer a = confirm_dialog(f, "takeover.confirm", f.s.tr(title), ask_->text, f.s.tr(yes),
                                  ask_->kind != Ask::Kind::move);
  if (a == Answer::yes) {
    switch (ask_->kind) {
      case Ask::Kind::start: f.core.start_takeover(ask_->id, ask_->arg); break;
      case Ask::Kind::end: f.core.end_takeover(ask_->id); break;
      case Ask::Kind::move: f.core.move_responsibility(ask_->id, ask_->arg); break;
    }
  }
  if (a != Answer::none) ask_.reset();
}

// What the window test reads: the unit picked, each running takeover by
// grid code and whether the server has it yet.
void TakeoverScreen::probe_state(Frame& f, const TakeoverConsole& c) {
  if (!f.probe.active()) return;
  const UnitGridItem* u = find_unit(c, unit_);
  f.probe.state("takeover_selected", u ? u->grid.code : "-");
  std::string active;
  for (const TakeoverItem& t : c.active) {
    const UnitGridItem* g = find_unit(c, t.grid_id);
    active += (active.empty() ? "" : ",") + (g ? g->grid.code : t.grid_id) + (t.pending ? ":pending" : ":accepted");
  }
  f.probe.state("takeover_active", active.empty() ? "-" : active);
  f.probe.state("takeover_ended", std::to_string(c.ended.size()));
}

void TakeoverScreen::draw(Frame& f) {
  const TakeoverConsole* c = f.snap.takeover.get();
  if (!c) {
    muted(f.s.tr("common.loading"));
    return;
  }
  probe_state(f, *c);
  if (!my_roles(f).has(Role::supervisor)) {
    // Starting, ending and moving are the service centre's; the rest watch.
    muted(f.s.tr("takeover.read_only"));
    begin_panel("##takeover_view", ImVec2(0, 0));
    running(f, *c, false);
    ended(f, *c);
    end_panel();
    return;
  }
  section_tabs(f);
  if (section_ == Section::takeover)
    takeover_section(f, *c);
  else
    reassign_section(f, *c);
  confirm(f);
}

}  // namespace gw::client::ui
