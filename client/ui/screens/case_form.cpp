#include "client/ui/screens/case_form.hpp"

#include "client/ui/widgets.hpp"

namespace gw::client::ui {

void CaseFormScreen::enter(Frame&) { editor_.reset(NewCase{}.source); }

void CaseFormScreen::draw(Frame& f) {
  const Catalog* cat = f.snap.catalog.get();
  if (!cat) {
    muted(f.s.tr("common.loading"));
    return;
  }
  if (editor_.draw(f, *cat, {}, true, f.s.tr("case_form.save"))) {
    f.core.create_case(editor_.draft());
    // The outcome comes back as a notice; the lists show the case at once.
    f.nav.back();
  }
}

}  // namespace gw::client::ui
