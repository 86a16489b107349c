#include "client/core/photo.hpp"

#include <sodium.h>
#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include "client/core/jpeg_segments.hpp"
#include "client/core/tuning.hpp"

namespace gw::client {

namespace {

enum class Format { jpeg, png, other };

Format format_of(std::string_view b) {
  static constexpr unsigned char kJpeg[3] = {0xFF, 0xD8, 0xFF};
  static constexpr unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (b.size() >= sizeof kJpeg && std::memcmp(b.data(), kJpeg, sizeof kJpeg) == 0) return Format::jpeg;
  if (b.size() >= sizeof kPng && std::memcmp(b.data(), kPng, sizeof kPng) == 0) return Format::png;
  return Format::other;
}

// stb_image decodes a JPEG cut short without a word (the missing part
// grey), so the end is checked: a whole file's last marker is EOI (FF D9),
// which scan data cannot hold (an FF there is followed by 00 or a restart
// marker). Some cameras pad after it with zeros or FFs.
bool jpeg_complete(std::string_view b) {
  size_t end = b.size();
  while (end > 0 && (b[end - 1] == '\0' || static_cast<unsigned char>(b[end - 1]) == 0xFF)) --end;
  return end >= 4 && static_cast<unsigned char>(b[end - 2]) == 0xFF && static_cast<unsigned char>(b[end - 1]) == 0xD9;
}

// A PNG ends with its IEND chunk, always these twelve bytes.
bool png_complete(std::string_view b) {
  static constexpr unsigned char kIend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  return b.size() >= 8 + sizeof kIend && std::memcmp(b.data() + b.size() - sizeof kIend, kIend, sizeof kIend) == 0;
}

using jpeg::be;
using jpeg::for_each_segment;

// The size a file's header claims, read here rather than by stb_image,
// which refuses a huge one as if it were damaged: a bomb should be called
// what it is. PNG: IHDR, always the first chunk. JPEG: the frame header
// (SOF: precision, height, width). {0, 0}: no size found.
std::pair<int64_t, int64_t> claimed_size(std::string_view b, Format f) {
  if (f == Format::png) {
    if (b.size() < 24) return {0, 0};
    return {be(b, 16, 4), be(b, 20, 4)};
  }
  std::pair<int64_t, int64_t> size{0, 0};
  for_each_segment(b, [&](unsigned char m, std::string_view seg) {
    bool frame = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (frame && seg.size() >= 5) size = {be(seg, 3, 2), be(seg, 1, 2)};
    return frame;
  });
  return size;
}

struct Rgb {
  std::vector<unsigned char> px;  // rows of width * 3 bytes
  int width = 0, height = 0;
};

// The EXIF orientation (tag 0x0112 in IFD0 of an APP1 "Exif" segment), 1
// when absent or unreadable. A phone keeps its sensor's rows and says how
// to turn them; the new encoding drops that word, so the turn is made here.
int exif_orientation(std::string_view b) {
  int orientation = 1;
  for_each_segment(b, [&](unsigned char m, std::string_view seg) {
    if (m != 0xE1 || seg.size() < 14 || seg.substr(0, 6) != std::string_view("Exif\0\0", 6)) return false;
    std::string_view tiff = seg.substr(6);
    bool little = tiff.substr(0, 2) == "II";
    if (!little && tiff.substr(0, 2) != "MM") return true;
    auto num = [&](size_t off, int bytes) -> uint32_t {
      if (off + static_cast<size_t>(bytes) > tiff.size()) return 0;
      uint32_t v = 0;
      for (int i = 0; i < bytes; ++i) {
        auto byte = static_cast<unsigned char>(tiff[off + static_cast<size_t>(little ? bytes - 1 - i : i)]);
        v = v << 8 | byte;
      }
      return v;
    };
    size_t ifd = num(4, 4);
    uint32_t entries = num(ifd, 2);
    for (uint32_t i = 0; i < entries && i < 1000; ++i) {
      size_t e = ifd + 2 + 12 * static_cast<size_t>(i);
      if (e + 12 > tiff.size()) break;
      if (num(e, 2) == 0x0112 && num(e + 2, 2) == 3) {  // Orientation, SHORT
        uint32_t o = num(e + 8, 2);
        if (o >= 1 && o <= 8) orientation = static_cast<int>(o);
        break;
      }
    }
    return true;
  });
  return orientation;
}

// `in` turned upright by an EXIF orientation: for each pixel of the result,
// the pixel of `in` it shows.
Rgb upright(Rgb in, int orientation) {
  if (orientation == 1) return in;
  const int w = in.width, h = in.height;
  const bool swap = orientation >= 5;
  Rgb out;
  out.width = swap ? h : w;
  out.height = swap ? w : h;
  out.px.resize(in.px.size());
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;
      switch (orientation) {
        case 2: sx = w - 1 - x; break;
        case 3: sx = w - 1 - x, sy = h - 1 - y; break;
        case 4: sy = h - 1 - y; break;
        case 5: sx = y, sy = x; break;
        case 6: sx = y, sy = h - 1 - x; break;          // a quarter turn clockwise
        case 7: sx = w - 1 - y, sy = h - 1 - x; break;
        case 8: sx = w - 1 - y, sy = x; break;          // a quarter turn anticlockwise
        default: break;
      }
      std::memcpy(&out.px[(static_cast<size_t>(y) * out.width + x) * 3],
                  &in.px[(static_cast<size_t>(sy) * w + sx) * 3], 3);
    }
  return out;
}

// stb_image's pixels, `channels` a pixel, its header read first: a size it
// cannot read or past the limit is refused before anything is unpacked.
Result<Pixels> unpack(std::string_view file, int channels) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  const int len = static_cast<int>(file.size());
  int w = 0, h = 0, has = 0;
  if (!stbi_info_from_memory(bytes, len, &w, &h, &has) || w <= 0 || h <= 0 ||
      static_cast<int64_t>(w) * h > tuning::kPhotoMaxPixels)
    return Error{Code::invalid, "the picture is damaged: its header cannot be read"};
  std::unique_ptr<unsigned char, void (*)(void*)> px(stbi_load_from_memory(bytes, len, &w, &h, &has, channels),
                                                    stbi_image_free);
  if (!px) return Error{Code::invalid, "the picture is damaged: it cannot be decoded"};
  Pixels out;
  out.width = w;
  out.height = h;
  out.rgba.assign(px.get(), px.get() + static_cast<size_t>(w) * h * static_cast<size_t>(channels));
  return out;
}

Result<Rgb> decode(std::string_view file) {
  if (static_cast<int64_t>(file.size()) > tuning::kPhotoMaxFileBytes)
    return Error{Code::too_large, "the file is " + std::to_string(file.size() >> 20) + " MB, over the " +
                                      std::to_string(tuning::kPhotoMaxFileBytes >> 20) + " MB a photo may be"};
  Format f = format_of(file);
  if (f == Format::other) return Error{Code::invalid, "not a photo: only JPEG and PNG pictures can be attached"};
  if (f == Format::jpeg ? !jpeg_complete(file) : !png_complete(file))
    return Error{Code::invalid, "the picture is cut short (the file ends before the picture does)"};
  // From the header alone, before a pixel is unpacked: a bomb stops here.
  if (auto [cw, ch] = claimed_size(file, f); cw * ch > tuning::kPhotoMaxPixels)
    return Error{Code::too_large, "the picture is " + std::to_string(cw) + " x " + std::to_string(ch) +
                                      " pixels, over the " + std::to_string(tuning::kPhotoMaxPixels / 1'000'000) +
                                      " megapixels a photo may have"};
  auto img = unpack(file, 3);
  if (!img) return img.error();
  return Rgb{std::move(img->rgba), img->width, img->height};
}

// `in` scaled to fit `edge` (never up), filtered in sRGB as the eye sees it.
Rgb fit(Rgb in, int edge) {
  int longest = std::max(in.width, in.height);
  if (longest <= edge) return in;
  double k = static_cast<double>(edge) / longest;
  Rgb out;
  out.width = std::max(1, static_cast<int>(std::lround(in.width * k)));
  out.height = std::max(1, static_cast<int>(std::lround(in.height * k)));
  out.px.resize(static_cast<size_t>(out.width) * out.height * 3);
  stbir_resize_uint8_srgb(in.px.data(), in.width, in.height, 0, out.px.data(), out.width, out.height, 0, 3,
                          STBIR_ALPHA_CHANNEL_NONE, 0);
  return out;
}

Result<std::string> encode_jpeg(const Rgb& img) {
  std::string out;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_jpg_to_func(sink, &out, img.width, img.height, 3, img.px.data(), tuning::kPhotoJpegQuality))
    return Error{Code::internal, "the picture could not be encoded"};
  return out;
}

// The one way a picture becomes a Photo, whatever it came from (a file, a
// camera's still): scaled, encoded, named.
Result<Photo> keep(Rgb upright_img) {
  Rgb kept = fit(std::move(upright_img), tuning::kPhotoLongEdge);
  Rgb thumb = fit(kept, tuning::kPhotoThumbEdge);
  auto jpeg = encode_jpeg(kept);
  if (!jpeg) return jpeg.error();
  auto small = encode_jpeg(thumb);
  if (!small) return small.error();
  Photo p;
  p.hash = photo_hash(*jpeg);
  p.jpeg = std::move(*jpeg);
  p.width = kept.width;
  p.height = kept.height;
  p.thumb_hash = photo_hash(*small);
  p.thumb_jpeg = std::move(*small);
  p.thumb_width = thumb.width;
  p.thumb_height = thumb.height;
  return p;
}

}  // namespace

std::string photo_hash(std::string_view jpeg) {
  unsigned char h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size(), nullptr, 0);
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

Result<Photo> prepare_photo(std::string_view file) {
  auto img = decode(file);
  if (!img) return img.error();
  int orientation = format_of(file) == Format::jpeg ? exif_orientation(file) : 1;
  return keep(upright(std::move(*img), orientation));
}

Result<Photo> prepare_photo_pixels(const Pixels& still) {
  const int64_t n = static_cast<int64_t>(still.width) * still.height;
  if (still.width <= 0 || still.height <= 0 || still.rgba.size() != static_cast<size_t>(n) * 4)
    return Error{Code::invalid, "the still is empty or its pixels do not match its size"};
  if (n > tuning::kPhotoMaxPixels)
    return Error{Code::too_large, "the still has " + std::to_string(n) + " pixels, over the limit"};
  Rgb rgb;
  rgb.width = still.width;
  rgb.height = still.height;
  rgb.px.resize(static_cast<size_t>(n) * 3);
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) std::memcpy(&rgb.px[i * 3], &still.rgba[i * 4], 3);
  return keep(std::move(rgb));
}

Result<Photo> prepare_photo_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Error{Code::not_found, "the file cannot be opened: " + path};
  auto size = static_cast<int64_t>(in.tellg());
  // Told before a byte is read: a 4 GB video dropped by mistake is not loaded.
  if (size > tuning::kPhotoMaxFileBytes)
    return Error{Code::too_large, "the file is " + std::to_string(size >> 20) + " MB, over the " +
                                      std::to_string(tuning::kPhotoMaxFileBytes >> 20) + " MB a photo may be"};
  std::string bytes(static_cast<size_t>(std::max<int64_t>(size, 0)), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    return Error{Code::io, "the file cannot be read: " + path};
  return prepare_photo(bytes);
}

Result<Photo> prepare_photo_source(const PhotoSource& source) {
  if (source.taken) return *source.taken;
  return prepare_photo_file(source.path);
}

// Only pictures this app made reach here, but a cached one may be damaged.
Result<Pixels> decode_pixels(std::string_view jpeg) { return unpack(jpeg, 4); }

}  // namespace gw::client
