#include "client/ui/screens/hotline.hpp"

#include "client/ui/widgets.hpp"

namespace gw::client::ui {

void HotlineScreen::enter(Frame&) {
  editor_.reset("hotline");
  waiting_ = false;
  created_.clear();
}

// The save's outcome: the new case's id, or an error (its toast says why,
// and the form keeps what was typed).
void HotlineScreen::notice(const Notice& n) {
  if (!waiting_) return;
  if (n.error) waiting_ = false;
  if (n.key == "notice.case_saved" && !n.ref.empty()) {
    waiting_ = false;
    created_ = n.ref;
  }
}

void HotlineScreen::caller(Frame& f) {
  NewCase& d = editor_.draft();
  ImGui::TextUnformatted(f.s.c("hotline.caller"));
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  input_text(f, "hotline.caller_name", f.s.tr("hotline.caller_name_hint"), &d.caller_name, 0, w);
  ImGui::SameLine();
  input_text(f, "hotline.caller_phone", f.s.tr("hotline.caller_phone_hint"), &d.caller_phone);
  checkbox(f, "hotline.confidential", f.s.tr("hotline.confidential"), &d.confidential);
  if (d.confidential) muted(f.s.tr("hotline.confidential_note"));
  ImGui::Separator();
}

void HotlineScreen::draw(Frame& f) {
  if (!created_.empty()) {
    // The form gives way to the case: back from there leads where the call began.
    f.core.open_case(created_);
    created_.clear();
    f.nav.back();
    f.nav.go(ScreenId::case_detail);
    return;
  }
  if (!my_roles(f).has(Role::supervisor)) {
    muted(f.s.tr("hotline.centre_only"));
    return;
  }
  const Catalog* cat = f.snap.catalog.get();
  if (!cat) {
    muted(f.s.tr("common.loading"));
    return;
  }
  ImGui::BeginDisabled(waiting_);
  if (editor_.draw(f, *cat, [&] { caller(f); }, false, f.s.tr("hotline.save"))) {
    waiting_ = true;
    f.core.create_case(editor_.draft());
  }
  ImGui::EndDisabled();
}

}  // namespace gw::client::ui
