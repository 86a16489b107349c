#include "client/ui/screens/photo_viewer.hpp"

#include <algorithm>
#include <cmath>

#include "client/ui/photo_textures.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

constexpr float kZoomStep = 1.5f;       // a tap of + or −
constexpr float kWheelStep = 1.15f;     // a notch of the wheel
constexpr float kPinchGain = 4.0f;      // dDist is a fraction of the touch surface's diagonal

const char* state_name(PhotoViewer::State s) {
  switch (s) {
    case PhotoViewer::State::loading: return "loading";
    case PhotoViewer::State::ready: return "ready";
    case PhotoViewer::State::pending: return "pending";
    case PhotoViewer::State::failed: return "failed";
  }
  return "?";
}

}  // namespace

void PhotoViewerScreen::enter(Frame&) {
  zoom_ = 1.0f;
  pan_ = ImVec2(0, 0);
}

void PhotoViewerScreen::zoom_by(float factor, ImVec2 at) {
  const float z = std::clamp(zoom_ * factor, 1.0f, kMaxZoom);
  const float k = z / zoom_;
  // The picture's centre moves away from (or toward) the point by k.
  const ImVec2 c(centre_.x + pan_.x, centre_.y + pan_.y);
  pan_ = ImVec2(at.x + (c.x - at.x) * k - centre_.x, at.y + (c.y - at.y) * k - centre_.y);
  zoom_ = z;
}

// The picture never leaves the view: pan only as far as it is larger.
void PhotoViewerScreen::clamp_pan(ImVec2 image, ImVec2 view) {
  const float mx = std::max(0.0f, (image.x - view.x) / 2), my = std::max(0.0f, (image.y - view.y) / 2);
  pan_.x = std::clamp(pan_.x, -mx, mx);
  pan_.y = std::clamp(pan_.y, -my, my);
}

void PhotoViewerScreen::toolbar(Frame& f, bool ready) {
  const float w = 96.0f * f.scale;
  ImGui::BeginDisabled(!ready);
  if (button(f, "photo.zoom_out", "−", ImVec2(w, 0))) zoom_by(1.0f / kZoomStep, centre_);
  ImGui::SameLine();
  if (button(f, "photo.zoom_in", "+", ImVec2(w, 0))) zoom_by(kZoomStep, centre_);
  ImGui::SameLine();
  if (button(f, "photo.fit", f.s.tr("photo.fit"))) {
    zoom_ = 1.0f;
    pan_ = ImVec2(0, 0);
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted((std::to_string(static_cast<int>(std::lround(zoom_ * 100))) + "%").c_str());
  const std::string close = f.s.tr("photo.close");
  const float close_w = ImGui::CalcTextSize(close.c_str()).x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - close_w);
  // The App closes the picture in the core and frees its texture as the screen goes.
  if (primary_button(f, "photo.close", close)) f.nav.back();
}

// The view takes the rest of the screen; the picture is drawn fitted, then
// scaled by the zoom about its centre plus the pan.
void PhotoViewerScreen::picture(Frame& f, const PhotoViewer& v) {
  const ImVec2 a = ImGui::GetCursorScreenPos();
  const ImVec2 size = ImGui::GetContentRegionAvail();
  if (size.x < 8 || size.y < 8) return;
  const ImVec2 b(a.x + size.x, a.y + size.y);
  centre_ = ImVec2((a.x + b.x) / 2, (a.y + b.y) / 2);
  ImGui::InvisibleButton("##photo_view", size);
  probe_item(f, "photo.view");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(a, b, IM_COL32(20, 20, 22, 255));
  const PhotoTextures::Texture* tex = f.photos ? f.photos->get(v.hash, v.jpeg, true) : nullptr;
  if (!tex) {
    const std::string text = f.s.tr("photo.unreadable");
    const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
    dl->AddText(ImVec2(centre_.x - ts.x / 2, centre_.y - ts.y / 2), IM_COL32_WHITE, text.c_str());
    return;
  }
  const ImGuiIO& io = ImGui::GetIO();
  if (ImGui::IsItemHovered() && io.MouseWheel != 0.0f) zoom_by(std::pow(kWheelStep, io.MouseWheel), io.MousePos);
  if (f.pinch != 0.0f) zoom_by(std::exp(f.pinch * kPinchGain), centre_);
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f)) {
    pan_.x += io.MouseDelta.x;
    pan_.y += io.MouseDelta.y;
  }
  const float fit = std::min(size.x / tex->width, size.y / tex->height);
  const ImVec2 shown(tex->width * fit * zoom_, tex->height * fit * zoom_);
  clamp_pan(shown, size);
  const ImVec2 c(centre_.x + pan_.x, centre_.y + pan_.y);
  dl->PushClipRect(a, b, true);
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex->id)),
               ImVec2(c.x - shown.x / 2, c.y - shown.y / 2), ImVec2(c.x + shown.x / 2, c.y + shown.y / 2));
  dl->PopClipRect();
}

void PhotoViewerScreen::draw(Frame& f) {
  const PhotoViewer* v = f.snap.photo.get();
  f.probe.state("photo", v ? std::string(state_name(v->state)) : "-");
  const bool ready = v && v->state == PhotoViewer::State::ready;
  toolbar(f, ready);
  if (!v) {
    muted(f.s.tr("photo.none"));
    return;
  }
  switch (v->state) {
    case PhotoViewer::State::loading: muted(f.s.tr("photo.loading")); break;
    case PhotoViewer::State::pending:
      heading(f.s.tr("photos.uploading"));
      muted(f.s.tr("photo.pending_note"));
      if (!v->error.empty()) muted(v->error);
      break;
    case PhotoViewer::State::failed:
      error_text(f.s.tr("photo.failed"));
      if (!v->error.empty()) muted(v->error);
      break;
    case PhotoViewer::State::ready: picture(f, *v); break;
  }
}

}  // namespace gw::client::ui
