// The map's pins as sprites (issue 23): one small texture holding every
// kind of pin already drawn — a dot in a severity's colour on a white rim,
// ringed red when overdue — smooth-edged. A pin is then one textured quad,
// two triangles and its own pixels once, where ImGui's anti-aliased circles
// cost some ninety triangles and three overlapping fills a pin: a thousand
// pins stay cheap for a software rasteriser.
#pragma once

#include <imgui.h>

#include <array>

namespace gw::client::ui {

class PinSprites {
 public:
  static constexpr int kColours = 4;
  // The dots' colours (by index) and the overdue ring's.
  PinSprites(std::array<ImU32, kColours> colours, ImU32 ring) : colours_(colours), ring_(ring) {}
  ~PinSprites() = default;  // the texture must have gone with close() while GL lives
  PinSprites(const PinSprites&) = delete;
  PinSprites& operator=(const PinSprites&) = delete;

  // Makes the texture on first use (the GL context current).
  ImTextureID texture();
  // Frees the texture; the next texture() makes it again.
  void close();
  // A pin at c, `scale` px a design px: between PushTextureID(texture())
  // and PopTextureID, so a thousand pins are one draw command.
  void pin(ImDrawList* dl, ImVec2 c, int colour, bool overdue, float scale) const;
  // The radius a tap sees of it, design px.
  static float radius(bool overdue);

 private:
  std::array<ImU32, kColours> colours_;
  ImU32 ring_;
  unsigned id_ = 0;
};

}  // namespace gw::client::ui
