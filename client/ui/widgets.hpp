// Touch-sized widgets that report themselves to the probe, plus the small
// formatting helpers every screen shares (times, lights, names of codes).
#pragma once

#include <imgui.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/ui/palette.hpp"  // the colours, for every screen that draws with these widgets
#include "client/ui/screen.hpp"
#include "shared/roles.hpp"

namespace gw::client::ui {

// Registers the last item with the probe when any of it is visible.
void probe_item(Frame& f, std::string_view id);

bool button(Frame& f, std::string_view id, const std::string& label, ImVec2 size = {});
bool primary_button(Frame& f, std::string_view id, const std::string& label, ImVec2 size = {});
bool danger_button(Frame& f, std::string_view id, const std::string& label, ImVec2 size = {});
// A button that stays coloured while `on`.
bool toggle_button(Frame& f, std::string_view id, const std::string& label, bool on, ImVec2 size = {});
// Full-width single-line input with a hint; true when edited.
bool input_text(Frame& f, std::string_view id, const std::string& hint, std::string* value, int flags = 0,
                float width = -1.0f);
bool input_multiline(Frame& f, std::string_view id, std::string* value, float height);
// A combo of (value, label) pairs; true when the choice changed.
bool combo(Frame& f, std::string_view id, const std::vector<std::pair<std::string, std::string>>& items,
           std::string* value, float width = -1.0f);
bool checkbox(Frame& f, std::string_view id, const std::string& label, bool* value);
// A tappable row of a list, drawn over by the caller; true when tapped.
bool list_row(Frame& f, std::string_view id, bool selected, ImVec2 size);

// A question that must be answered before the change is made (start or end
// a takeover, move a grid): a modal over the screen, open while the caller
// keeps calling this each frame. Probe ids: `id`.yes and `id`.no.
enum class Answer { none, yes, no };
Answer confirm_dialog(Frame& f, std::string_view id, const std::string& title, const std::string& text,
                      const std::string& yes, bool danger);

// One line of a drawn list row, in its colour; a badge (接管中, 待同步) at
// the end of the first line when badge_text is given.
struct RowLine {
  std::string text;
  ImU32 color = 0;  // 0: the text colour
};
// A tappable row of `lines` text lines, each cut with an ellipsis at the
// row's right edge; true when tapped.
bool text_row(Frame& f, std::string_view id, bool selected, const std::vector<RowLine>& lines, float width,
              const std::string& badge_text = {}, ImU32 badge_color = 0);

// Keeps the next button of this label on the line when it fits, else wraps.
void same_line_if_fits(const std::string& label);

// Drag to scroll the current child window, as a finger expects; a drag that
// starts on a button scrolls instead of pressing it.
void touch_scroll();
bool begin_panel(const char* id, ImVec2 size, bool border = true);
void end_panel();

void heading(const std::string& text);
void muted(const std::string& text);
void error_text(const std::string& text);
// The first line of `text`, muted, cut with an ellipsis at the panel's edge:
// a preview that never pushes the rows below it down.
void muted_line(const std::string& text);
// "label: value" on one line, the label muted.
void field(const std::string& label, const std::string& value);
// An ID or phone number: masked with a touch-sized 显示 that reveals it
// (an audited action, ClientCore::reveal), or clear while the reveal lasts,
// with a note that the view was recorded.
void number_field(Frame& f, std::string_view id, const std::string& label, const MaskedNumber& n);

// A filled circle in the text flow, text-high.
void dot(ImU32 color);
// A short word on a coloured pill in the text flow (保密, 缓办): a state to
// see at a glance, not to tap.
void badge(const std::string& text, ImU32 color);
ImU32 light_color(Light l);
ImU32 link_color(Link l);

// Times on the calendar's clock (China Standard Time).
std::string date_time(int64_t ms);   // 2026-11-27 14:05
std::string clock_time(int64_t ms);  // 14:05
std::string date_only(int64_t ms);   // 2026-11-27
int64_t start_of_day(int64_t ms);    // 00:00 CST of that day, Unix ms
CivilDate china_date(int64_t ms);    // the calendar day of that time in China
std::string iso_date(CivilDate d);   // 2026-11-27

// Names of codes in the current language.
std::string category_name(const Frame& f, std::string_view code);
std::string major_name(const Frame& f, std::string_view major);
std::string status_name(const Frame& f, std::string_view status);
std::string count_text(int64_t n);

// The signed-in user's roles; screens offer what those roles may do.
RoleSet my_roles(const Frame& f);

}  // namespace gw::client::ui
