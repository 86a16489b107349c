// The start screen: sync state and the big sync button, today's work, the
// cases due in my grids with their lights, problems, and the way to every
// other screen. A red banner when one of my grids is under takeover.
#pragma once

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class HomeScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::home; }
  std::string_view title_key() const override { return "home.title"; }
  void draw(Frame& f) override;

 private:
  void takeover_banner(Frame& f, const HomeView& home);
  void sync_card(Frame& f);
  void actions(Frame& f, const HomeView* home);
  void due_cases(Frame& f, const HomeView& home);
  void grids_and_assignments(Frame& f, const HomeView& home);
  void problems(Frame& f, const HomeView& home);
};

// One row of a case list: light, title, category, grid, status, due time.
// Shared by the home, cases and KPI screens; true when tapped.
bool case_row(Frame& f, const std::string& probe_id, const CaseItem& c, float width);
// Refused records with their reasons, for home and the conflicts screen.
void problem_rows(Frame& f, const std::vector<ProblemItem>& problems);

}  // namespace gw::client::ui
