// Evidence photos (issue 22): what a file becomes before it is attached —
// kept at 1280 px and a 256 px thumbnail, as JPEG with no metadata, named
// by its hash — and every kind of bad file refused with its reason.
#include <doctest/doctest.h>
#include <sodium.h>
#include <stb_image.h>
#include <stb_image_write.h>

#include <string>
#include <vector>

#include "client/core/photo.hpp"

using namespace gw;
using namespace gw::client;

namespace {

// A picture with something in it: a gradient, red growing rightwards and
// green downwards, so a scaled copy can be checked at its corners.
std::vector<unsigned char> gradient(int w, int h) {
  std::vector<unsigned char> px(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      unsigned char* p = &px[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<unsigned char>(255 * x / (w - 1));
      p[1] = static_cast<unsigned char>(255 * y / (h - 1));
      p[2] = 96;
    }
  return px;
}

void append(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

std::string jpeg_file(int w, int h) {
  std::string out;
  auto px = gradient(w, h);
  REQUIRE(stbi_write_jpg_to_func(append, &out, w, h, 3, px.data(), 92));
  return out;
}

std::string png_file(int w, int h) {
  std::string out;
  auto px = gradient(w, h);
  REQUIRE(stbi_write_png_to_func(append, &out, w, h, 3, px.data(), w * 3));
  return out;
}

struct Decoded {
  int w = 0, h = 0;
  std::vector<unsigned char> px;
  const unsigned char* at(int x, int y) const { return &px[(static_cast<size_t>(y) * w + x) * 3]; }
};

Decoded decode(const std::string& jpeg) {
  Decoded d;
  int n = 0;
  unsigned char* p = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(jpeg.data()),
                                           static_cast<int>(jpeg.size()), &d.w, &d.h, &n, 3);
  REQUIRE(p);
  d.px.assign(p, p + static_cast<size_t>(d.w) * d.h * 3);
  stbi_image_free(p);
  return d;
}

void check_refused(const std::string& file, Code code, const std::string& words) {
  auto p = prepare_photo(file);
  REQUIRE_FALSE(p);
  CHECK(p.error().code == code);
  CHECK_MESSAGE(p.error().message.find(words) != std::string::npos, p.error().message);
}

}  // namespace

TEST_SUITE("photo") {
  TEST_CASE("a camera's photo is kept at a 1280 px long edge with a 256 px thumbnail, named by its hash") {
    std::string file = jpeg_file(2400, 1600);
    auto p = prepare_photo(file);
    REQUIRE(p);
    CHECK(p->width == 1280);
    CHECK(p->height == 853);
    CHECK(p->thumb_width == 256);
    CHECK(p->thumb_height == 171);
    CHECK(p->jpeg.size() < file.size());
    // The name is the BLAKE2b-256 of the kept bytes, and the same file
    // always makes the same bytes: a picture attached twice is one picture.
    unsigned char h[32];
    crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(p->jpeg.data()), p->jpeg.size(),
                       nullptr, 0);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    CHECK(p->hash == hex);
    CHECK(prepare_photo(file)->hash == p->hash);
    // What is kept is the picture, scaled: its corners keep their colours.
    auto kept = decode(p->jpeg);
    REQUIRE(kept.w == 1280);
    REQUIRE(kept.h == 853);
    auto near = [](const unsigned char* px, int r, int g) { return std::abs(px[0] - r) < 12 && std::abs(px[1] - g) < 12; };
    CHECK(near(kept.at(2, 2), 0, 0));
    CHECK(near(kept.at(1277, 2), 255, 0));
    CHECK(near(kept.at(2, 850), 0, 255));
    CHECK(near(kept.at(1277, 850), 255, 255));
    auto thumb = decode(p->thumb_jpeg);
    CHECK(thumb.w == 256);
    CHECK(near(thumb.at(254, 169), 255, 255));
  }

  TEST_CASE("a PNG is kept as JPEG, and a small picture is not scaled up") {
    auto p = prepare_photo(png_file(640, 480));
    REQUIRE(p);
    CHECK(p->width == 640);
    CHECK(p->height == 480);
    CHECK(p->thumb_width == 256);
    CHECK(p->thumb_height == 192);
    CHECK(static_cast<unsigned char>(p->jpeg[0]) == 0xFF);
    CHECK(static_cast<unsigned char>(p->jpeg[1]) == 0xD8);
    auto tall = prepare_photo(jpeg_file(300, 2000));
    REQUIRE(tall);
    CHECK(tall->height == 1280);
    CHECK(tall->width == 192);
  }

  TEST_CASE("a photo's metadata (where it was taken, the camera) is not kept") {
    std::string file = jpeg_file(800, 600);
    // An Exif APP1 segment after SOI, as a phone writes one.
    std::string exif = "Exif";
    exif += std::string(2, '\0');
    exif += "GPSLatitude=24.8712N;GPSLongitude=118.5531E;Make=TabletCam;Owner=张三";
    size_t len = exif.size() + 2;
    std::string app1 = "\xFF\xE1";
    app1 += static_cast<char>(len >> 8);
    app1 += static_cast<char>(len & 0xFF);
    app1 += exif;
    file.insert(2, app1);
    auto p = prepare_photo(file);
    REQUIRE(p);
    CHECK(p->width == 800);
    for (const char* s : {"GPSLatitude", "118.5531", "TabletCam", "张三", "Exif"}) {
      CHECK(p->jpeg.find(s) == std::string::npos);
      CHECK(p->thumb_jpeg.find(s) == std::string::npos);
    }
  }

  TEST_CASE("a phone's photo is kept upright: its EXIF orientation is applied, since the word is dropped") {
    // Sensor rows 400 x 200, red growing rightwards, green downwards.
    auto with_orientation = [](std::string file, int o, bool little) {
      std::string tiff = little ? std::string("II\x2A\0\x08\0\0\0", 8) : std::string("MM\0\x2A\0\0\0\x08", 8);
      auto u16 = [&](int v) {
        char a = static_cast<char>(v >> 8), b = static_cast<char>(v & 0xFF);
        tiff += little ? std::string{b, a} : std::string{a, b};
      };
      u16(1);  // one entry: Orientation, SHORT, count 1
      u16(0x0112);
      u16(3);
      tiff += little ? std::string("\x01\0\0\0", 4) : std::string("\0\0\0\x01", 4);
      u16(o);
      u16(0);
      tiff += std::string(4, '\0');  // no next IFD
      std::string body = std::string("Exif\0\0", 6) + tiff;
      size_t len = body.size() + 2;
      std::string app1 = "\xFF\xE1";
      app1 += static_cast<char>(len >> 8);
      app1 += static_cast<char>(len & 0xFF);
      file.insert(2, app1 + body);
      return file;
    };
    auto near = [](const unsigned char* px, int r, int g) { return std::abs(px[0] - r) < 16 && std::abs(px[1] - g) < 16; };
    std::string sensor = jpeg_file(400, 200);
    for (bool little : {false, true}) {
      // 6: a quarter turn clockwise. The sensor's bottom-left (no red, all
      // green) is then the top-left, its top-left the top-right.
      auto p = prepare_photo(with_orientation(sensor, 6, little));
      REQUIRE(p);
      CHECK(p->width == 200);
      CHECK(p->height == 400);
      auto d = decode(p->jpeg);
      CHECK(near(d.at(2, 2), 0, 255));
      CHECK(near(d.at(197, 2), 0, 0));
      CHECK(near(d.at(197, 397), 255, 0));
      CHECK(near(d.at(2, 397), 255, 255));
      CHECK(p->thumb_height == 256);
    }
    // 8: a quarter turn anticlockwise; 3: a half turn; 1: as it is.
    auto p8 = decode(prepare_photo(with_orientation(sensor, 8, false))->jpeg);
    CHECK(p8.w == 200);
    CHECK(near(p8.at(2, 2), 255, 0));
    CHECK(near(p8.at(197, 397), 0, 255));
    auto p3 = decode(prepare_photo(with_orientation(sensor, 3, true))->jpeg);
    CHECK(p3.w == 400);
    CHECK(near(p3.at(2, 2), 255, 255));
    auto p1 = decode(prepare_photo(with_orientation(sensor, 1, true))->jpeg);
    CHECK(near(p1.at(2, 2), 0, 0));
  }

  TEST_CASE("bad files are refused with their reason") {
    check_refused("巡查记录：3号楼消防通道堵塞", Code::invalid, "only JPEG and PNG");
    check_refused("GIF89a\x01\x00\x01\x00", Code::invalid, "only JPEG and PNG");
    check_refused("", Code::invalid, "only JPEG and PNG");
    std::string jpeg = jpeg_file(640, 480);
    check_refused(jpeg.substr(0, jpeg.size() / 2), Code::invalid, "cut short");
    std::string png = png_file(64, 64);
    check_refused(png.substr(0, png.size() - 20), Code::invalid, "cut short");
    // Whole at both ends, garbage between.
    std::string garbled = jpeg.substr(0, 4) + std::string(2000, 'x') + "\xFF\xD9";
    check_refused(garbled, Code::invalid, "damaged");
    check_refused(std::string(41 << 20, '\xFF'), Code::too_large, "MB");
  }

  TEST_CASE("a PNG bomb is refused from its header, before a pixel is unpacked") {
    std::string png = png_file(16, 16);
    // IHDR's width and height (big-endian, after the 8-byte signature and
    // the chunk's length and type): 100,000 x 100,000. stb does not check
    // the chunk's CRC, so the header is what decides.
    auto put = [&](size_t at, uint32_t v) {
      for (int i = 0; i < 4; ++i) png[at + i] = static_cast<char>(v >> (24 - 8 * i));
    };
    put(16, 100'000);
    put(20, 100'000);
    check_refused(png, Code::too_large, "100000 x 100000 pixels");
    put(16, 9'000);  // 81 megapixels: under what stb_image takes, over a photo's limit
    put(20, 9'000);
    check_refused(png, Code::too_large, "9000 x 9000 pixels");
    // A JPEG's frame header (SOF) claiming 60,000 x 60,000.
    std::string jpeg = jpeg_file(32, 32);
    size_t sof = jpeg.find("\xFF\xC0");
    REQUIRE(sof != std::string::npos);
    for (size_t at : {sof + 5, sof + 7}) {
      jpeg[at] = static_cast<char>(60'000 >> 8);
      jpeg[at + 1] = static_cast<char>(60'000 & 0xFF);
    }
    check_refused(jpeg, Code::too_large, "60000 x 60000 pixels");
  }
}
