#include "client/ui/screens/visit.hpp"

#include <algorithm>
#include <utility>

#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

constexpr int64_t kSearchPauseMs = 250;  // typing pauses before a query goes out
constexpr const char* kPurposes[] = {"routine", "care", "dispute", "safety", "policy", "service"};
constexpr int kFollowUpDays[] = {0, 3, 7, 14, 30};


// The registered fields a worker corrects, in the order a form asks for them.
struct EditSpec {
  const char* column;
  bool required = false, number = false, multiline = false;
};
constexpr EditSpec kHouseholdEdit[] = {{"address", true},         {"head_name", true}, {"phone"},
                                       {"members", false, true}, {"building"},        {"room"},
                                       {"notes", false, false, true}};
constexpr EditSpec kEnterpriseEdit[] = {{"name", true},   {"address", true},          {"contact_name"},
                                        {"contact_phone"}, {"employees", false, true}, {"notes", false, false, true}};

std::string table_of(const std::string& kind) { return kind == "enterprise" ? "enterprises" : "households"; }

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// A field's name as a form label: English column names start small.
std::string label_of(const Frame& f, const std::string& table, const std::string& column) {
  std::string s = f.s.tr("column." + table + "." + column);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// Text cut at a whole character with an ellipsis so it fits in max_w.
std::string fit_text(const std::string& text, float max_w) {
  if (ImGui::CalcTextSize(text.c_str()).x <= max_w) return text;
  std::string s = text;
  while (!s.empty()) {
    size_t cut = s.size() - 1;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // a UTF-8 character's start
    s.resize(cut);
    if (ImGui::CalcTextSize((s + "…").c_str()).x <= max_w) break;
  }
  return s + "…";
}

// What goes to the core: a line trimmed, notes as typed.
std::string typed(const std::string& value, bool multiline) { return multiline ? value : trimmed(value); }

// 有争议 after a row's title: an open conflict on the record waits for an admin.
void contested_badge(ImDrawList* dl, ImVec2 title_at, const std::string& title, const std::string& text) {
  const float pad = ImGui::GetStyle().FramePadding.x * 0.5f;
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  const float x = title_at.x + ImGui::CalcTextSize(title.c_str()).x + ImGui::GetStyle().ItemSpacing.x;
  dl->AddRectFilled(ImVec2(x, title_at.y), ImVec2(x + size.x + pad * 2, title_at.y + size.y), kRed,
                    size.y * 0.25f);
  dl->AddText(ImVec2(x + pad, title_at.y), IM_COL32_WHITE, text.c_str());
}

}  // namespace

void VisitScreen::enter(Frame& f) {
  if (std::exchange(viewing_, false)) return;  // back from a picture
  picked_ = {};
  edit_.reset();
  picker_.close();
  location_.reset();
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
  const std::string contested = f.s.tr("visit.contested");
  const float row_h = line * 2 + ImGui::GetStyle().FramePadding.y;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(list->items.size()), row_h + ImGui::GetStyle().ItemSpacing.y);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const TargetItem& t = list->items[static_cast<size_t>(i)];
      const ImVec2 top = ImGui::GetCursorScreenPos();
      if (list_row(f, "visit.row." + std::to_string(i), t.id == picked_.id, ImVec2(0, row_h))) {
        if (edit_ && edit_->id != t.id) edit_.reset();  // another record: its edit is let go
        picked_ = t;
        f.core.open_target(t.kind, t.id);
      }
      ImDrawList* dl = ImGui::GetWindowDrawList();
      dl->AddCircleFilled(ImVec2(top.x + line * 0.6f, top.y + line * 0.6f), line * 0.3f,
                          t.kind == "enterprise" ? IM_COL32(90, 110, 200, 255) : IM_COL32(60, 160, 120, 255));
      dl->AddText(ImVec2(top.x + line * 1.3f, top.y + 2), ImGui::GetColorU32(ImGuiCol_Text), t.title.c_str());
      if (t.contested) contested_badge(dl, ImVec2(top.x + line * 1.3f, top.y + 2), t.title, contested);
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
  if (picked_.contested) error_text(f.s.tr("visit.contested_note"));
  number_field(f, "visit.phone.show", f.s.tr(picked_.kind == "enterprise" ? "visit.contact_phone" : "visit.phone"),
               picked_.phone);
  residents(f);
  if (button(f, "visit.edit", f.s.tr("visit.edit"))) open_edit(f);
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
  ImGui::TextUnformatted(f.s.c("visit.photos"));
  picker_.draw(f, &photos_);
  // A dropped file is seen arriving: the list comes into view (the form scrolls below the fold).
  if (std::exchange(show_photos_, false)) ImGui::SetScrollHereY(1.0f);
  location_.draw(f, &fix_, true);
  if (primary_button(f, "visit.save", f.s.tr("visit.save"), ImVec2(-1, 0))) save(f);
  past_visits(f);
}

// The visits made before, newest first: what was found and seen last time.
// Probe ids: visit.past.N (each visit), visit.past.N.photo.M (its tiles).
void VisitScreen::past_visits(Frame& f) {
  const TargetDetail* d = f.snap.target.get();
  const size_t n = d && d->id == picked_.id ? d->visits.size() : 0;
  f.probe.state("visit_past", std::to_string(n));
  if (!n) return;
  ImGui::Spacing();
  heading(f.s.format("visit.past_n", {std::to_string(n)}));
  for (size_t i = 0; i < n; ++i) {
    const PastVisit& v = d->visits[i];
    const std::string id = "visit.past." + std::to_string(i);
    ImGui::PushID(static_cast<int>(i));
    ImGui::Separator();
    ImGui::TextUnformatted((date_time(v.visited_at) + " · " + f.s.tr("purpose." + v.purpose) +
                            (v.visitor_name.empty() ? "" : " · " + v.visitor_name))
                               .c_str());
    probe_item(f, id);
    if (!v.notes.empty()) muted_line(v.notes);
    if (photo_gallery(f, id + ".photo", v.photos)) viewing_ = true;
    ImGui::PopID();
  }
}

// A household's members with their ID and phone numbers (masked, each
// revealed on its own), folded away until asked for.
void VisitScreen::residents(Frame& f) {
  const TargetDetail* d = f.snap.target.get();
  if (!d || d->id != picked_.id || d->residents.empty()) return;
  const std::string title = f.s.format("visit.residents_n", {std::to_string(d->residents.size())});
  if (!ImGui::CollapsingHeader((title + "###visit_residents").c_str())) return;
  probe_item(f, "visit.residents");
  for (size_t i = 0; i < d->residents.size(); ++i) {
    const ResidentItem& r = d->residents[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TextUnformatted((r.name + (r.relation.empty() ? "" : " · " + r.relation) +
                            (r.birth_year ? " · " + std::to_string(r.birth_year) : ""))
                               .c_str());
    ImGui::Indent();
    const std::string n = std::to_string(i);
    number_field(f, "visit.resident." + n + ".id_number", f.s.tr("visit.id_number"), r.id_number);
    number_field(f, "visit.resident." + n + ".phone", f.s.tr("visit.phone"), r.phone);
    ImGui::Unindent();
    ImGui::PopID();
  }
}

void VisitScreen::save(Frame& f) {
  NewVisit v;
  v.target_kind = picked_.kind;
  v.target_id = picked_.id;
  v.purpose = purpose_;
  v.notes = notes_;
  v.needs = needs_;
  v.follow_up_at = follow_up_days_ ? start_of_day(f.now_ms) + int64_t{follow_up_days_} * 86'400'000 : 0;
  v.photos = photos_;
  v.fix = fix_;
  f.core.record_visit(v);
  location_.reset();
  picked_ = {};
  notes_.clear();
  photos_.clear();
  needs_.clear();
  follow_up_days_ = 0;
}

bool VisitScreen::drop(Frame&, const std::string& path) {
  // Only the visit form takes photos: not the list alone, nor the registration panel.
  if (picked_.id.empty() || (edit_ && edit_->id == picked_.id)) return false;
  show_photos_ = add_photo(&photos_, path);
  return show_photos_;
}

// ---- correcting the registration ----------------------------------------------

void VisitScreen::open_edit(Frame& f) {
  Edit e;
  e.kind = picked_.kind;
  e.id = picked_.id;
  e.stale = f.snap.conflict_record;
  const bool enterprise = e.kind == "enterprise";
  const auto add = [&](const EditSpec& s) {
    e.fields.push_back(EditField{s.column, {}, {}, s.required, s.number, s.multiline, false});
  };
  if (enterprise)
    for (const EditSpec& s : kEnterpriseEdit) add(s);
  else
    for (const EditSpec& s : kHouseholdEdit) add(s);
  edit_ = std::move(e);
  // The record as the tablet holds it, each field with its open conflict.
  f.core.open_conflict_record(table_of(picked_.kind), picked_.id);
}

void VisitScreen::notice(const Notice& n) {
  if (!edit_ || !edit_->saving) return;
  if (!n.error && n.key == "notice.record_saved") {
    edit_.reset();
  } else if (n.error) {
    edit_->saving = false;
    edit_->error_key = n.key;
    edit_->error_detail = n.detail;
  }
}

void VisitScreen::edit_panel(Frame& f) {
  Edit& e = *edit_;
  const std::string table = table_of(e.kind);
  const RecordConflicts* r = f.snap.conflict_record.get();
  if (r && (r->table != table || r->row_id != e.id || r == e.stale.get())) r = nullptr;
  if (r && !e.loaded) {
    for (EditField& field : e.fields)
      for (const RecordField& rf : r->fields)
        if (rf.column == field.column) field.original = field.value = rf.value;
    e.loaded = true;
    e.stale.reset();
  }
  if (r)  // contested marks follow the record: an admin may decide while the panel is open
    for (EditField& field : e.fields) {
      field.contested = false;
      for (const RecordField& rf : r->fields)
        if (rf.column == field.column) field.contested = !rf.conflict_id.empty();
    }

  // The title in the heading's colour, 有争议 beside it, then the rule.
  ImGui::PushStyleColor(ImGuiCol_Text, kTitleText);
  ImGui::TextUnformatted((f.s.tr("visit.edit_title") + " · " + picked_.title).c_str());
  ImGui::PopStyleColor();
  if (picked_.contested) {
    ImGui::SameLine();
    badge(f.s.tr("visit.contested"), kRed);
  }
  ImGui::Separator();

  int changes = 0;
  bool missing = false;
  for (const EditField& field : e.fields) {
    if (typed(field.value, field.multiline) != field.original) ++changes;
    if (field.required && trimmed(field.value).empty()) missing = true;
  }
  if (!e.loaded) changes = 0;

  // The fields scroll; the warning and 保存 stay in sight under them.
  const ImGuiStyle& st = ImGui::GetStyle();
  const std::string warning = edit_warning(f);
  const float width = ImGui::GetContentRegionAvail().x;
  float footer = ImGui::GetFrameHeight() + ImGui::GetTextLineHeight() + st.ItemSpacing.y * 2;
  if (!warning.empty())
    footer += ImGui::CalcTextSize(warning.c_str(), nullptr, false, warning_wrap(f, width)).y +
              st.FramePadding.y * 2 + st.ItemSpacing.y;
  if (!e.error_key.empty()) footer += ImGui::GetTextLineHeightWithSpacing() * 2;
  begin_panel("##visit_edit_fields",
              ImVec2(0, std::max(ImGui::GetFrameHeight() * 2, ImGui::GetContentRegionAvail().y - footer)), false);
  if (!e.loaded) {
    muted(f.s.tr("common.loading"));
  } else {
    // Names in a column, each field's box beside its name.
    const std::string contested_word = f.s.tr("visit.contested");
    const float badge_w = ImGui::CalcTextSize(contested_word.c_str()).x + st.FramePadding.x + st.ItemSpacing.x;
    float label_w = 0;
    for (const EditField& field : e.fields)
      label_w = std::max(label_w, ImGui::CalcTextSize((label_of(f, table, field.column) + " *").c_str()).x +
                                      (field.contested ? badge_w : 0.0f));
    label_w = std::min(label_w + st.ItemSpacing.x * 2, ImGui::GetContentRegionAvail().x * 0.45f);
    for (EditField& field : e.fields) {
      ImGui::PushID(field.column.c_str());
      const std::string id = "visit.edit." + field.column;
      ImGui::AlignTextToFramePadding();
      ImGui::PushStyleColor(ImGuiCol_Text, field.contested ? kRedText : kMutedText);
      // A long name gives way to 有争议 with an ellipsis; the badge keeps its place.
      const std::string label = label_of(f, table, field.column) + (field.required ? " *" : "");
      ImGui::TextUnformatted(
          fit_text(label, label_w - st.ItemSpacing.x - (field.contested ? badge_w : 0.0f)).c_str());
      ImGui::PopStyleColor();
      if (field.contested) {
        ImGui::SameLine();
        badge(contested_word, kRed);
      }
      ImGui::SameLine(label_w);
      if (field.multiline)
        input_multiline(f, id, &field.value, ImGui::GetTextLineHeight() * 3.5f);
      else
        input_text(f, id, f.s.tr("visit.edit_empty_hint"), &field.value,
                   field.number ? ImGuiInputTextFlags_CharsDecimal : 0);
      if (field.required && trimmed(field.value).empty()) {
        ImGui::SetCursorPosX(label_w);
        error_text(f.s.tr("visit.edit_required"));
      } else if (typed(field.value, field.multiline) != field.original) {
        ImGui::SetCursorPosX(label_w);
        muted(f.s.format("visit.edit_was", {field.original.empty() ? f.s.tr("visit.edit_was_empty") : field.original}));
      }
      ImGui::PopID();
    }
  }
  end_panel();
  edit_footer(f, warning, changes, missing);
}

// Why saving needs care now: the record is contested, which fields are;
// empty when nothing on it waits for an admin.
std::string VisitScreen::edit_warning(Frame& f) const {
  std::string fields;
  for (const EditField& field : edit_->fields)
    if (field.contested)
      fields += (fields.empty() ? "" : f.s.lang() == "en" ? ", " : "、") + label_of(f, table_of(edit_->kind), field.column);
  if (!picked_.contested && fields.empty()) return {};
  std::string text = f.s.tr("visit.edit_contested_warning");
  if (!fields.empty()) text += "\n" + f.s.format("visit.edit_contested_fields", {fields});
  return text;
}

float VisitScreen::warning_wrap(Frame& f, float width) {
  return width - ImGui::GetStyle().FramePadding.x * 2 - 6 * f.scale;
}

// Above 保存: the warning (red bar, tint, red words) when the record is
// contested; the core's refusal of the last try; what changed; 保存, 取消.
void VisitScreen::edit_footer(Frame& f, const std::string& warning, int changes, bool missing) {
  Edit& e = *edit_;
  const ImGuiStyle& st = ImGui::GetStyle();
  const float width = ImGui::GetContentRegionAvail().x;
  f.probe.state("visit_edit", e.loaded ? "ready" : "loading");
  f.probe.state("visit_edit_id", e.id);
  f.probe.state("visit_edit_warning", warning.empty() ? "0" : "1");
  f.probe.state("visit_edit_changes", std::to_string(changes));
  if (!warning.empty()) {
    const float bar = 6 * f.scale, wrap = warning_wrap(f, width);
    const ImVec2 size = ImGui::CalcTextSize(warning.c_str(), nullptr, false, wrap);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float h = size.y + st.FramePadding.y * 2;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + width, p.y + h), kContestedTint, 4 * f.scale);
    dl->AddRectFilled(p, ImVec2(p.x + bar, p.y + h), kRed);
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(p.x + bar + st.FramePadding.x, p.y + st.FramePadding.y),
                ImGui::GetColorU32(kRedText), warning.c_str(), nullptr, wrap);
    ImGui::Dummy(ImVec2(width, h));
  }
  if (!e.error_key.empty())
    error_text(f.s.tr(e.error_key) +
               (e.error_detail.empty() ? "" : (f.s.lang() == "en" ? ": " : "：") + e.error_detail));
  if (!e.loaded)
    muted(" ");
  else if (missing)
    error_text(f.s.tr("visit.edit_missing"));
  else
    muted(changes ? f.s.format("visit.edit_changes_n", {std::to_string(changes)}) : f.s.tr("visit.edit_no_changes"));
  const float half = (width - st.ItemSpacing.x) * 0.5f;
  ImGui::BeginDisabled(!e.loaded || changes == 0 || missing || e.saving);
  const std::string save_label = f.s.tr(warning.empty() ? "visit.edit_save" : "visit.edit_save_review");
  if (primary_button(f, "visit.edit.save", save_label, ImVec2(half, 0))) save_edit(f);
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (button(f, "visit.edit.cancel", f.s.tr("common.cancel"), ImVec2(-1, 0))) edit_.reset();
}

void VisitScreen::save_edit(Frame& f) {
  Edit& e = *edit_;
  std::vector<std::pair<std::string, std::string>> changed;
  for (const EditField& field : e.fields) {
    const std::string v = typed(field.value, field.multiline);
    if (v != field.original) changed.emplace_back(field.column, v);
  }
  if (changed.empty()) return;
  e.saving = true;
  e.error_key.clear();
  e.error_detail.clear();
  f.core.edit_target(e.kind, e.id, changed);
}

// The list comes again after an edit or a sync: the picked row takes its new
// title, subtitle and contested mark.
void VisitScreen::follow_picked(Frame& f) {
  const TargetList* list = f.snap.targets.get();
  if (list == seen_targets_) return;
  seen_targets_ = list;
  if (!list || picked_.id.empty()) return;
  for (const TargetItem& t : list->items)
    if (t.id == picked_.id) {
      picked_ = t;
      return;
    }
}

void VisitScreen::draw(Frame& f) {
  follow_picked(f);
  search_bar(f);
  f.probe.state("visit_search", text_);  // what was typed, for a test to check its typing
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
  if (edit_ && edit_->id == picked_.id)
    edit_panel(f);
  else
    form(f);
  end_panel();
  if (!edit_) f.probe.state("visit_edit", "-");
}

}  // namespace gw::client::ui
