// 考核: the figures a park is assessed by (shared/kpi.hpp) over a period,
// by grid, worker or department, computed from the replica so they show
// offline: tiles of the total, bars per row for the close rate, the on-time
// rate and the field work, a table of every figure, and a CSV export.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

// China dates, YYYY-MM-DD, both ends inclusive.
struct Period {
  std::string from, to;
};

// this_month, last_month, this_quarter or this_year as of now_ms. The
// current ones end today: a case due later has nothing to count yet.
std::optional<Period> preset_period(std::string_view preset, int64_t now_ms);

class KpiScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::kpi; }
  std::string_view title_key() const override { return "kpi.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;

 private:
  void load(Frame& f);
  void use_preset(Frame& f, const char* preset);
  void period_row(Frame& f);
  void group_row(Frame& f, const KpiView* v);
  void totals(Frame& f, const KpiBar& total);
  void charts(Frame& f, const KpiView& v);
  void table(Frame& f, const KpiView& v);

  std::string preset_ = "this_month";  // empty once a date is typed
  std::string from_, to_;
  std::string group_ = "grid";
};

}  // namespace gw::client::ui
