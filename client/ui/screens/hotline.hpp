// 民声热线受理: the service centre takes a call and registers it as a case:
// who called (name, phone, kept confidential when asked), then the case
// form's grid, category, severity, title, location and description. Once
// saved it opens on the case screen, where it is accepted and dispatched.
#pragma once

#include <string>

#include "client/ui/screen.hpp"
#include "client/ui/screens/case_draft.hpp"

namespace gw::client::ui {

class HotlineScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::hotline; }
  std::string_view title_key() const override { return "hotline.title"; }
  void enter(Frame& f) override;
  void notice(const Notice& n) override;
  void draw(Frame& f) override;
  bool drop(Frame&, const std::string& path) override { return editor_.add_photo(path); }

 private:
  void caller(Frame& f);

  CaseDraftEditor editor_{"hotline"};
  bool waiting_ = false;  // a save was posted and its outcome not yet seen
  std::string created_;   // the id of the case just saved, to open
};

}  // namespace gw::client::ui
