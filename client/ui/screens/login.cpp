#include "client/ui/screens/login.hpp"

#include "client/ui/widgets.hpp"

namespace gw::client::ui {

void LoginScreen::submit(Frame& f) {
  if (username_.empty() || secret_.empty()) return;
  f.core.sign_in(username_, secret_);
  secret_.clear();  // not kept in memory longer than the request
}

void LoginScreen::draw(Frame& f) {
  const SessionView& session = f.snap.session;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float width = std::min(avail.x, 560.0f * f.scale);
  ImGui::SetCursorPos(ImVec2((avail.x - width) * 0.5f, avail.y * 0.12f));
  ImGui::BeginGroup();
  ImGui::PushStyleColor(ImGuiCol_Text, kTitleText);
  ImGui::SetWindowFontScale(1.4f);
  ImGui::TextUnformatted(f.s.c("app.name"));
  ImGui::SetWindowFontScale(1.0f);
  ImGui::PopStyleColor();
  if (session.locked) {
    // The unlock screen: the user stays; the PIN or password opens the data key, offline.
    if (username_.empty()) username_ = session.username;
    heading(f.s.tr("login.locked"));
    muted(f.s.format("login.locked_hint", {session.name.empty() ? session.username : session.name}));
  } else {
    muted(f.s.tr("app.tagline"));
  }
  ImGui::Dummy(ImVec2(width, 12.0f * f.scale));

  ImGui::TextUnformatted(f.s.c("login.username"));
  input_text(f, "login.username", f.s.tr("login.username_hint"), &username_, 0, width);
  ImGui::TextUnformatted(f.s.c("login.password"));
  const bool enter = input_text(f, "login.password", f.s.tr("login.password_hint"), &secret_,
                                ImGuiInputTextFlags_Password | ImGuiInputTextFlags_EnterReturnsTrue, width);
  ImGui::Dummy(ImVec2(0, 6.0f * f.scale));
  ImGui::BeginDisabled(session.busy);
  const std::string label = session.busy ? f.s.tr("login.busy") : f.s.tr("login.submit");
  if (primary_button(f, "login.submit", label, ImVec2(width, 0)) || enter) submit(f);
  ImGui::EndDisabled();

  if (!session.error_key.empty()) {
    error_text(f.s.tr(session.error_key));
    if (!session.error_detail.empty()) muted(session.error_detail);
  }
  ImGui::Dummy(ImVec2(0, 12.0f * f.scale));
  field(f.s.tr("login.server"), f.snap.settings.server_url);
  if (button(f, "login.settings", f.s.tr("login.change_server"))) f.nav.go(ScreenId::settings);
  ImGui::EndGroup();
}

}  // namespace gw::client::ui
