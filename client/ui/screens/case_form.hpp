// A new case (上报): grid, category picked by major class then minor class,
// severity, title, parties, description, location; saved to the outbox.
#pragma once

#include "client/ui/screen.hpp"
#include "client/ui/screens/case_draft.hpp"

namespace gw::client::ui {

class CaseFormScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::case_new; }
  std::string_view title_key() const override { return "case_form.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  bool drop(Frame&, const std::string& path) override { return editor_.add_photo(path); }

 private:
  CaseDraftEditor editor_{"case_form"};
};

}  // namespace gw::client::ui
