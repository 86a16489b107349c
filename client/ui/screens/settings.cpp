#include "client/ui/screens/settings.hpp"

#include "client/ui/widgets.hpp"

namespace gw::client::ui {

void SettingsScreen::enter(Frame& f) {
  draft_ = f.snap.settings;
  pin_.clear();
  old_password_.clear();
  new_password_.clear();
}

// Online only: the server checks the old password; the data key on this
// tablet is then wrapped under the new one.
void SettingsScreen::password(Frame& f) {
  heading(f.s.tr("settings.password"));
  muted(f.s.tr("settings.password_hint"));
  const float w = 300 * f.scale;
  input_text(f, "settings.old_password", f.s.tr("settings.old_password"), &old_password_,
             ImGuiInputTextFlags_Password, w);
  ImGui::SameLine();
  input_text(f, "settings.new_password", f.s.tr("settings.new_password"), &new_password_,
             ImGuiInputTextFlags_Password, w);
  ImGui::SameLine();
  ImGui::BeginDisabled(old_password_.empty() || new_password_.size() < 8);
  if (button(f, "settings.change_password", f.s.tr("settings.change_password"))) {
    f.core.change_password(old_password_, new_password_);
    old_password_.clear();
    new_password_.clear();
  }
  ImGui::EndDisabled();
}

void SettingsScreen::pin(Frame& f) {
  heading(f.s.tr("settings.pin"));
  muted(f.s.tr(f.snap.session.has_pin ? "settings.pin_set" : "settings.pin_hint"));
  input_text(f, "settings.pin", f.s.tr("settings.pin_field_hint"), &pin_,
             ImGuiInputTextFlags_Password | ImGuiInputTextFlags_CharsDecimal, 300 * f.scale);
  ImGui::SameLine();
  const bool ok = pin_.size() >= 4 && pin_.size() <= 8;
  ImGui::BeginDisabled(!ok);
  if (button(f, "settings.set_pin", f.s.tr("settings.set_pin"))) {
    f.core.set_pin(pin_);
    pin_.clear();
  }
  ImGui::EndDisabled();
}

void SettingsScreen::draw(Frame& f) {
  const float width = std::min(ImGui::GetContentRegionAvail().x, 760.0f * f.scale);
  begin_panel("##settings", ImVec2(0, 0), false);
  ImGui::PushItemWidth(width);
  heading(f.s.tr("settings.server"));
  input_text(f, "settings.server", "http://", &draft_.server_url, 0, width);

  heading(f.s.tr("settings.language"));
  for (std::string_view lang : kLanguages) {
    if (lang != kLanguages[0]) ImGui::SameLine();
    const std::string l(lang);
    if (toggle_button(f, "settings.lang." + l, f.s.tr("lang." + l), draft_.lang == l, ImVec2(200 * f.scale, 0)))
      draft_.lang = l;
  }
  heading(f.s.tr("settings.text_size"));
  ImGui::SliderFloat("##text_scale", &draft_.text_scale, 0.8f, 1.6f, "%.1f");
  probe_item(f, "settings.text_size");
  checkbox(f, "settings.auto_sync", f.s.tr("settings.auto_sync"), &draft_.auto_sync);
  heading(f.s.tr("settings.auto_lock"));
  ImGui::SliderInt("##auto_lock", &draft_.auto_lock_minutes, 0, 60,
                   draft_.auto_lock_minutes ? f.s.c("settings.auto_lock_minutes") : f.s.c("settings.auto_lock_never"));
  probe_item(f, "settings.auto_lock");
  ImGui::Dummy(ImVec2(0, 4 * f.scale));
  if (primary_button(f, "settings.save", f.s.tr("settings.save"), ImVec2(width, 0))) f.core.save_settings(draft_);
  ImGui::PopItemWidth();

  if (f.snap.session.signed_in) {
    pin(f);
    password(f);
    heading(f.s.tr("settings.account"));
    field(f.s.tr("settings.user"), f.snap.session.name + " (" + f.snap.session.username + ")");
    field(f.s.tr("settings.roles"), f.snap.session.roles);
    if (f.snap.sync.pending > 0) error_text(f.s.format("settings.sign_out_pending", {count_text(f.snap.sync.pending)}));
    if (danger_button(f, "settings.sign_out", f.s.tr("settings.sign_out"), ImVec2(width, 0))) f.core.sign_out();
  }
  end_panel();
}

}  // namespace gw::client::ui
