// Today's figures from what the replica holds: patrols and visits today,
// open, overdue and closed cases, lights. The server's report (GET
// /v1/reports/kpi) covers periods and groups; this is the field view.
#pragma once

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class KpiScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::kpi; }
  std::string_view title_key() const override { return "kpi.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
};

}  // namespace gw::client::ui
