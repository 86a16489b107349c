#include "client/ui/map_sprites.hpp"

#include <SDL_opengl.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "client/ui/photo_textures.hpp"

namespace gw::client::ui {
namespace {

constexpr int kCell = 32;          // px a pin in the texture; scaled to the screen, the linear filter keeps it smooth
constexpr float kEdge = 15.0f;     // the pin's outer edge in its cell
// Design px: the dot, its white rim, the overdue ring's outer edge.
constexpr float kDot = 7.0f, kRim = 9.5f, kRing = 13.0f;

float cover(float d, float r) { return std::clamp(r - d + 0.5f, 0.0f, 1.0f); }

struct Rgba {
  float r = 0, g = 0, b = 0, a = 0;  // premultiplied
};

// `col` over `under` at coverage `k`.
Rgba over(Rgba under, ImU32 col, float k) {
  const float a = k * static_cast<float>((col >> IM_COL32_A_SHIFT) & 0xFF) / 255.0f;
  auto ch = [&](int shift) { return static_cast<float>((col >> shift) & 0xFF) / 255.0f * a; };
  return {ch(IM_COL32_R_SHIFT) + under.r * (1 - a), ch(IM_COL32_G_SHIFT) + under.g * (1 - a),
          ch(IM_COL32_B_SHIFT) + under.b * (1 - a), a + under.a * (1 - a)};
}

}  // namespace

float PinSprites::radius(bool overdue) { return overdue ? kRing : kRim; }

ImTextureID PinSprites::texture() {
  if (id_ == 0) {
    // A row of plain pins (the rim at the cell's edge) and a row of overdue
    // ones (the ring there), a cell a colour; straight alpha, as ImGui blends.
    const int w = kCell * kColours, h = kCell * 2;
    std::vector<unsigned char> px(static_cast<size_t>(w) * h * 4, 0);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const bool overdue = y >= kCell;
        const float t = kEdge / (overdue ? kRing : kRim);  // texels a design px
        const float dx = static_cast<float>(x % kCell) + 0.5f - kCell / 2.0f;
        const float dy = static_cast<float>(y % kCell) + 0.5f - kCell / 2.0f;
        const float d = std::sqrt(dx * dx + dy * dy);  // texels from the middle
        Rgba c;
        if (overdue) c = over(c, ring_, cover(d, kRing * t));
        c = over(c, IM_COL32_WHITE, cover(d, kRim * t));
        c = over(c, colours_[static_cast<size_t>(x / kCell)], cover(d, kDot * t));
        unsigned char* p = &px[(static_cast<size_t>(y) * w + static_cast<size_t>(x)) * 4];
        if (c.a > 0) {
          p[0] = static_cast<unsigned char>(std::lround(c.r / c.a * 255));
          p[1] = static_cast<unsigned char>(std::lround(c.g / c.a * 255));
          p[2] = static_cast<unsigned char>(std::lround(c.b / c.a * 255));
        }
        p[3] = static_cast<unsigned char>(std::lround(c.a * 255));
      }
    const GLuint id = upload_rgba(px.data(), w, h);
    id_ = id;
  }
  return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(id_));
}

void PinSprites::close() {
  if (id_ == 0) return;
  const GLuint id = id_;
  glDeleteTextures(1, &id);
  id_ = 0;
}

void PinSprites::pin(ImDrawList* dl, ImVec2 c, int colour, bool overdue, float scale) const {
  // The cell reaches past the pin's edge: the quad is that much larger.
  const float k = radius(overdue) * scale * (kCell / 2.0f) / kEdge;
  const float u0 = static_cast<float>(std::clamp(colour, 0, kColours - 1)) / kColours, v0 = overdue ? 0.5f : 0.0f;
  dl->PrimReserve(6, 4);
  dl->PrimRectUV(ImVec2(c.x - k, c.y - k), ImVec2(c.x + k, c.y + k), ImVec2(u0, v0),
                 ImVec2(u0 + 1.0f / kColours, v0 + 0.5f), IM_COL32_WHITE);
}

}  // namespace gw::client::ui
