// A picture full screen (issue 22): fitted to the window, zoomed with the
// +/− buttons, a pinch or the mouse wheel, moved by dragging; 关闭 goes back
// to the record. While the picture is fetched it says so; one not yet on
// the server says 照片上传中, one that cannot be had says why.
#pragma once

#include <imgui.h>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class PhotoViewerScreen : public Screen {
 public:
  static constexpr float kMaxZoom = 8.0f;  // a 1,280 px picture at 8x: its pixels, no more

  ScreenId id() const override { return ScreenId::photo; }
  std::string_view title_key() const override { return "photo.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;

 private:
  void toolbar(Frame& f, bool ready);
  void picture(Frame& f, const PhotoViewer& v);
  // Zooms by `factor` keeping the point `at` (screen px) where it is.
  void zoom_by(float factor, ImVec2 at);
  void clamp_pan(ImVec2 image, ImVec2 view);

  float zoom_ = 1.0f;  // 1: the whole picture fits the view
  ImVec2 pan_{0, 0};   // the picture's centre from the view's, px
  ImVec2 centre_{0, 0};  // the view's centre last frame, screen px
};

}  // namespace gw::client::ui
