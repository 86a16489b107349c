// Evidence photos on screen (issue 22): a kept JPEG becomes a GL texture
// once and is drawn from it every frame after, keyed by the picture's hash.
// Bounded, least recently used first: a case's thumbnails stay warm while
// a list scrolls, and the few full pictures (5 MB of texture each at
// 1,280 px) never pile up on a tablet's small GPU memory. Lives on the UI
// thread and must go before the GL context.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gw::client::ui {

// RGBA pixels (straight alpha, rows packed) as a new GL texture, linear
// filtered; its GL name. The GL context must be current.
unsigned upload_rgba(const unsigned char* rgba, int width, int height);

class PhotoTextures {
 public:
  struct Texture {
    unsigned id = 0;  // GL texture name; 0: the bytes did not decode
    int width = 0, height = 0;
  };

  // Thumbnails kept past the frame they were drawn in, and full pictures.
  static constexpr size_t kThumbs = 64;
  static constexpr size_t kFull = 3;

  PhotoTextures() = default;
  ~PhotoTextures();
  PhotoTextures(const PhotoTextures&) = delete;
  PhotoTextures& operator=(const PhotoTextures&) = delete;

  // Once a frame, before drawing: what is used from here on is this frame's.
  void begin_frame() { ++frame_; }
  // The texture of `jpeg` named `hash`, decoded on its first use; null when
  // the bytes do not decode (remembered, so a bad picture costs one try).
  const Texture* get(const std::string& hash, std::string_view jpeg, bool full);
  // A full picture's texture, freed when its viewer closes.
  void release(const std::string& hash);
  void clear();
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Texture tex;
    bool full = false;
    uint64_t used = 0;  // the frame it was last drawn in
  };
  void evict(bool full);

  std::unordered_map<std::string, Entry> entries_;
  uint64_t frame_ = 1;
};

}  // namespace gw::client::ui
