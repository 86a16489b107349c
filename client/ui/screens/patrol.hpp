// A patrol (巡查): pick a grid and start, walk its checklist marking each
// item ok or problem with a note, turn a problem into a case with one tap,
// end with a summary of what was found. A problem's photos are chosen (or
// dropped) before 一键上报 and go onto the case it becomes; the patrol's own
// photos show as tiles.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "client/ui/photo_widgets.hpp"
#include "client/ui/screen.hpp"

namespace gw::client::ui {

// The finding a dropped photo belongs to: the last item marked 有问题 that
// is not yet a case (the one just marked, as a list is walked top down);
// null when none is open.
const ChecklistEntry* open_finding(const PatrolView& p);

class PatrolScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::patrol; }
  std::string_view title_key() const override { return "patrol.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  // A photo dropped: the open finding's (the last item marked 有问题, not yet
  // reported), else attached to the patrol at once.
  bool drop(Frame& f, const std::string& path) override;

 private:
  void picker(Frame& f);
  void checklist(Frame& f, const PatrolView& p);
  void entry_row(Frame& f, const PatrolView& p, const ChecklistEntry& e, size_t index);
  void summary(Frame& f, const PatrolView& p);
  void finding_photos(Frame& f, const std::string& item);
  void send_finding_photos(Frame& f, const PatrolView& p);
  void patrol_photos(Frame& f, const PatrolView& p);

  std::string grid_id_;             // picked in the picker
  std::string notes_for_;           // the patrol notes_ belong to
  std::map<std::string, std::string> notes_;  // item -> note being typed
  std::string patrol_notes_;
  std::string ended_id_;            // the patrol this screen ended: show its summary
  // A finding's photos wait here (item -> files, for the patrol notes_for_)
  // until 一键上报 has made its case, then go onto that case, not the patrol:
  // the case is what is dispatched and handled, and whoever goes to fix the
  // problem needs its picture there.
  std::map<std::string, std::vector<PhotoSource>> finding_photos_;
  std::map<std::string, PhotoPicker> pickers_;  // item -> its 添加照片
  bool viewing_ = false;  // a picture of the patrol is up: coming back keeps the screen as it was
};

}  // namespace gw::client::ui
