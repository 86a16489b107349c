// A patrol (巡查): pick a grid and start, walk its checklist marking each
// item ok or problem with a note, turn a problem into a case with one tap,
// end with a summary of what was found.
#pragma once

#include <map>
#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class PatrolScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::patrol; }
  std::string_view title_key() const override { return "patrol.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;

 private:
  void picker(Frame& f);
  void checklist(Frame& f, const PatrolView& p);
  void entry_row(Frame& f, const PatrolView& p, const ChecklistEntry& e, size_t index);
  void summary(Frame& f, const PatrolView& p);

  std::string grid_id_;             // picked in the picker
  std::string notes_for_;           // the patrol notes_ belong to
  std::map<std::string, std::string> notes_;  // item -> note being typed
  std::string patrol_notes_;
  std::string ended_id_;            // the patrol this screen ended: show its summary
};

}  // namespace gw::client::ui
