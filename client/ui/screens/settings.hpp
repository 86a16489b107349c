// Settings: the server, the language, the text size, automatic sync, the
// auto-lock, the offline PIN, the password, and signing out. Usable before sign-in to fix the server.
#pragma once

#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class SettingsScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::settings; }
  std::string_view title_key() const override { return "settings.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;

 private:
  void pin(Frame& f);
  void password(Frame& f);
  Settings draft_;
  std::string pin_;
  std::string old_password_, new_password_;
};

}  // namespace gw::client::ui
