// Records the server refused or quarantined, with their reasons: nothing is
// dropped silently (DESIGN §4, §6).
#pragma once

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class ConflictsScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::conflicts; }
  std::string_view title_key() const override { return "conflicts.title"; }
  void draw(Frame& f) override;
};

}  // namespace gw::client::ui
