// A visit (走访): find the household or enterprise (search and kind filter
// over the whole replica, ~15,000 rows, clipped so it stays smooth), pick
// it, say why and what was found, plan a follow-up, save.
#pragma once

#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class VisitScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::visit; }
  std::string_view title_key() const override { return "visit.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  // For the benchmark: scroll the list by this many pixels each frame.
  void set_auto_scroll(float px) { auto_scroll_ = px; }
  // For screenshots: the form as it looks with someone picked.
  void pick(const TargetItem& t) { picked_ = t; }

 private:
  void search_bar(Frame& f);
  void target_list(Frame& f, const TargetList* list);
  void form(Frame& f);
  void save(Frame& f);

  std::string text_, kind_;
  int64_t edited_at_ = 0;  // search typed, not yet sent: wait for a pause
  TargetItem picked_;
  std::string purpose_ = "routine", notes_, needs_;
  int follow_up_days_ = 0;
  float auto_scroll_ = 0;
};

}  // namespace gw::client::ui
