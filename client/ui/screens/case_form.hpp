// A new case (上报): grid, category picked by major class then minor class,
// severity, title, parties, description, location; saved to the outbox.
#pragma once

#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class CaseFormScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::case_new; }
  std::string_view title_key() const override { return "case_form.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;

 private:
  void where_and_what(Frame& f, const Catalog& cat);
  void details(Frame& f);
  bool valid(Frame& f);
  void save(Frame& f);

  NewCase draft_;
  std::string major_;
  std::string problem_key_;  // why the last save was refused, empty when fine
};

}  // namespace gw::client::ui
