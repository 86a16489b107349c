#include "client/ui/widgets.hpp"

#include <imgui_internal.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>

#include "shared/calendar.hpp"
#include "shared/categories.hpp"

namespace gw::client::ui {
namespace {

// The button or row under the finger, which a drag may take over to scroll.
ImGuiID g_pressable_active = 0;

void note_pressable() {
  if (ImGui::IsItemActive()) g_pressable_active = ImGui::GetItemID();
}

std::string label_of(const std::string& text, std::string_view id) {
  return text + "##" + std::string(id);
}

CivilDate civil_of(int64_t ms, int* minutes) {
  const int64_t local = ms + kChinaOffsetMs;
  int64_t day = local >= 0 ? local / 86'400'000 : (local - 86'399'999) / 86'400'000;
  if (minutes) *minutes = static_cast<int>((local - day * 86'400'000) / 60'000);
  return civil_from_days(day);
}

bool colored_button(Frame& f, std::string_view id, const std::string& label, ImVec2 size, ImVec4 base) {
  ImGui::PushStyleColor(ImGuiCol_Button, base);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(base.x * 0.9f, base.y * 0.9f, base.z * 0.9f, 1.0f));
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, ImVec4(base.x * 0.8f, base.y * 0.8f, base.z * 0.8f, 1.0f));
  ImGui::PushStyleColor(ImGuiCol_Text, kTextOnFill);
  bool pressed = button(f, id, label, size);
  ImGui::PopStyleColor(4);
  return pressed;
}

}  // namespace

void probe_item(Frame& f, std::string_view id) {
  if (!f.probe.active()) return;
  const ImRect whole(ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
  ImRect r = whole;
  r.ClipWith(ImGui::GetCurrentWindow()->ClipRect);
  if (r.GetWidth() < 2 || r.GetHeight() < 2) return;
  const bool clipped = r.GetWidth() < whole.GetWidth() || r.GetHeight() < whole.GetHeight();
  f.probe.widget(id, r.Min.x, r.Min.y, r.GetWidth(), r.GetHeight(), clipped);
}

bool button(Frame& f, std::string_view id, const std::string& label, ImVec2 size) {
  bool pressed = ImGui::Button(label_of(label, id).c_str(), size);
  note_pressable();
  probe_item(f, id);
  return pressed;
}

bool primary_button(Frame& f, std::string_view id, const std::string& label, ImVec2 size) {
  return colored_button(f, id, label, size, kPrimary);
}

bool danger_button(Frame& f, std::string_view id, const std::string& label, ImVec2 size) {
  return colored_button(f, id, label, size, kDanger);
}

bool toggle_button(Frame& f, std::string_view id, const std::string& label, bool on, ImVec2 size) {
  if (on) return colored_button(f, id, label, size, kPrimary);
  return button(f, id, label, size);
}

bool input_text(Frame& f, std::string_view id, const std::string& hint, std::string* value, int flags, float width) {
  ImGui::SetNextItemWidth(width);
  bool changed = ImGui::InputTextWithHint(("##" + std::string(id)).c_str(), hint.c_str(), value, flags);
  probe_item(f, id);
  if (ImGui::IsItemActive()) f.probe.state("focus", std::string(id));  // where typed text goes
  return changed;
}

bool input_multiline(Frame& f, std::string_view id, std::string* value, float height) {
  bool changed = ImGui::InputTextMultiline(("##" + std::string(id)).c_str(), value, ImVec2(-1.0f, height));
  probe_item(f, id);
  if (ImGui::IsItemActive()) f.probe.state("focus", std::string(id));
  return changed;
}

bool combo(Frame& f, std::string_view id, const std::vector<std::pair<std::string, std::string>>& items,
           std::string* value, float width) {
  std::string preview;
  for (const auto& [v, label] : items)
    if (v == *value) preview = label;
  ImGui::SetNextItemWidth(width);
  bool changed = false;
  const bool open = ImGui::BeginCombo(("##" + std::string(id)).c_str(), preview.c_str(), ImGuiComboFlags_HeightLarge);
  probe_item(f, id);
  if (open) {
    // Each choice a finger tall, its words in the middle of it.
    ImGui::PushStyleVar(ImGuiStyleVar_SelectableTextAlign, ImVec2(0.0f, 0.5f));
    const ImVec2 row(0.0f, ImGui::GetFrameHeight());
    for (size_t i = 0; i < items.size(); ++i) {
      const bool selected = items[i].first == *value;
      if (ImGui::Selectable(label_of(items[i].second, std::to_string(i)).c_str(), selected, 0, row)) {
        *value = items[i].first;
        changed = true;
      }
      probe_item(f, std::string(id) + "." + std::to_string(i));
      if (selected && ImGui::IsWindowAppearing()) ImGui::SetItemDefaultFocus();
    }
    ImGui::PopStyleVar();
    ImGui::EndCombo();
  }
  return changed;
}

bool checkbox(Frame& f, std::string_view id, const std::string& label, bool* value) {
  bool changed = ImGui::Checkbox(label_of(label, id).c_str(), value);
  probe_item(f, id);
  return changed;
}

bool list_row(Frame& f, std::string_view id, bool selected, ImVec2 size) {
  bool pressed = ImGui::Selectable(("##" + std::string(id)).c_str(), selected, 0, size);
  note_pressable();
  probe_item(f, id);
  return pressed;
}

Answer confirm_dialog(Frame& f, std::string_view id, const std::string& title, const std::string& text,
                      const std::string& yes, bool danger) {
  const std::string popup = title + "###" + std::string(id);
  if (!ImGui::IsPopupOpen(popup.c_str())) ImGui::OpenPopup(popup.c_str());
  const ImVec2 d = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(d.x * 0.5f, d.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(d.x * 0.9f, 720.0f * f.scale), 0.0f));
  Answer answer = Answer::none;
  const int flags = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings;
  if (!ImGui::BeginPopupModal(popup.c_str(), nullptr, flags)) return answer;
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::Dummy(ImVec2(0, 8 * f.scale));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  const std::string yes_id = std::string(id) + ".yes";
  if (danger ? danger_button(f, yes_id, yes, ImVec2(w, 0)) : primary_button(f, yes_id, yes, ImVec2(w, 0)))
    answer = Answer::yes;
  ImGui::SameLine();
  if (button(f, std::string(id) + ".no", f.s.tr("common.cancel"), ImVec2(w, 0))) answer = Answer::no;
  if (answer != Answer::none) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
  return answer;
}

bool text_row(Frame& f, std::string_view id, bool selected, const std::vector<RowLine>& lines, float width,
              const std::string& badge_text, ImU32 badge_color) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float pad = ImGui::GetStyle().FramePadding.x * 0.5f;
  // Never shorter than a finger, however few lines.
  const float height = std::max(line * static_cast<float>(lines.size()) + ImGui::GetStyle().FramePadding.y,
                                ImGui::GetFrameHeight());
  const ImVec2 top = ImGui::GetCursorScreenPos();
  const bool pressed = list_row(f, id, selected, ImVec2(width, height));
  if (!ImGui::IsItemVisible()) return pressed;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float right = top.x + width - pad;
  const float y0 = top.y + (height - line * static_cast<float>(lines.size())) * 0.5f + 2;
  for (size_t i = 0; i < lines.size(); ++i) {
    const ImVec2 at(top.x + pad, y0 + line * static_cast<float>(i));
    float end = right;
    if (i == 0 && !badge_text.empty()) {
      // The badge keeps its place; the words give way with an ellipsis.
      const ImVec2 bs = ImGui::CalcTextSize(badge_text.c_str());
      const float bx = std::min(right - bs.x - pad * 2,
                                at.x + ImGui::CalcTextSize(lines[0].text.c_str()).x + ImGui::GetStyle().ItemSpacing.x);
      dl->AddRectFilled(ImVec2(bx, at.y), ImVec2(bx + bs.x + pad * 2, at.y + bs.y), badge_color, bs.y * 0.25f);
      dl->AddText(ImVec2(bx + pad, at.y), IM_COL32_WHITE, badge_text.c_str());
      end = bx - ImGui::GetStyle().ItemSpacing.x * 0.5f;
    }
    if (lines[i].color) ImGui::PushStyleColor(ImGuiCol_Text, lines[i].color);
    ImGui::RenderTextEllipsis(dl, at, ImVec2(end, at.y + line), end, end, lines[i].text.c_str(), nullptr, nullptr);
    if (lines[i].color) ImGui::PopStyleColor();
  }
  return pressed;
}

void muted_line(const std::string& text) {
  const std::string_view first = std::string_view(text).substr(0, text.find('\n'));
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x, line = ImGui::GetTextLineHeight();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::RenderTextEllipsis(ImGui::GetWindowDrawList(), at, ImVec2(at.x + width, at.y + line), at.x + width,
                            at.x + width, first.data(), first.data() + first.size(), nullptr);
  ImGui::PopStyleColor();
  ImGui::Dummy(ImVec2(width, line));
}

void same_line_if_fits(const std::string& label) {
  const ImGuiStyle& st = ImGui::GetStyle();
  const float w = ImGui::CalcTextSize(label.c_str()).x + st.FramePadding.x * 2;
  const float right = ImGui::GetItemRectMax().x + st.ItemSpacing.x + w;
  if (right <= ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) ImGui::SameLine();
}

void touch_scroll() {
  ImGuiContext& g = *GImGui;
  ImGuiWindow* w = g.CurrentWindow;
  if (g.HoveredWindow != w || !ImGui::IsMouseDragging(ImGuiMouseButton_Left)) return;
  if (g.ActiveId != 0) {
    // Text fields, sliders and scrollbars keep their drags.
    if (g.ActiveId != g_pressable_active || g.ActiveIdWindow != w) return;
    ImGui::ClearActiveID();  // the press becomes a scroll: no click on release
  }
  ImGui::SetScrollY(w, w->Scroll.y - g.IO.MouseDelta.y);
}

bool begin_panel(const char* id, ImVec2 size, bool border) {
  bool open = ImGui::BeginChild(id, size, border);
  touch_scroll();
  return open;
}

void end_panel() { ImGui::EndChild(); }

void heading(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, kTitleText);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopStyleColor();
  ImGui::Separator();
}

void muted(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, kMutedText);
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

void error_text(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, kRedText);
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

void field(const std::string& label, const std::string& value) {
  ImGui::PushStyleColor(ImGuiCol_Text, kMutedText);
  ImGui::TextUnformatted(label.c_str());
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::TextWrapped("%s", value.empty() ? "—" : value.c_str());
}

void number_field(Frame& f, std::string_view id, const std::string& label, const MaskedNumber& n) {
  const RevealedNumber* clear = revealed_now(f.snap.revealed.get(), n, f.now_ms);
  ImGui::AlignTextToFramePadding();
  field(label, clear ? clear->text : n.text);
  if (clear) {
    ImGui::SameLine();
    muted(f.s.tr("mask.recorded"));
    f.probe.state(std::string(id), "revealed");
  } else if (n.masked) {
    ImGui::SameLine();
    if (button(f, id, f.s.tr("mask.show"))) f.core.reveal(n.table, n.row_id, n.column);
    f.probe.state(std::string(id), "masked");
  }
}

void dot(ImU32 color) {
  const float h = ImGui::GetTextLineHeight();
  ImVec2 p = ImGui::GetCursorScreenPos();
  p.y += ImGui::GetCurrentWindow()->DC.CurrLineTextBaseOffset;  // level with text beside framed widgets
  ImGui::Dummy(ImVec2(h, h));
  ImGui::GetWindowDrawList()->AddCircleFilled(ImVec2(p.x + h * 0.5f, p.y + h * 0.5f), h * 0.36f, color);
}

void badge(const std::string& text, ImU32 color) {
  const ImVec2 pad(ImGui::GetStyle().FramePadding.x * 0.5f, 0);
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  ImVec2 p = ImGui::GetCursorScreenPos();
  p.y += ImGui::GetCurrentWindow()->DC.CurrLineTextBaseOffset;
  ImGui::Dummy(ImVec2(size.x + pad.x * 2, size.y));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + size.x + pad.x * 2, p.y + size.y), color, size.y * 0.25f);
  dl->AddText(ImVec2(p.x + pad.x, p.y), IM_COL32_WHITE, text.c_str());
}

ImU32 light_color(Light l) {
  switch (l) {
    case Light::green: return kGreen;
    case Light::yellow: return kYellow;
    case Light::red: return kRed;
  }
  return kGrey;
}

ImU32 link_color(Link l) {
  switch (l) {
    case Link::online: return kGreen;
    case Link::offline: return kRed;
    case Link::unknown: return kGrey;
  }
  return kGrey;
}

std::string date_time(int64_t ms) {
  if (ms <= 0) return "—";
  int minutes = 0;
  CivilDate d = civil_of(ms, &minutes);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d", d.year, d.month, d.day, minutes / 60, minutes % 60);
  return buf;
}

std::string clock_time(int64_t ms) {
  if (ms <= 0) return "—";
  int minutes = 0;
  civil_of(ms, &minutes);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

std::string date_only(int64_t ms) {
  if (ms <= 0) return "—";
  return iso_date(civil_of(ms, nullptr));
}

CivilDate china_date(int64_t ms) { return civil_of(ms, nullptr); }

std::string iso_date(CivilDate d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

int64_t start_of_day(int64_t ms) {
  return days_from_civil(civil_of(ms, nullptr)) * 86'400'000 - kChinaOffsetMs;
}

std::string category_name(const Frame& f, std::string_view code) {
  const CategorySpec* c = find_category(code);
  if (!c) return std::string(code);
  return std::string(f.s.lang() == "en" ? c->name_en : c->name_zh);
}

std::string major_name(const Frame& f, std::string_view major) {
  const MajorClass* m = find_major_class(major);
  if (!m) return std::string(major);
  return std::string(f.s.lang() == "en" ? m->name_en : m->name_zh);
}

std::string status_name(const Frame& f, std::string_view status) { return f.s.tr("status." + std::string(status)); }

std::string count_text(int64_t n) { return std::to_string(n); }

RoleSet my_roles(const Frame& f) { return RoleSet::parse(f.snap.session.roles).value_or(RoleSet{}); }

}  // namespace gw::client::ui
