#include "client/ui/screens/conflicts.hpp"

#include <imgui_internal.h>

#include <algorithm>
#include <set>
#include <utility>

#include "client/ui/photo_widgets.hpp"
#include "client/ui/screens/home.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

constexpr const char* kKinds[] = {"review", "state", "quarantine"};
constexpr int64_t kDayMs = 86'400'000;
constexpr float kOptionWidth = 150.0f;  // design px: a choice's button, its value beside it
constexpr float kLabelWidth = 190.0f;   // design px: a field's name before its value
constexpr float kFieldsShare = 0.60f;   // of the width, for the fields; the history beside them
// Badge colours dark enough for white words.
constexpr ImU32 kQuarantineColor = IM_COL32(170, 60, 40, 255);
constexpr ImU32 kDecidedColor = IM_COL32(46, 130, 60, 255);

ImU32 kind_color(const std::string& kind) {
  if (kind == "state") return kPurple;
  if (kind == "quarantine") return kQuarantineColor;
  return kBlue;
}

bool is_open(const ConflictItem& c) { return c.status == "open"; }
bool whole_patch(const ConflictItem& c) { return c.kind == "quarantine" || c.column == "*"; }

bool same_filter(const ConflictFilter& a, const ConflictFilter& b) {
  return a.grid_id == b.grid_id && a.table == b.table && a.kind == b.kind && a.device == b.device &&
         a.min_age_ms == b.min_age_ms && a.open_only == b.open_only;
}

// Between the items of a list: 、 in Chinese, a comma in English.
std::string list_sep(const Frame& f) { return f.s.lang() == "en" ? ", " : "、"; }

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\n"), b = s.find_last_not_of(" \t\n");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// The words for a key, or `fallback` when this build has none.
std::string tr_or(const Frame& f, const std::string& key, const std::string& fallback) {
  const std::string t = f.s.tr(key);
  return t == key ? fallback : t;
}

std::string table_name(const Frame& f, const std::string& table) { return tr_or(f, "table." + table, table); }

std::string column_name(const Frame& f, const std::string& table, const std::string& column) {
  if (column == "*") return f.s.tr("conflicts.whole_patch");
  return tr_or(f, "column." + table + "." + column, column);
}

std::string kind_name(const Frame& f, const std::string& kind) { return tr_or(f, "conflicts.kind." + kind, kind); }

std::string choice_key(ConflictChoice c) {
  switch (c) {
    case ConflictChoice::ours: return "ours";
    case ConflictChoice::theirs: return "theirs";
    case ConflictChoice::base: return "base";
    case ConflictChoice::custom: return "custom";
    case ConflictChoice::accept: return "accept";
    case ConflictChoice::refuse: return "refuse";
  }
  return "ours";
}

std::string choice_name(const Frame& f, const std::string& key) { return tr_or(f, "conflicts.choice." + key, key); }

// A value as the admin reads it: a case's status by its name, a grid by its
// name where the tablet knows it, nothing as (空).
std::string value_text(const Frame& f, const std::string& table, const std::string& column, const std::string& v) {
  if (v.empty()) return f.s.tr("conflicts.empty_value");
  if (table == "cases" && column == "status") return status_name(f, v);
  if (column == "grid_id" && f.snap.catalog)
    for (const GridItem& g : f.snap.catalog->grids)
      if (g.id == v) return g.name;
  return v;
}

std::string side_value(const Frame& f, const ConflictItem& c, const ConflictSide& s) {
  if (!s.known) return f.s.tr("conflicts.unknown");
  return value_text(f, c.table, c.column, s.value);
}

// Who wrote it, on which device, when.
std::string side_meta(const Frame& f, const ConflictSide& s) {
  std::string out = s.author_name.empty() ? f.s.tr("conflicts.unknown") : s.author_name;
  if (!s.device.empty()) out += " · " + s.device;
  if (s.at > 0) out += " · " + date_time(s.at);
  return out;
}

std::string patch_text(const Frame& f, const ConflictItem& c) {
  std::string out;
  for (const auto& [col, v] : c.patch_fields)
    out += (out.empty() ? "" : list_sep(f)) + column_name(f, c.table, col) + "=" + value_text(f, c.table, col, v);
  return out.empty() ? "—" : out;
}

// Words cut with an ellipsis at `end`.
void clipped(ImDrawList* dl, ImVec2 at, float end, const std::string& text, ImU32 color = 0) {
  if (end <= at.x) return;
  if (color) ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::RenderTextEllipsis(dl, at, ImVec2(end, at.y + ImGui::GetTextLineHeightWithSpacing()), end, end,
                            text.c_str(), nullptr, nullptr);
  if (color) ImGui::PopStyleColor();
}

// A pill drawn at x (left) or ending at x (right_aligned); returns its far edge.
float pill(ImDrawList* dl, float x, float y, const std::string& text, ImU32 color, bool right_aligned = false) {
  const float pad = ImGui::GetStyle().FramePadding.x * 0.5f;
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  const float x0 = right_aligned ? x - size.x - pad * 2 : x;
  dl->AddRectFilled(ImVec2(x0, y), ImVec2(x0 + size.x + pad * 2, y + size.y), color, size.y * 0.25f);
  dl->AddText(ImVec2(x0 + pad, y), IM_COL32_WHITE, text.c_str());
  return right_aligned ? x0 : x0 + size.x + pad * 2;
}

// One conflict in the queue, three lines: kind, record, field and grid;
// the two values; who wrote them where and when (a quarantined patch: its
// reason, then its author and what it sets).
bool conflict_row(Frame& f, const std::string& id, const ConflictItem& c, float width) {
  const ImGuiStyle& st = ImGui::GetStyle();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float height = line * 3 + st.FramePadding.y;
  const ImVec2 top = ImGui::GetCursorScreenPos();
  const bool pressed = list_row(f, id, false, ImVec2(width, height));
  if (!ImGui::IsItemVisible()) return pressed;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 muted_color = ImGui::GetColorU32(kMutedText);
  const float pad = st.FramePadding.x * 0.5f, gap = st.ItemSpacing.x;
  const float x0 = top.x + pad, right = top.x + width - pad;
  const float y0 = top.y + st.FramePadding.y * 0.5f;
  const float below = top.y + height + st.ItemSpacing.y * 0.5f;  // between this row and the next
  dl->AddLine(ImVec2(top.x, below), ImVec2(top.x + width, below), IM_COL32(215, 220, 228, 255));

  float x = pill(dl, x0, y0, kind_name(f, c.kind), kind_color(c.kind)) + gap;
  float end = right;
  const std::string when = date_time(c.opened_at);
  end -= ImGui::CalcTextSize(when.c_str()).x;
  dl->AddText(ImVec2(end, y0), muted_color, when.c_str());
  end -= gap;
  if (c.pending) end = pill(dl, end, y0, f.s.tr("conflicts.pending"), kAmber, true) - gap;
  if (!is_open(c))
    end = pill(dl, end, y0, tr_or(f, "conflicts.status." + c.status, c.status), kDecidedColor, true) - gap;
  std::string head = c.record_label.empty() ? c.row_id.substr(0, 8) : c.record_label;
  head += "  ·  " + table_name(f, c.table) + " · " + column_name(f, c.table, c.column);
  if (!c.grid_name.empty()) head += "  ·  " + c.grid_name;
  clipped(dl, ImVec2(x, y0), end, head);

  const float y1 = y0 + line, y2 = y0 + line * 2;
  if (whole_patch(c)) {
    clipped(dl, ImVec2(x0, y1), right, f.s.format("conflicts.reason", {c.reason.empty() ? "—" : c.reason}));
    clipped(dl, ImVec2(x0, y2), right,
            f.s.format("conflicts.patch_by", {side_meta(f, c.theirs)}) + "  ·  " + patch_text(f, c), muted_color);
    return pressed;
  }
  const float half = (right - x0 - gap) * 0.5f;
  const float xr = x0 + half + gap;
  clipped(dl, ImVec2(x0, y1), x0 + half,
          f.s.format("conflicts.side", {f.s.tr("conflicts.choice.ours"), side_value(f, c, c.ours)}));
  clipped(dl, ImVec2(xr, y1), right,
          f.s.format("conflicts.side", {f.s.tr("conflicts.choice.theirs"), side_value(f, c, c.theirs)}));
  clipped(dl, ImVec2(x0, y2), x0 + half, side_meta(f, c.ours), muted_color);
  clipped(dl, ImVec2(xr, y2), right, side_meta(f, c.theirs), muted_color);
  // Between the two: the value that arrived second.
  dl->AddLine(ImVec2(xr - gap * 0.5f, y1 + 2), ImVec2(xr - gap * 0.5f, y2 + line - 4), IM_COL32(200, 205, 215, 255));
  return pressed;
}

float width_of(const std::string& label) {
  return ImGui::CalcTextSize(label.c_str()).x + ImGui::GetStyle().FramePadding.x * 2;
}

}  // namespace

void ConflictsScreen::enter(Frame& f) {
  admin_ = my_roles(f).has(Role::admin);
  if (std::exchange(viewing_, false)) return;  // back from a picture
  view_ = View::queue;
  ask_.reset();
  if (admin_) reload(f);
}

void ConflictsScreen::reload(Frame& f) {
  filter_.min_age_ms = age_ == "week" ? 7 * kDayMs : age_ == "day" ? kDayMs : 0;
  f.core.load_conflicts(filter_);
}

// ---- the queue ----------------------------------------------------------------

void ConflictsScreen::kind_chips(Frame& f, const ConflictQueue* q) {
  auto count = [&](const std::string& kind) {
    int64_t n = 0;
    if (q)
      for (const auto& [k, c] : q->kinds)
        if (kind.empty() || k == kind) n += c;
    return n;
  };
  bool changed = false;
  if (toggle_button(f, "conflicts.kind.all", f.s.tr("conflicts.kind_all") + " " + count_text(count("")),
                    filter_.kind.empty())) {
    changed = !filter_.kind.empty();
    filter_.kind.clear();
  }
  for (const char* k : kKinds) {
    const std::string label = kind_name(f, k) + " " + count_text(count(k));
    same_line_if_fits(label);
    if (toggle_button(f, std::string("conflicts.kind.") + k, label, filter_.kind == k)) {
      changed = changed || filter_.kind != k;
      filter_.kind = k;
    }
  }
  const std::string open_label = f.s.tr("conflicts.open_only");
  // At the right edge, or after the chips when they reach it.
  const float after = ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x + ImGui::GetStyle().ItemSpacing.x;
  ImGui::SameLine(std::max(after, ImGui::GetWindowContentRegionMax().x - width_of(open_label)));
  if (toggle_button(f, "conflicts.open_only", open_label, filter_.open_only)) {
    filter_.open_only = !filter_.open_only;
    changed = true;
  }
  if (changed) reload(f);
}

void ConflictsScreen::combos(Frame& f, const ConflictQueue* q) {
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float w = (ImGui::GetContentRegionAvail().x - spacing * 3) / 4;
  using Items = std::vector<std::pair<std::string, std::string>>;
  bool changed = false;

  Items tables{{"", f.s.tr("conflicts.all_tables")}};
  Items devices{{"", f.s.tr("conflicts.all_devices")}};
  if (q) {
    for (const auto& [t, n] : q->tables) tables.emplace_back(t, table_name(f, t) + " (" + count_text(n) + ")");
    for (const auto& [d, n] : q->devices) devices.emplace_back(d, d + " (" + count_text(n) + ")");
  }
  // A value picked before keeps its place while the facets move under it.
  if (!filter_.table.empty() &&
      std::none_of(tables.begin(), tables.end(), [&](auto& i) { return i.first == filter_.table; }))
    tables.emplace_back(filter_.table, table_name(f, filter_.table));
  if (!filter_.device.empty() &&
      std::none_of(devices.begin(), devices.end(), [&](auto& i) { return i.first == filter_.device; }))
    devices.emplace_back(filter_.device, filter_.device);
  changed |= combo(f, "conflicts.table", tables, &filter_.table, w);
  ImGui::SameLine();
  changed |= combo(f, "conflicts.device", devices, &filter_.device, w);
  ImGui::SameLine();
  const Items ages{{"any", f.s.tr("conflicts.age.any")}, {"day", f.s.tr("conflicts.age.day")},
                   {"week", f.s.tr("conflicts.age.week")}};
  changed |= combo(f, "conflicts.age", ages, &age_, w);
  ImGui::SameLine();
  // Zones and unit grids: a zone takes in the unit grids below it.
  Items grids{{"", f.s.tr("conflicts.all_grids")}};
  std::set<std::string> seen;
  if (f.snap.catalog) {
    std::vector<const GridItem*> sorted;
    for (const GridItem& g : f.snap.catalog->grids)
      if (g.level <= 2) sorted.push_back(&g);
    std::sort(sorted.begin(), sorted.end(), [](const GridItem* a, const GridItem* b) { return a->code < b->code; });
    for (const GridItem* g : sorted)
      if (seen.insert(g->id).second) grids.emplace_back(g->id, g->code + "  " + g->name);
  }
  if (q)  // grids the tablet holds no catalog entry for, as the conflicts name them
    for (const ConflictItem& c : q->items)
      if (!c.grid_id.empty() && seen.insert(c.grid_id).second) grids.emplace_back(c.grid_id, c.grid_name);
  changed |= combo(f, "conflicts.grid", grids, &filter_.grid_id, -1.0f);
  if (changed) reload(f);
}

void ConflictsScreen::filters(Frame& f, const ConflictQueue* q) {
  kind_chips(f, q);
  combos(f, q);
}

// Decides every open conflict under the filter alike, after a confirmation
// naming how many.
void ConflictsScreen::bulk_bar(Frame& f, const ConflictQueue& q) {
  const bool fresh = same_filter(q.filter, filter_);
  std::vector<std::string> pairs, patches;  // review and state; quarantine
  for (const ConflictItem& c : q.items) {
    if (!is_open(c) || c.pending) continue;
    (whole_patch(c) ? patches : pairs).push_back(c.id);
  }
  auto ask = [&](const std::vector<std::string>& ids, ConflictChoice choice, const char* text_key, const char* yes_key,
                 bool danger) {
    Ask a{f.s.tr("conflicts.confirm_bulk_title"),
          f.s.format(text_key, {count_text(static_cast<int64_t>(ids.size()))}), f.s.tr(yes_key), danger, {}};
    for (const std::string& id : ids) a.decisions.push_back(ConflictDecision{id, choice, {}});
    ask_ = std::move(a);
  };
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(
      f.s.format("conflicts.bulk_label", {count_text(static_cast<int64_t>(pairs.size() + patches.size()))}).c_str());
  ImGui::BeginDisabled(!fresh || pairs.empty());
  std::string label = f.s.tr("conflicts.bulk_ours");
  same_line_if_fits(label);
  if (button(f, "conflicts.bulk.ours", label))
    ask(pairs, ConflictChoice::ours, "conflicts.confirm_bulk_ours", "conflicts.bulk_ours", false);
  label = f.s.tr("conflicts.bulk_theirs");
  same_line_if_fits(label);
  if (button(f, "conflicts.bulk.theirs", label))
    ask(pairs, ConflictChoice::theirs, "conflicts.confirm_bulk_theirs", "conflicts.bulk_theirs", false);
  ImGui::EndDisabled();
  ImGui::BeginDisabled(!fresh || patches.empty());
  label = f.s.tr("conflicts.bulk_accept");
  same_line_if_fits(label);
  if (button(f, "conflicts.bulk.accept", label))
    ask(patches, ConflictChoice::accept, "conflicts.confirm_bulk_accept", "conflicts.bulk_accept", false);
  label = f.s.tr("conflicts.bulk_refuse");
  same_line_if_fits(label);
  if (danger_button(f, "conflicts.bulk.refuse", label))
    ask(patches, ConflictChoice::refuse, "conflicts.confirm_bulk_refuse", "conflicts.bulk_refuse", true);
  ImGui::EndDisabled();
}

void ConflictsScreen::queue_list(Frame& f, const ConflictQueue& q) {
  if (!same_filter(q.filter, filter_)) {
    muted(f.s.tr("conflicts.stale"));
    return;
  }
  muted(f.s.format("conflicts.shown_n", {count_text(static_cast<int64_t>(q.items.size())), count_text(q.open_total)}));
  if (q.items.empty()) {
    muted(f.s.tr("conflicts.none"));
    return;
  }
  begin_panel("##conflict_queue", ImVec2(0, 0));
  const float width = ImGui::GetContentRegionAvail().x;
  const ImGuiStyle& st = ImGui::GetStyle();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(q.items.size()),
                ImGui::GetTextLineHeightWithSpacing() * 3 + st.FramePadding.y + st.ItemSpacing.y);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const ConflictItem& c = q.items[static_cast<size_t>(i)];
      if (conflict_row(f, "conflicts.row." + std::to_string(i), c, width)) open_record(f, c);
    }
  }
  end_panel();
}

void ConflictsScreen::open_record(Frame& f, const ConflictItem& c) {
  view_ = View::record;
  table_ = c.table;
  row_id_ = c.row_id;
  picks_.clear();
  customs_.clear();
  f.core.open_conflict_record(c.table, c.row_id);
  f.core.load_history(c.table, c.row_id);
}

// ---- a record -------------------------------------------------------------------

void ConflictsScreen::record_header(Frame& f, const RecordConflicts* r) {
  if (button(f, "conflicts.back", "< " + f.s.tr("conflicts.back"))) {
    view_ = View::queue;
    ask_.reset();
    reload(f);
  }
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  if (!r) {
    ImGui::TextUnformatted(table_name(f, table_).c_str());
    return;
  }
  std::string title = (r->label.empty() ? r->row_id.substr(0, 8) : r->label) + "  ·  " + table_name(f, r->table);
  if (!r->grid_name.empty()) title += "  ·  " + r->grid_name;
  ImGui::TextUnformatted(title.c_str());
  const auto open = std::count_if(r->conflicts.begin(), r->conflicts.end(), is_open);
  if (open > 0) {
    ImGui::SameLine();
    badge(f.s.format("conflicts.open_n", {count_text(open)}), kRed);
  }
}

// A quarantined patch: why, whose, what it sets; accept or refuse it whole.
void ConflictsScreen::quarantine_block(Frame& f, const ConflictItem& c, size_t index) {
  ImGui::PushID(static_cast<int>(index));
  badge(kind_name(f, c.kind), kind_color(c.kind));
  ImGui::SameLine();
  ImGui::TextUnformatted(f.s.format("conflicts.patch_by", {side_meta(f, c.theirs)}).c_str());
  if (c.pending) {
    ImGui::SameLine();
    badge(f.s.tr("conflicts.pending"), kAmber);
  }
  error_text(f.s.format("conflicts.reason", {c.reason.empty() ? "—" : c.reason}));
  muted(f.s.tr("conflicts.patch_fields"));
  const float label_w = kLabelWidth * f.scale;
  for (const auto& [col, v] : c.patch_fields) {
    ImGui::Indent();
    ImGui::PushStyleColor(ImGuiCol_Text, kMutedText);
    ImGui::TextUnformatted(column_name(f, c.table, col).c_str());
    ImGui::PopStyleColor();
    ImGui::SameLine(label_w);
    ImGui::TextWrapped("%s", value_text(f, c.table, col, v).c_str());
    ImGui::Unindent();
  }
  if (is_open(c)) {
    probe_choices_ += (probe_choices_.empty() ? "" : ",") + std::to_string(index) + ":" + c.kind + ":" + c.id;
    const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
    const std::string prefix = "conflicts.choice." + std::to_string(index) + ".";
    const auto it = picks_.find(c.id);
    const bool accept = it != picks_.end() && it->second == ConflictChoice::accept;
    const bool refuse = it != picks_.end() && it->second == ConflictChoice::refuse;
    if (toggle_button(f, prefix + "accept", f.s.tr("conflicts.choice.accept"), accept, ImVec2(w, 0)))
      picks_[c.id] = ConflictChoice::accept;
    ImGui::SameLine();
    if (toggle_button(f, prefix + "refuse", f.s.tr("conflicts.choice.refuse"), refuse, ImVec2(w, 0)))
      picks_[c.id] = ConflictChoice::refuse;
  } else {
    decided_line(f, c);
  }
  ImGui::Separator();
  ImGui::PopID();
}

void ConflictsScreen::decided_line(Frame& f, const ConflictItem& c) {
  ImGui::PushStyleColor(ImGuiCol_Text, kGreenText);
  const std::string by = c.resolved_by_name.empty() ? "—" : c.resolved_by_name;
  if (c.status == "refused") {
    ImGui::TextWrapped("%s", f.s.format("conflicts.refused", {by, date_time(c.resolved_at)}).c_str());
  } else {
    std::string what = choice_name(f, c.resolution.empty() ? "ours" : c.resolution);
    if (!whole_patch(c)) what += " " + value_text(f, c.table, c.column, c.resolved_value);
    ImGui::TextWrapped("%s", f.s.format("conflicts.decided", {what, by, date_time(c.resolved_at)}).c_str());
  }
  ImGui::PopStyleColor();
  if (c.pending) {
    badge(f.s.tr("conflicts.pending"), kAmber);
  }
}

// The choices for one contested field: each a finger-sized button with the
// value it keeps beside it, and who wrote that value where and when.
void ConflictsScreen::choices(Frame& f, const ConflictItem& c, size_t index) {
  const bool state = c.kind == "state";  // a status move: one of the two, nothing else
  const std::string prefix = "conflicts.choice." + std::to_string(index) + ".";
  const auto it = picks_.find(c.id);
  const bool picked = it != picks_.end();
  const float opt_w = kOptionWidth * f.scale;
  auto option = [&](ConflictChoice ch, const std::string& value, const std::string& meta, bool enabled) {
    const std::string key = choice_key(ch);
    ImGui::BeginDisabled(!enabled);
    if (toggle_button(f, prefix + key, choice_name(f, key), picked && it->second == ch, ImVec2(opt_w, 0)))
      picks_[c.id] = ch;
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginGroup();
    if (meta.empty()) {
      ImGui::AlignTextToFramePadding();
      if (!enabled) ImGui::PushStyleColor(ImGuiCol_Text, kMutedText);
      ImGui::TextWrapped("%s", value.c_str());
      if (!enabled) ImGui::PopStyleColor();
    } else {
      ImGui::TextWrapped("%s", value.c_str());
      muted(meta);
    }
    ImGui::EndGroup();
  };
  if (!state) {
    const bool known = c.base.known;
    option(ConflictChoice::base, known ? side_value(f, c, c.base) : f.s.tr("conflicts.base_unknown"), {}, known);
  }
  option(ConflictChoice::ours, side_value(f, c, c.ours), side_meta(f, c.ours), true);
  option(ConflictChoice::theirs, side_value(f, c, c.theirs), side_meta(f, c.theirs), true);
  if (state) return;
  if (toggle_button(f, prefix + "custom", choice_name(f, "custom"), picked && it->second == ConflictChoice::custom,
                    ImVec2(opt_w, 0)))
    picks_[c.id] = ConflictChoice::custom;
  ImGui::SameLine();
  // Typing a new value chooses it.
  if (input_text(f, "conflicts.custom." + std::to_string(index), f.s.tr("conflicts.custom_hint"), &customs_[c.id]))
    picks_[c.id] = ConflictChoice::custom;
}

// One field of the record: its name and value; a contested one tinted and
// marked, with its choices under it.
void ConflictsScreen::field_block(Frame& f, const RecordConflicts& r, const RecordField& field, size_t index) {
  const float label_w = kLabelWidth * f.scale;
  const ConflictItem* open = nullptr;
  if (!field.conflict_id.empty())
    for (const ConflictItem& c : r.conflicts)
      if (c.id == field.conflict_id && is_open(c)) open = &c;
  const std::string name = column_name(f, r.table, field.column);
  const std::string value = field.value.empty() ? "—" : value_text(f, r.table, field.column, field.value);
  if (!open) {
    ImGui::PushStyleColor(ImGuiCol_Text, kMutedText);
    ImGui::TextUnformatted(name.c_str());
    ImGui::PopStyleColor();
    ImGui::SameLine(label_w);
    ImGui::TextWrapped("%s", value.c_str());
    for (const ConflictItem& c : r.conflicts)  // decided here lately: what was decided
      if (c.column == field.column && !is_open(c)) {
        ImGui::Indent(label_w);
        decided_line(f, c);
        ImGui::Unindent(label_w);
      }
    return;
  }
  probe_choices_ += (probe_choices_.empty() ? "" : ",") + std::to_string(index) + ":" + open->kind + ":" + open->id;
  ImGui::PushID(static_cast<int>(index));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->ChannelsSplit(2);
  dl->ChannelsSetCurrent(1);
  ImGui::Dummy(ImVec2(0, 2 * f.scale));
  ImGui::BeginGroup();
  badge(f.s.tr("conflicts.contested"), kRed);
  ImGui::SameLine();
  ImGui::PushStyleColor(ImGuiCol_Text, kRedText);
  ImGui::TextUnformatted((name + "  ·  " + kind_name(f, open->kind)).c_str());
  ImGui::PopStyleColor();
  if (open->pending) {
    ImGui::SameLine();
    badge(f.s.tr("conflicts.pending"), kAmber);
  }
  ImGui::TextWrapped("%s", f.s.format("conflicts.side", {f.s.tr("conflicts.current"), value}).c_str());
  choices(f, *open, index);
  ImGui::EndGroup();
  const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  ImGui::Dummy(ImVec2(0, 2 * f.scale));
  const float left = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMin().x - 4 * f.scale;
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  dl->ChannelsSetCurrent(0);
  const float top = min.y - 6 * f.scale, bottom = max.y + 4 * f.scale;
  dl->AddRectFilled(ImVec2(left, top), ImVec2(right, bottom), kContestedTint);
  dl->AddRectFilled(ImVec2(left, top), ImVec2(left + 5 * f.scale, bottom), kRed);
  dl->ChannelsMerge();
  ImGui::PopID();
}

void ConflictsScreen::submit_bar(Frame& f, const RecordConflicts* r, float w) {
  if (!r) return;
  std::vector<ConflictDecision> decisions;
  std::string lines;
  size_t open = 0;
  bool empty_custom = false;
  for (const ConflictItem& c : r->conflicts) {
    if (!is_open(c)) continue;
    ++open;
    const auto it = picks_.find(c.id);
    if (it == picks_.end()) continue;
    ConflictDecision d{c.id, it->second, {}};
    std::string value;
    switch (it->second) {
      case ConflictChoice::ours: value = side_value(f, c, c.ours); break;
      case ConflictChoice::theirs: value = side_value(f, c, c.theirs); break;
      case ConflictChoice::base: value = side_value(f, c, c.base); break;
      case ConflictChoice::custom:
        d.custom = trimmed(customs_[c.id]);
        if (d.custom.empty()) empty_custom = true;
        value = d.custom;
        break;
      case ConflictChoice::accept:
      case ConflictChoice::refuse: break;
    }
    lines += "\n· " + column_name(f, c.table, c.column) + " → " + choice_name(f, choice_key(it->second));
    if (!value.empty()) lines += "：" + value;
    decisions.push_back(std::move(d));
  }
  if (open == 0) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(kGreenText, "%s", f.s.c("conflicts.record_done"));
    return;
  }
  ImGui::BeginDisabled(decisions.empty() || empty_custom);
  const std::string count = count_text(static_cast<int64_t>(decisions.size()));
  if (primary_button(f, "conflicts.submit", f.s.format("conflicts.submit", {count}), ImVec2(w * 0.5f, 0))) {
    const std::string label = r->label.empty() ? table_name(f, r->table) : r->label;
    ask_ = Ask{f.s.tr("conflicts.confirm_submit_title"),
               f.s.format("conflicts.confirm_submit", {label, count, lines.empty() ? "" : lines.substr(1)}),
               f.s.tr("conflicts.confirm_submit_title"), false, std::move(decisions)};
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w * 0.5f - ImGui::GetStyle().ItemSpacing.x);
  ImGui::PushStyleColor(ImGuiCol_Text, empty_custom ? kRedText : kMutedText);
  if (empty_custom)
    ImGui::TextUnformatted(f.s.c("conflicts.custom_empty"));
  else if (open > decisions.size())
    ImGui::TextUnformatted(
        f.s.format("conflicts.missing_n", {count_text(static_cast<int64_t>(open - decisions.size()))}).c_str());
  ImGui::PopStyleColor();
  ImGui::PopTextWrapPos();
}

// Every write the server logged for the record, newest first; online only.
void ConflictsScreen::history_panel(Frame& f) {
  heading(f.s.tr("conflicts.history"));
  const RecordHistory* h = f.snap.history.get();
  if (h && (h->table != table_ || h->row_id != row_id_)) h = nullptr;
  if (!h || h->loading) {
    muted(f.s.tr("common.loading"));
    return;
  }
  if (!h->error.empty()) {
    // "offline: what the transport said": the code in words, the rest as told.
    const size_t colon = h->error.find(": ");
    const std::string code = colon == std::string::npos ? h->error : h->error.substr(0, colon);
    error_text(f.s.format("conflicts.history_error", {tr_or(f, "error." + code, h->error)}));
    if (code == "offline") muted(f.s.tr("conflicts.history_online"));
    if (colon != std::string::npos) muted(h->error.substr(colon + 2));
    if (button(f, "conflicts.history_reload", f.s.tr("conflicts.history_reload"))) f.core.load_history(table_, row_id_);
    return;
  }
  if (h->entries.empty()) muted(f.s.tr("conflicts.history_none"));
  const ImU32 colors[] = {kDecidedColor, kAmber, kRed};
  for (size_t i = h->entries.size(); i-- > 0;) {
    const HistoryEntry& e = h->entries[i];
    ImGui::PushID(static_cast<int>(i));
    const int which = e.status == "accepted" ? 0 : e.status == "quarantined" ? 1 : 2;
    badge(tr_or(f, "conflicts.history_status." + e.status, e.status), colors[which]);
    ImGui::SameLine();
    std::string who = date_time(e.at) + " · " + (e.author_name.empty() ? f.s.tr("conflicts.unknown") : e.author_name);
    if (!e.device.empty()) who += " · " + e.device;
    ImGui::TextWrapped("%s", who.c_str());
    std::string set;
    for (const auto& [col, v] : e.set)
      set += (set.empty() ? "" : list_sep(f)) + column_name(f, table_, col) + "=" + value_text(f, table_, col, v);
    if (!set.empty()) muted(f.s.format("conflicts.history_set", {set}));
    if (!e.reason.empty()) error_text(e.reason);
    ImGui::Separator();
    ImGui::PopID();
  }
}

void ConflictsScreen::record_view(Frame& f) {
  const RecordConflicts* r = f.snap.conflict_record.get();
  if (r && (r->table != table_ || r->row_id != row_id_)) r = nullptr;
  probe_choices_.clear();
  record_header(f, r);
  const ImGuiStyle& st = ImGui::GetStyle();
  const float left_w = (ImGui::GetContentRegionAvail().x - st.ItemSpacing.x) * kFieldsShare;
  ImGui::BeginGroup();
  // The submit button keeps its place under the fields, however many.
  const float bar_h = ImGui::GetFrameHeightWithSpacing();
  begin_panel("##conflict_fields", ImVec2(left_w, std::max(bar_h, ImGui::GetContentRegionAvail().y - bar_h)));
  if (!r) {
    muted(f.s.tr("common.loading"));
  } else {
    size_t index = 0;
    for (const ConflictItem& c : r->conflicts)
      if (whole_patch(c)) quarantine_block(f, c, index++);
    heading(f.s.tr("conflicts.fields"));
    if (r->fields.empty()) muted(f.s.tr("conflicts.no_record"));
    for (const RecordField& field : r->fields) field_block(f, *r, field, index++);
    record_photos(f, *r);
  }
  end_panel();
  submit_bar(f, r, left_w);
  ImGui::EndGroup();
  ImGui::SameLine();
  begin_panel("##conflict_history", ImVec2(0, 0));
  history_panel(f);
  end_panel();
}

// What was photographed on the record (a case's report and steps): the
// evidence an admin weighs beside the contested fields.
void ConflictsScreen::record_photos(Frame& f, const RecordConflicts& r) {
  f.probe.state("conflicts_record_photos", std::to_string(r.photos.size()));
  if (r.photos.empty()) return;
  heading(f.s.tr("photos.heading"));
  if (photo_gallery(f, "conflicts.photo", r.photos)) viewing_ = true;
}

// ---- both ------------------------------------------------------------------------

void ConflictsScreen::confirm(Frame& f) {
  if (!ask_) return;
  const Answer a = confirm_dialog(f, "conflicts.confirm", ask_->title, ask_->text, ask_->yes, ask_->danger);
  if (a == Answer::yes) {
    f.core.resolve_conflicts(ask_->decisions);
    for (const ConflictDecision& d : ask_->decisions) {
      picks_.erase(d.conflict_id);
      customs_.erase(d.conflict_id);
    }
    // The record again, with what was decided (the queue keeps itself fresh).
    if (view_ == View::record) f.core.open_conflict_record(table_, row_id_);
  }
  if (a != Answer::none) ask_.reset();
}

// What the window test reads: the view, the queue's size and kinds, the
// record's open conflicts and its history.
void ConflictsScreen::probe_state(Frame& f) {
  if (!f.probe.active()) return;
  f.probe.state("conflicts_view", view_ == View::queue ? "queue" : "record");
  const ConflictQueue* q = f.snap.conflicts.get();
  f.probe.state("conflicts_items", q && same_filter(q->filter, filter_) ? std::to_string(q->items.size()) : "-");
  f.probe.state("conflicts_open_total", q ? std::to_string(q->open_total) : "-");
  if (view_ != View::record) return;
  const RecordConflicts* r = f.snap.conflict_record.get();
  const bool mine = r && r->table == table_ && r->row_id == row_id_;
  f.probe.state("conflicts_record_open",
                mine ? std::to_string(std::count_if(r->conflicts.begin(), r->conflicts.end(), is_open)) : "-");
  f.probe.state("conflicts_record_choices", probe_choices_.empty() ? "-" : probe_choices_);
  const RecordHistory* h = f.snap.history.get();
  const bool ours = h && h->table == table_ && h->row_id == row_id_;
  f.probe.state("conflicts_history", !ours || h->loading ? "loading"
                                     : !h->error.empty() ? "error"
                                                         : std::to_string(h->entries.size()));
}

void ConflictsScreen::draw(Frame& f) {
  if (!admin_) {
    // Deciding is the admins'; the rest see what the server did with theirs.
    muted(f.s.tr("conflicts.note"));
    field(f.s.tr("sync.problems"), count_text(f.snap.sync.problems));
    begin_panel("##problems", ImVec2(0, 0));
    if (const HomeView* home = f.snap.home.get())
      problem_rows(f, home->problems);
    else
      muted(f.s.tr("common.loading"));
    end_panel();
    return;
  }
  if (view_ == View::record) {
    record_view(f);
  } else {
    const ConflictQueue* q = f.snap.conflicts.get();
    filters(f, q);
    if (!q) {
      muted(f.s.tr("common.loading"));
    } else {
      bulk_bar(f, *q);
      queue_list(f, *q);
    }
  }
  probe_state(f);
  confirm(f);
}

}  // namespace gw::client::ui
