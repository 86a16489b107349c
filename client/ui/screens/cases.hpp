// The case list (事件/纠纷): filter by status, grid, category, overdue and
// disputes; each row with its traffic light; tap to open; a new case.
#pragma once

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class CasesScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::cases; }
  std::string_view title_key() const override { return "cases.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  // The list as another screen opens it (the map: one grid's open cases).
  void show(const CaseFilter& filter) { filter_ = filter; }

 private:
  bool filters(Frame& f);  // true when a filter changed
  CaseFilter filter_{"open", "", "", false, false};
};

}  // namespace gw::client::ui
