#include "client/ui/photo_textures.hpp"

#include <SDL_opengl.h>

#include "client/core/photo.hpp"

namespace gw::client::ui {

unsigned upload_rgba(const unsigned char* rgba, int width, int height) {
  GLuint id = 0;
  glGenTextures(1, &id);
  glBindTexture(GL_TEXTURE_2D, id);
  // Pictures are scaled when drawn (a thumbnail into its tile, a picture
  // zoomed, a pin): linear, unlike the pixel-exact font atlas.
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  return id;
}

namespace {

PhotoTextures::Texture upload(std::string_view jpeg) {
  auto px = decode_pixels(jpeg);
  if (!px || px->width <= 0 || px->height <= 0) return {};
  return {upload_rgba(px->rgba.data(), px->width, px->height), px->width, px->height};
}

void free_texture(const PhotoTextures::Texture& t) {
  if (t.id == 0) return;
  const GLuint id = t.id;
  glDeleteTextures(1, &id);
}

}  // namespace

PhotoTextures::~PhotoTextures() { clear(); }

const PhotoTextures::Texture* PhotoTextures::get(const std::string& hash, std::string_view jpeg, bool full) {
  auto it = entries_.find(hash);
  if (it == entries_.end()) {
    if (jpeg.empty()) return nullptr;
    evict(full);
    it = entries_.emplace(hash, Entry{upload(jpeg), full, frame_}).first;
  }
  it->second.used = frame_;
  return it->second.tex.id ? &it->second.tex : nullptr;
}

// Makes room for one more of a kind: the least recently drawn goes, never
// one drawn in this frame (a screen of thumbnails past the bound is kept
// whole until it scrolls).
void PhotoTextures::evict(bool full) {
  const size_t bound = full ? kFull : kThumbs;
  for (;;) {
    size_t count = 0;
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.full != full) continue;
      ++count;
      if (it->second.used < frame_ && (oldest == entries_.end() || it->second.used < oldest->second.used)) oldest = it;
    }
    if (count < bound || oldest == entries_.end()) return;
    free_texture(oldest->second.tex);
    entries_.erase(oldest);
  }
}

void PhotoTextures::release(const std::string& hash) {
  auto it = entries_.find(hash);
  if (it == entries_.end() || !it->second.full) return;
  free_texture(it->second.tex);
  entries_.erase(it);
}

void PhotoTextures::clear() {
  for (auto& [hash, e] : entries_) free_texture(e.tex);
  entries_.clear();
}

}  // namespace gw::client::ui
