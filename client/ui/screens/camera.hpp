// The camera (issue 22): the tablet's camera full screen, live; 拍照 holds
// the frame, then 使用 makes it the form's photo (CameraDesk) and goes back,
// 重拍 goes live again; 返回 leaves without one. Opened from a form's
// PhotoPicker; the camera runs on its own thread (CameraFeed) and this
// screen only uploads its latest frame as a texture.
#pragma once

#include <imgui.h>

#include <memory>
#include <string>

#include "client/core/camera.hpp"
#include "client/ui/screen.hpp"

namespace gw::client::ui {

class CameraScreen : public Screen {
 public:
  explicit CameraScreen(CameraDesk& desk) : desk_(desk) {}
  ~CameraScreen() override;

  ScreenId id() const override { return ScreenId::camera; }
  std::string_view title_key() const override { return "camera.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  // Stops the camera and frees the texture; the App calls it whenever this
  // screen is not the one up, and before the window goes.
  void close();
  // The preview shows the camera (a few frames in), or why not: what a
  // screenshot waits for.
  bool settled() const;

 private:
  void take_frame();
  void upload(const Pixels& px);
  void preview(Frame& f, ImVec2 size);
  void controls(Frame& f);
  void use(Frame& f);
  std::string state() const;

  CameraDesk& desk_;
  std::unique_ptr<CameraFeed> feed_;
  std::shared_ptr<const Pixels> shown_;  // the frame on the texture: the still once 拍照 is tapped
  uint64_t seq_ = 0;                     // the feed's frame count at shown_
  uint64_t uploads_ = 0;
  bool held_ = false;   // 拍照 tapped: shown_ is the still, live frames wait
  std::string error_;   // the camera failed, or the still could not be kept
  unsigned texture_ = 0;
  int tex_w_ = 0, tex_h_ = 0;
};

}  // namespace gw::client::ui
