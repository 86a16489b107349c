// One case: its fields and light, the actions the user may take now (each
// asking for what it needs: a reason, a result, a score, a route), the
// history from case_log, and any refusals of its records.
#pragma once

#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class CaseScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::case_detail; }
  std::string_view title_key() const override { return "case.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;

 private:
  void fields(Frame& f, const CaseDetail& d);
  void badges(Frame& f, const CaseDetail& d);
  void actions(Frame& f, const CaseDetail& d);
  void action_inputs(Frame& f, const CaseDetail& d, const CaseActionItem& a);
  void history(Frame& f, const CaseDetail& d);

  std::string action_;  // the action whose inputs are open
  CaseActionInput input_;
};

}  // namespace gw::client::ui
