// 分流派遣: the service centre's and the zone chiefs' queue of cases waiting
// for a triage step (accept or reject, dispatch, verify or send back, close,
// call back), most urgent first, filtered by stage. A row opens the case,
// where the step is taken; the centre takes hotline calls from here too.
#pragma once

#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class DispatchScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::dispatch; }
  std::string_view title_key() const override { return "dispatch.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;

 private:
  void stage_chips(Frame& f, const DispatchQueue& q);
  void pick(Frame& f, const std::string& stage);

  std::string stage_;  // a status, or empty for every stage
};

}  // namespace gw::client::ui
