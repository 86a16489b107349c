// One case: its fields and light, its photos, the actions the user may take
// now (each asking for what it needs: a reason, a result, a score, a route,
// photos of the step), the history from case_log, and any refusals of its
// records.
#pragma once

#include <string>

#include "client/ui/photo_widgets.hpp"
#include "client/ui/screen.hpp"

namespace gw::client::ui {

class CaseScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::case_detail; }
  std::string_view title_key() const override { return "case.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  // A photo dropped: the open step's evidence, else attached to the case.
  bool drop(Frame& f, const std::string& path) override;

 private:
  void fields(Frame& f, const CaseDetail& d);
  void badges(Frame& f, const CaseDetail& d);
  void actions(Frame& f, const CaseDetail& d);
  void action_inputs(Frame& f, const CaseDetail& d, const CaseActionItem& a);
  void history(Frame& f, const CaseDetail& d);
  // The report's photos (现场照片) and each step's (处置前后), a tap opening
  // one full screen; then 添加照片 for the case itself.
  void photos(Frame& f, const CaseDetail& d);
  void add_to_case(Frame& f, const CaseDetail& d);

  std::string action_;  // the action whose inputs are open
  CaseActionInput input_;
  PhotoPicker step_picker_{"case.step"};
  PhotoPicker case_picker_{"case.attach"};
  std::vector<PhotoSource> attach_;  // chosen for the saved case, not yet attached
  bool viewing_ = false;  // a picture of this case is up: coming back keeps what was being typed
};

}  // namespace gw::client::ui
