#include "client/ui/screens/kpi.hpp"

#include <imgui_internal.h>

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <vector>

#include "client/ui/widgets.hpp"
#include "shared/calendar.hpp"

namespace gw::client::ui {
namespace {

// Midnight China time of a YYYY-MM-DD date plus some days, as Unix ms: a
// report period's bounds (both dates inclusive) for the audit export.
std::optional<int64_t> china_day_ms(const std::string& ymd, int plus_days) {
  CivilDate d;
  if (ymd.size() != 10 || std::sscanf(ymd.c_str(), "%4d-%2d-%2d", &d.year, &d.month, &d.day) != 3) return std::nullopt;
  return (days_from_civil(d) + plus_days) * 86'400'000 - kChinaOffsetMs;
}

constexpr float kValueScale = 1.5f;   // a tile's figure, larger than its words
constexpr float kLabelShare = 0.3f;   // of the chart's width, for the row names
constexpr float kBarShare = 0.6f;     // of a line's height, for a bar
const ImU32 kVisitsColor = IM_COL32(0, 150, 160, 255);
const ImU32 kTrackColor = IM_COL32(225, 230, 238, 255);

// (value, label): a row of toggle buttons to pick one.
using Choices = std::vector<std::pair<const char*, std::string>>;

Choices presets(const Frame& f) {
  return {{"this_month", f.s.tr("kpi.period.this_month")},
          {"last_month", f.s.tr("kpi.period.last_month")},
          {"this_quarter", f.s.tr("kpi.period.this_quarter")},
          {"this_year", f.s.tr("kpi.period.this_year")}};
}

Choices groups(const Frame& f) {
  return {{"grid", f.s.tr("kpi.group.grid")},
          {"worker", f.s.tr("kpi.group.worker")},
          {"department", f.s.tr("kpi.group.department")}};
}

std::string label_of(const Choices& choices, const std::string& value) {
  for (const auto& [v, label] : choices)
    if (value == v) return label;
  return {};
}

// The value tapped, or nullptr.
const char* choose(Frame& f, const std::string& probe_prefix, const Choices& choices, const std::string& current) {
  const char* picked = nullptr;
  for (size_t i = 0; i < choices.size(); ++i) {
    const auto& [value, label] = choices[i];
    if (i) ImGui::SameLine();
    if (toggle_button(f, probe_prefix + value, label, current == value)) picked = value;
  }
  return picked;
}

// Undefined figures (nothing was due, nobody rated) show as a dash, not 0.
std::string percent(double rate) {
  if (rate < 0) return "—";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

std::string one_decimal(double v) {
  if (v < 0) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct Tile {
  const char* id = "";
  std::string label, value, caption;
  ImU32 color = 0;
};

void tile(Frame& f, const Tile& t, float w) {
  const ImGuiStyle& st = ImGui::GetStyle();
  // Half the usual padding: seven tiles share a tablet's width.
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(st.WindowPadding.x * 0.5f, st.WindowPadding.y * 0.5f));
  const float h = ImGui::GetTextLineHeightWithSpacing() * 2 + ImGui::GetTextLineHeight() * kValueScale +
                  st.ItemSpacing.y + st.WindowPadding.y;
  ImGui::BeginChild(t.id, ImVec2(w, h), true, ImGuiWindowFlags_NoScrollbar);
  ImGui::TextColored(kMutedText, "%s", t.label.c_str());
  ImGui::SetWindowFontScale(kValueScale);
  ImGui::PushStyleColor(ImGuiCol_Text, t.color);
  ImGui::TextUnformatted(t.value.c_str());
  ImGui::PopStyleColor();
  ImGui::SetWindowFontScale(1.0f);
  ImGui::TextColored(kMutedText, "%s", t.caption.c_str());
  ImGui::EndChild();
  ImGui::PopStyleVar();
  probe_item(f, t.id);
}

// Text cut with an ellipsis where `right` (screen x) comes, on the line at `at`.
void ellipsis(ImVec2 at, float right, const std::string& text) {
  ImGui::RenderTextEllipsis(ImGui::GetWindowDrawList(), at, ImVec2(right, at.y + ImGui::GetTextLineHeight()), right,
                            right, text.c_str(), nullptr, nullptr);
}

void right_aligned(const std::string& text) {
  const float w = ImGui::CalcTextSize(text.c_str()).x;
  ImGui::SetCursorPosX(ImGui::GetCursorPosX() + std::max(0.0f, ImGui::GetContentRegionAvail().x - w));
  ImGui::TextUnformatted(text.c_str());
}

void table_row(const KpiBar& r, const std::string& label) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ellipsis(at, at.x + ImGui::GetContentRegionAvail().x, label);
  ImGui::Dummy(ImVec2(0, ImGui::GetTextLineHeight()));
  for (const std::string& cell :
       {count_text(r.due), count_text(r.closed), count_text(r.closed_on_time), count_text(r.deferred),
        count_text(r.rework), percent(r.close_rate), percent(r.on_time_rate), one_decimal(r.mean_handling_hours),
        count_text(r.patrols), one_decimal(static_cast<double>(r.patrol_m) / 1000),
        one_decimal(static_cast<double>(r.patrol_inside_ms) / 3'600'000), count_text(r.visits),
        one_decimal(r.satisfaction)}) {
    ImGui::TableNextColumn();
    right_aligned(cell);
  }
}

// A line's bar: an empty track `w` wide less room for its figure, which
// stands right-aligned; the parts fill the track from the left.
void bar(ImVec2 at, float w, float text_w, std::initializer_list<std::pair<double, ImU32>> parts,
         const std::string& figure) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float h = ImGui::GetTextLineHeight();
  const float track = std::max(0.0f, w - text_w - ImGui::GetStyle().ItemInnerSpacing.x);
  const float y0 = at.y + h * (1 - kBarShare) * 0.5f, y1 = y0 + h * kBarShare;
  dl->AddRectFilled(ImVec2(at.x, y0), ImVec2(at.x + track, y1), kTrackColor);
  float x = at.x;
  for (const auto& [share, color] : parts) {
    const float len = track * static_cast<float>(std::clamp(share, 0.0, 1.0));
    dl->AddRectFilled(ImVec2(x, y0), ImVec2(x + len, y1), color);
    x += len;
  }
  const float fw = ImGui::CalcTextSize(figure.c_str()).x;
  dl->AddText(ImVec2(at.x + w - fw, at.y), ImGui::GetColorU32(ImGuiCol_Text), figure.c_str());
}

}  // namespace

std::optional<Period> preset_period(std::string_view preset, int64_t now_ms) {
  const CivilDate today = china_date(now_ms);
  const std::string to = iso_date(today);
  if (preset == "this_month") return Period{iso_date({today.year, today.month, 1}), to};
  if (preset == "this_quarter") return Period{iso_date({today.year, (today.month - 1) / 3 * 3 + 1, 1}), to};
  if (preset == "this_year") return Period{iso_date({today.year, 1, 1}), to};
  if (preset == "last_month") {
    const CivilDate last = civil_from_days(days_from_civil({today.year, today.month, 1}) - 1);
    return Period{iso_date({last.year, last.month, 1}), iso_date(last)};
  }
  return std::nullopt;
}

void KpiScreen::load(Frame& f) { f.core.load_kpi(from_, to_, group_); }

void KpiScreen::use_preset(Frame& f, const char* preset) {
  if (auto p = preset_period(preset, f.now_ms)) {
    preset_ = preset;
    from_ = p->from;
    to_ = p->to;
  }
}

// A preset follows the clock: "this month" is this month whenever the screen opens.
void KpiScreen::enter(Frame& f) {
  if (!preset_.empty()) use_preset(f, preset_.c_str());
  load(f);
}

void KpiScreen::period_row(Frame& f) {
  if (const char* p = choose(f, "kpi.period.", presets(f), preset_)) {
    use_preset(f, p);
    load(f);
  }
  const ImGuiStyle& st = ImGui::GetStyle();
  const float date_w = ImGui::CalcTextSize("0000-00-00").x + st.FramePadding.x * 3;
  const std::string hint = f.s.tr("kpi.date_hint");
  bool apply = false;
  ImGui::SameLine(0, st.ItemSpacing.x * 3);
  ImGui::TextUnformatted(f.s.c("kpi.from"));
  ImGui::SameLine();
  apply |= input_text(f, "kpi.from", hint, &from_, ImGuiInputTextFlags_EnterReturnsTrue, date_w);
  if (ImGui::IsItemEdited()) preset_.clear();
  ImGui::SameLine();
  ImGui::TextUnformatted(f.s.c("kpi.to"));
  ImGui::SameLine();
  apply |= input_text(f, "kpi.to", hint, &to_, ImGuiInputTextFlags_EnterReturnsTrue, date_w);
  if (ImGui::IsItemEdited()) preset_.clear();
  ImGui::SameLine();
  apply |= button(f, "kpi.apply", f.s.tr("kpi.apply"));
  if (apply) load(f);
}

void KpiScreen::group_row(Frame& f, const KpiView* v) {
  if (const char* g = choose(f, "kpi.group.", groups(f), group_)) {
    group_ = g;
    load(f);
  }
  const std::string label = f.s.tr("kpi.export");
  // The personal-data audit of the same period, for the office (DESIGN §8).
  const RoleSet roles = my_roles(f);
  const bool office = roles.has(Role::supervisor) || roles.has(Role::admin);
  const std::string audit_label = f.s.tr("kpi.export_audit");
  const float pad = ImGui::GetStyle().FramePadding.x * 2, gap = ImGui::GetStyle().ItemSpacing.x;
  const float export_w = ImGui::CalcTextSize(label.c_str()).x + pad;
  const float buttons_w = export_w + (office ? ImGui::CalcTextSize(audit_label.c_str()).x + pad + gap : 0.0f);
  const float right = ImGui::GetContentRegionMax().x;
  // Where the figures come from, giving way to the export buttons.
  ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 3);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float note_end = ImGui::GetWindowPos().x + right - buttons_w - gap;
  ImGui::PushStyleColor(ImGuiCol_Text, kMutedText);
  ellipsis(ImVec2(at.x, at.y + ImGui::GetStyle().FramePadding.y), note_end, f.s.tr("kpi.note"));
  ImGui::PopStyleColor();
  ImGui::SameLine(right - buttons_w);
  ImGui::BeginDisabled(!v || !v->error.empty());
  if (button(f, "kpi.export", label)) f.core.export_kpi_csv();
  if (office) {
    ImGui::SameLine();
    const auto from = v ? china_day_ms(v->from, 0) : std::nullopt, to = v ? china_day_ms(v->to, 1) : std::nullopt;
    if (button(f, "kpi.export_audit", audit_label) && from && to) f.core.export_audit_csv(*from, *to - 1);
  }
  ImGui::EndDisabled();
}

void KpiScreen::totals(Frame& f, const KpiBar& t) {
  const int64_t counted = t.due - t.deferred;  // deferred cases are not held against the rates
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), primary = ImGui::GetColorU32(kPrimary);
  const Tile tiles[] = {
      {"kpi.tile.close_rate", f.s.tr("kpi.close_rate"), percent(t.close_rate),
       f.s.format("kpi.of", {count_text(t.closed), count_text(counted)}), primary},
      {"kpi.tile.on_time_rate", f.s.tr("kpi.on_time_rate"), percent(t.on_time_rate),
       f.s.format("kpi.of", {count_text(t.closed_on_time), count_text(counted)}), kGreen},
      {"kpi.tile.rework", f.s.tr("kpi.rework"), count_text(t.rework),
       f.s.format("kpi.deferred_n", {count_text(t.deferred)}), t.rework ? kRed : text},
      {"kpi.tile.handling", f.s.tr("kpi.handling"), one_decimal(t.mean_handling_hours), f.s.tr("kpi.hours"), text},
      {"kpi.tile.patrols", f.s.tr("kpi.patrols"), count_text(t.patrols),
       f.s.format("kpi.patrol_km", {one_decimal(static_cast<double>(t.patrol_m) / 1000)}), primary},
      {"kpi.tile.visits", f.s.tr("kpi.visits"), count_text(t.visits), std::string(), kVisitsColor},
      {"kpi.tile.satisfaction", f.s.tr("kpi.satisfaction"), one_decimal(t.satisfaction),
       f.s.format("kpi.evaluated_n", {count_text(t.evaluated)}), kGreen},
  };
  const float n = static_cast<float>(std::size(tiles));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * (n - 1)) / n;
  for (size_t i = 0; i < std::size(tiles); ++i) {
    if (i) ImGui::SameLine();
    tile(f, tiles[i], w);
  }
}

// Three charts side by side sharing the row names: close rate and on-time
// rate out of 100%, and patrols + visits against the busiest row.
void KpiScreen::charts(Frame& f, const KpiView& v) {
  const float width = ImGui::GetContentRegionAvail().x;
  const float label_w = width * kLabelShare, col_w = (width - label_w) / 3;
  const float gap = ImGui::GetStyle().ItemSpacing.x * 2;
  int64_t busiest = 1;
  for (const KpiBar& r : v.rows) busiest = std::max(busiest, r.patrols + r.visits);
  const float rate_text_w = ImGui::CalcTextSize("100.0%").x;
  const float work_text_w = ImGui::CalcTextSize((count_text(busiest) + " + " + count_text(busiest)).c_str()).x;

  const float x0 = ImGui::GetCursorPosX();
  ImGui::TextColored(kMutedText, "%s", label_of(groups(f), group_).c_str());
  ImGui::SameLine(x0 + label_w);
  ImGui::TextColored(kMutedText, "%s", f.s.c("kpi.close_rate"));
  ImGui::SameLine(x0 + label_w + col_w);
  ImGui::TextColored(kMutedText, "%s", f.s.c("kpi.on_time_rate"));
  ImGui::SameLine(x0 + label_w + col_w * 2);
  dot(ImGui::GetColorU32(kPrimary));
  ImGui::SameLine(0, 0);
  ImGui::TextColored(kMutedText, "%s", f.s.c("kpi.patrols"));
  ImGui::SameLine();
  dot(kVisitsColor);
  ImGui::SameLine(0, 0);
  ImGui::TextColored(kMutedText, "%s", f.s.c("kpi.visits"));

  const ImU32 primary = ImGui::GetColorU32(kPrimary);
  for (const KpiBar& r : v.rows) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(width, ImGui::GetTextLineHeight()));
    if (!ImGui::IsItemVisible()) continue;
    ellipsis(p, p.x + label_w - gap, r.label);
    bar(ImVec2(p.x + label_w, p.y), col_w - gap, rate_text_w, {{r.close_rate, primary}}, percent(r.close_rate));
    bar(ImVec2(p.x + label_w + col_w, p.y), col_w - gap, rate_text_w, {{r.on_time_rate, kGreen}},
        percent(r.on_time_rate));
    const double most = static_cast<double>(busiest);
    bar(ImVec2(p.x + label_w + col_w * 2, p.y), col_w, work_text_w,
        {{static_cast<double>(r.patrols) / most, primary}, {static_cast<double>(r.visits) / most, kVisitsColor}},
        count_text(r.patrols) + " + " + count_text(r.visits));
  }
}

void KpiScreen::table(Frame& f, const KpiView& v) {
  const char* columns[] = {f.s.c("kpi.col.due"),      f.s.c("kpi.col.closed"),     f.s.c("kpi.col.on_time"),
                           f.s.c("kpi.col.deferred"), f.s.c("kpi.col.rework"),     f.s.c("kpi.col.close_rate"),
                           f.s.c("kpi.col.on_time_rate"), f.s.c("kpi.col.hours"), f.s.c("kpi.col.patrols"),
                           f.s.c("kpi.col.patrol_km"), f.s.c("kpi.col.inside_hours"),
                           f.s.c("kpi.col.visits"),   f.s.c("kpi.col.satisfaction")};
  const int flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersInnerV |
                    ImGuiTableFlags_SizingFixedFit;
  ImGui::PushStyleVar(ImGuiStyleVar_CellPadding, ImVec2(ImGui::GetStyle().ItemInnerSpacing.x * 0.5f,
                                                        ImGui::GetStyle().ItemInnerSpacing.y * 0.5f));
  if (ImGui::BeginTable("##kpi_table", static_cast<int>(std::size(columns)) + 1, flags)) {
    ImGui::TableSetupColumn(label_of(groups(f), group_).c_str(), ImGuiTableColumnFlags_WidthStretch);
    for (const char* c : columns) ImGui::TableSetupColumn(c);
    ImGui::TableHeadersRow();
    for (const KpiBar& r : v.rows) table_row(r, r.label);
    table_row(v.total, f.s.tr("kpi.total_row"));
    ImGui::EndTable();
  }
  ImGui::PopStyleVar();
}

void KpiScreen::draw(Frame& f) {
  const KpiView* v = f.snap.kpi.get();
  period_row(f);
  group_row(f, v);
  if (!v) {
    muted(f.s.tr("common.loading"));
    return;
  }
  if (!v->exported_to.empty()) {
    muted(f.s.format("kpi.exported_to", {v->exported_to}));
    f.probe.state("kpi_exported_to", v->exported_to);
  }
  if (!v->error.empty()) {
    error_text(f.s.tr("kpi.bad_period") + " " + v->error);
    return;
  }
  totals(f, v->total);
  begin_panel("##kpi_rows", ImVec2(0, 0));
  if (v->rows.empty()) muted(f.s.tr("kpi.no_rows"));
  else charts(f, *v);
  heading(f.s.tr("kpi.details"));
  table(f, *v);
  end_panel();
}

}  // namespace gw::client::ui
