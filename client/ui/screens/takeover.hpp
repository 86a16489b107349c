// Takeover (战时接管), read-only for now: every grid the user can see with
// its mode. Starting and ending takeovers arrives with the takeover console.
#pragma once

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class TakeoverScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::takeover; }
  std::string_view title_key() const override { return "takeover.title"; }
  void draw(Frame& f) override;
};

}  // namespace gw::client::ui
