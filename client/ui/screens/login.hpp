// Sign in: username and password (or the PIN set on this device), with the
// server it talks to shown, and the reason when it failed.
#pragma once

#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class LoginScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::login; }
  std::string_view title_key() const override { return "login.title"; }
  void draw(Frame& f) override;

 private:
  void submit(Frame& f);
  std::string username_, secret_;
};

}  // namespace gw::client::ui
