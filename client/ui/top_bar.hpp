// The bar over every signed-in screen: back and home, the title, the link
// state, what is not yet synced, and a sync button.
#pragma once

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class TopBar {
 public:
  // can_back: there is a screen to go back to.
  void draw(Frame& f, const std::string& title, bool can_back);
  float height(float scale) const { return 72.0f * scale; }
};

// "在线" / "离线" / "未知" with its colour, for the bar and the home screen.
std::string link_text(const Frame& f, Link l);

}  // namespace gw::client::ui
