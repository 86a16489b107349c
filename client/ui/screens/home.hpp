// The start screen: sync state and the big sync button, today's work, the
// cases due in my grids with their lights, problems, and the way to every
// other screen. A red banner when one of my grids is under takeover, and
// under it what the server told me (a takeover, a grid given or taken).
#pragma once

#include <functional>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class HomeScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::home; }
  std::string_view title_key() const override { return "home.title"; }
  void draw(Frame& f) override;

 private:
  void takeover_banner(Frame& f, const HomeView& home);
  void notices(Frame& f, const HomeView& home);
  void sync_card(Frame& f);
  void actions(Frame& f, const HomeView* home);
  void due_cases(Frame& f, const HomeView& home);
  void grids_and_assignments(Frame& f, const HomeView& home);
  void problems(Frame& f, const HomeView& home);
};

// One row of a case list: light, title, category, grid, status, due time,
// and `tag` (the next step, say) at the right when given. Shared by the
// home, cases and dispatch screens; true when tapped.
bool case_row(Frame& f, const std::string& probe_id, const CaseItem& c, float width, const std::string& tag = {});
// A scrolling list of `count` case rows, only the visible ones drawn; a
// tapped row opens on the case screen. tag(i) may be empty.
void case_list(Frame& f, const char* panel_id, const std::string& probe_prefix, size_t count,
               const std::function<const CaseItem&(size_t)>& item,
               const std::function<std::string(size_t)>& tag = {});
// Refused records with their reasons, for home and the conflicts screen.
void problem_rows(Frame& f, const std::vector<ProblemItem>& problems);

}  // namespace gw::client::ui
