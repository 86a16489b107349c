#include "client/ui/screens/camera.hpp"

#include <SDL_opengl.h>

#include <algorithm>

#include "client/core/photo.hpp"
#include "client/ui/widgets.hpp"

namespace gw::client::ui {
namespace {

constexpr float kButtonW = 280.0f;  // design px: 拍照 is the one thing on this screen, sized for a thumb
constexpr float kButtonH = 88.0f;   // ~13 mm on a 10-inch 1280x800 tablet
constexpr uint64_t kSettledFrames = 3;  // a screenshot waits for the camera's exposure to settle

}  // namespace

CameraScreen::~CameraScreen() { close(); }

void CameraScreen::close() {
  feed_.reset();  // stops and joins the camera thread, which lets the camera go
  shown_.reset();
  seq_ = uploads_ = 0;
  held_ = false;
  error_.clear();
  if (texture_) {
    const GLuint id = texture_;
    glDeleteTextures(1, &id);
    texture_ = 0;
    tex_w_ = tex_h_ = 0;
  }
}

void CameraScreen::enter(Frame&) {
  close();
  if (!desk_.device.empty()) feed_ = std::make_unique<CameraFeed>(desk_.device);
}

bool CameraScreen::settled() const { return uploads_ >= kSettledFrames || !error_.empty() || !feed_; }

// The feed's latest frame onto the texture, unless a still is held.
void CameraScreen::take_frame() {
  if (!feed_ || held_) return;
  CameraFeed::Latest l = feed_->latest();
  if (l.error && error_.empty()) error_ = l.error->message;
  if (!l.frame || l.seq == seq_) return;
  seq_ = l.seq;
  shown_ = std::move(l.frame);
  upload(*shown_);
}

void CameraScreen::upload(const Pixels& px) {
  if (!texture_) {
    GLuint id = 0;
    glGenTextures(1, &id);
    texture_ = id;
    glBindTexture(GL_TEXTURE_2D, id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  glBindTexture(GL_TEXTURE_2D, texture_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  if (px.width != tex_w_ || px.height != tex_h_) {  // the first frame: storage; then only the pixels change
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, px.width, px.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, px.rgba.data());
    tex_w_ = px.width;
    tex_h_ = px.height;
  } else {
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, px.width, px.height, GL_RGBA, GL_UNSIGNED_BYTE, px.rgba.data());
  }
  ++uploads_;
}

std::string CameraScreen::state() const {
  if (desk_.device.empty()) return "none";
  if (!error_.empty()) return "failed";
  if (held_) return "held";
  return shown_ ? "live" : "opening";
}

// The frame fitted to the view, on black; words where there is no frame.
void CameraScreen::preview(Frame& f, ImVec2 size) {
  const ImVec2 a = ImGui::GetCursorScreenPos();
  const ImVec2 b(a.x + size.x, a.y + size.y);
  ImGui::Dummy(size);
  probe_item(f, "camera.preview");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(a, b, IM_COL32(0, 0, 0, 255));
  if (texture_ && tex_w_ > 0 && tex_h_ > 0) {
    const float k = std::min(size.x / static_cast<float>(tex_w_), size.y / static_cast<float>(tex_h_));
    const ImVec2 shown(tex_w_ * k, tex_h_ * k);
    const ImVec2 at(a.x + (size.x - shown.x) / 2, a.y + (size.y - shown.y) / 2);
    dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture_)), at, ImVec2(at.x + shown.x, at.y + shown.y));
    if (error_.empty()) return;
  }
  std::string text = f.s.tr(desk_.device.empty() ? "camera.none" : error_.empty() ? "camera.opening" : "camera.failed");
  if (!error_.empty()) text += "\n" + error_;
  const float wrap = size.x * 0.8f;
  const ImVec2 ts = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap);
  const ImVec2 ta(a.x + (size.x - ts.x) / 2, a.y + (size.y - ts.y) / 2);
  const float pad = ImGui::GetStyle().FramePadding.x;
  dl->AddRectFilled(ImVec2(ta.x - pad, ta.y - pad), ImVec2(ta.x + ts.x + pad, ta.y + ts.y + pad), IM_COL32(0, 0, 0, 200));
  dl->AddText(nullptr, 0.0f, ImVec2(a.x + (size.x - ts.x) / 2, a.y + (size.y - ts.y) / 2), IM_COL32_WHITE, text.c_str(),
              nullptr, wrap);
}

// Live: 返回 at the left, 拍照 in the middle. A still held: 重拍 and 使用.
void CameraScreen::controls(Frame& f) {
  const ImVec2 big(kButtonW * f.scale, kButtonH * f.scale);
  const float mid = (ImGui::GetContentRegionAvail().x - big.x) / 2;
  const float x0 = ImGui::GetCursorPosX();
  if (held_) {
    if (button(f, "camera.retake", f.s.tr("camera.retake"), big)) {
      held_ = false;
      error_.clear();  // a still that could not be kept: try another
    }
    ImGui::SameLine(x0 + mid);
    if (primary_button(f, "camera.use", f.s.tr("camera.use"), big)) use(f);
    return;
  }
  if (button(f, "camera.back", f.s.tr("camera.back"), ImVec2(big.x / 2, big.y))) {
    f.nav.back();  // the App closes the camera once this screen is not up
    return;
  }
  ImGui::SameLine(x0 + mid);
  ImGui::BeginDisabled(!shown_ || !error_.empty());
  if (primary_button(f, "camera.take", f.s.tr("camera.take"), big)) held_ = true;
  ImGui::EndDisabled();
}

// The still becomes a Photo here, as a file would when its record is saved
// (tens of ms for a 1280 px frame: one tap's pause), and goes to the picker
// that asked for it.
void CameraScreen::use(Frame& f) {
  auto photo = prepare_photo_pixels(*shown_);
  if (!photo) {
    error_ = photo.error().message;
    return;
  }
  desk_.still = std::make_shared<const Photo>(std::move(*photo));
  f.nav.back();
}

void CameraScreen::draw(Frame& f) {
  take_frame();
  f.probe.state("camera", state());
  f.probe.state("camera_frames", std::to_string(uploads_));
  const ImGuiStyle& st = ImGui::GetStyle();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float bar = kButtonH * f.scale + st.ItemSpacing.y;
  preview(f, ImVec2(avail.x, std::max(avail.y - bar, 8.0f)));
  controls(f);
}

}  // namespace gw::client::ui
