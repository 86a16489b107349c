#include "client/ui/screens/dispatch.hpp"

#include "client/ui/screens/home.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {

void DispatchScreen::enter(Frame& f) { f.core.list_dispatch(stage_); }

void DispatchScreen::pick(Frame& f, const std::string& stage) {
  stage_ = stage;
  f.core.list_dispatch(stage_);
}

// One chip per stage the user's roles act on, with how many wait there.
void DispatchScreen::stage_chips(Frame& f, const DispatchQueue& q) {
  int64_t all = 0;
  for (const auto& [status, n] : q.stages) all += n;
  const std::string all_label = f.s.tr("dispatch.all") + "  " + count_text(all);
  if (toggle_button(f, "dispatch.stage.all", all_label, stage_.empty())) pick(f, "");
  for (const auto& [status, n] : q.stages) {
    const std::string label = f.s.tr("dispatch.stage." + status) + "  " + count_text(n);
    same_line_if_fits(label);
    if (toggle_button(f, "dispatch.stage." + status, label, stage_ == status)) pick(f, status);
  }
}

void DispatchScreen::draw(Frame& f) {
  const DispatchQueue* q = f.snap.dispatch.get();
  if (!q) {
    muted(f.s.tr("common.loading"));
    return;
  }
  stage_chips(f, *q);
  if (my_roles(f).has(Role::supervisor)) {
    const std::string label = f.s.tr("home.hotline");
    same_line_if_fits(label);
    const float w = ImGui::CalcTextSize(label.c_str()).x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetCursorPosX(std::max(ImGui::GetCursorPosX(), ImGui::GetContentRegionMax().x - w));
    if (primary_button(f, "dispatch.hotline", label)) f.nav.go(ScreenId::hotline);
  }
  muted(f.s.format("dispatch.count_n", {count_text(static_cast<int64_t>(q->items.size()))}));
  if (q->items.empty()) muted(f.s.tr("dispatch.none"));
  case_list(
      f, "##dispatch_list", "dispatch.row.", q->items.size(),
      [&](size_t i) -> const CaseItem& { return q->items[i].item; },
      [&](size_t i) {
        const std::string& next = q->items[i].next_action;
        return next.empty() ? std::string() : f.s.format("dispatch.next", {f.s.tr("action." + next)});
      });
}

}  // namespace gw::client::ui
