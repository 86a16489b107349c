#include "client/ui/screens/conflicts.hpp"

#include "client/ui/screens/home.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {

void ConflictsScreen::draw(Frame& f) {
  muted(f.s.tr("conflicts.note"));
  field(f.s.tr("sync.problems"), count_text(f.snap.sync.problems));
  begin_panel("##problems", ImVec2(0, 0));
  if (const HomeView* home = f.snap.home.get())
    problem_rows(f, home->problems);
  else
    muted(f.s.tr("common.loading"));
  end_panel();
}

}  // namespace gw::client::ui
