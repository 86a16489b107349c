// The camera's parts that need no camera (issue 22): YUYV to RGBA against
// pixels worked out by hand, MJPEG frames without their Huffman tables, a
// still made into a Photo, and what no camera looks like. The camera itself
// is tested against the kernel's vivid driver in a VM: client-camera-vm.
#include <doctest/doctest.h>
#include <stb_image_write.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "client/core/camera.hpp"
#include "client/core/photo.hpp"

using namespace gw;
using namespace gw::client;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s += static_cast<char>(v);
  return s;
}

std::vector<int> pixel(const Pixels& p, int x, int y) {
  const unsigned char* q = &p.rgba[(static_cast<size_t>(y) * p.width + x) * 4];
  return {q[0], q[1], q[2], q[3]};
}

void append(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

// Red growing rightwards, green downwards, as RGBA.
Pixels gradient(int w, int h) {
  Pixels p;
  p.width = w;
  p.height = h;
  p.rgba.resize(static_cast<size_t>(w) * h * 4);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      unsigned char* q = &p.rgba[(static_cast<size_t>(y) * w + x) * 4];
      q[0] = static_cast<unsigned char>(255 * x / (w - 1));
      q[1] = static_cast<unsigned char>(255 * y / (h - 1));
      q[2] = 96;
      q[3] = 255;
    }
  return p;
}

// `jpeg` without its DHT segments, as a UVC camera's MJPEG frame comes.
std::string without_huffman_tables(const std::string& jpeg) {
  std::string out = jpeg.substr(0, 2);
  size_t at = 2;
  while (at + 4 <= jpeg.size() && static_cast<unsigned char>(jpeg[at + 1]) != 0xDA) {
    const size_t len = static_cast<unsigned char>(jpeg[at + 2]) << 8 | static_cast<unsigned char>(jpeg[at + 3]);
    if (static_cast<unsigned char>(jpeg[at + 1]) != 0xC4) out += jpeg.substr(at, 2 + len);
    at += 2 + len;
  }
  return out + jpeg.substr(at);
}

}  // namespace

TEST_CASE("YUYV becomes RGBA by BT.601's limited range, two pixels sharing their chroma") {
  // Y0 U Y1 V: white and black; then red (Y 81, U 90, V 240) and a lighter
  // pixel on the same chroma: R = (298*129 + 409*112 + 128) >> 8 = 329 -> 255,
  // G = (298*129 + 100*38 - 208*112 + 128) >> 8 = 74, B = (298*129 - 516*38 + 128) >> 8 = 74.
  const std::string frame = bytes({235, 128, 16, 128, 81, 90, 145, 240});
  auto px = yuyv_to_rgba(frame, 4, 1, 8);
  REQUIRE(px.is_ok());
  CHECK(px->width == 4);
  CHECK(px->height == 1);
  CHECK(pixel(*px, 0, 0) == std::vector<int>{255, 255, 255, 255});
  CHECK(pixel(*px, 1, 0) == std::vector<int>{0, 0, 0, 255});
  CHECK(pixel(*px, 2, 0) == std::vector<int>{255, 0, 0, 255});
  CHECK(pixel(*px, 3, 0) == std::vector<int>{255, 74, 74, 255});
}

TEST_CASE("YUYV rows are read at the driver's stride, and an odd width uses its last group's first Y") {
  // 3x2, 12 bytes a row (8 used, 4 of padding): mid grey (Y 126: (298*110 + 128) >> 8 = 128) above black.
  const std::string frame = bytes({126, 128, 126, 128, 126, 128, 0, 128, 9, 9, 9, 9,  //
                                   16, 128, 16, 128, 16, 128, 99, 128});
  auto px = yuyv_to_rgba(frame, 3, 2, 12);
  REQUIRE(px.is_ok());
  for (int x = 0; x < 3; ++x) {
    CHECK(pixel(*px, x, 0) == std::vector<int>{128, 128, 128, 255});
    CHECK(pixel(*px, x, 1) == std::vector<int>{0, 0, 0, 255});
  }
  auto short_frame = yuyv_to_rgba(frame.substr(0, 19), 3, 2, 12);
  REQUIRE_FALSE(short_frame.is_ok());
  CHECK(short_frame.error().code == Code::invalid);
  CHECK_FALSE(yuyv_to_rgba(frame, 3, 2, 6).is_ok());  // a stride shorter than a row
}

TEST_CASE("an MJPEG frame without Huffman tables decodes as the whole JPEG does") {
  const Pixels img = gradient(96, 64);
  std::string jpeg;
  REQUIRE(stbi_write_jpg_to_func(append, &jpeg, img.width, img.height, 4, img.rgba.data(), 90));
  const std::string bare = without_huffman_tables(jpeg);
  REQUIRE(bare.size() < jpeg.size());
  CHECK(bare.find("\xFF\xC4") == std::string::npos);
  auto whole = mjpeg_to_rgba(jpeg);
  auto from_bare = mjpeg_to_rgba(bare);
  REQUIRE(whole.is_ok());
  REQUIRE(from_bare.is_ok());
  CHECK(from_bare->rgba == whole->rgba);
  auto junk = mjpeg_to_rgba("not a jpeg");
  REQUIRE_FALSE(junk.is_ok());
  CHECK(junk.error().code == Code::invalid);
}

TEST_CASE("a still becomes a Photo as a file does: 1280 px, a 256 px thumbnail, named by its bytes") {
  auto photo = prepare_photo_pixels(gradient(1600, 1200));
  REQUIRE(photo.is_ok());
  CHECK(photo->width == 1280);
  CHECK(photo->height == 960);
  CHECK(photo->thumb_width == 256);
  CHECK(photo->thumb_height == 192);
  CHECK(photo->hash == photo_hash(photo->jpeg));
  CHECK(photo->thumb_hash == photo_hash(photo->thumb_jpeg));
  auto back = decode_pixels(photo->jpeg);
  REQUIRE(back.is_ok());
  CHECK(back->width == 1280);
  const std::vector<int> corner = pixel(*back, 1279, 959);  // red and green full, blue 96
  CHECK(corner[0] > 230);
  CHECK(corner[1] > 230);
  CHECK(std::abs(corner[2] - 96) < 20);

  auto small = prepare_photo_pixels(gradient(640, 480));  // never scaled up
  REQUIRE(small.is_ok());
  CHECK(small->width == 640);
  CHECK(small->height == 480);
  CHECK(small->hash == prepare_photo_pixels(gradient(640, 480))->hash);  // the same still, the same name

  Pixels bad = gradient(64, 48);
  bad.rgba.pop_back();
  auto refused = prepare_photo_pixels(bad);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.error().code == Code::invalid);
}

TEST_CASE("no camera: none listed, opening one is not_found, a file is not a camera") {
  CHECK(list_cameras("/nonexistent-gridwork").empty());
  const auto dir = std::filesystem::temp_directory_path() / "gridwork-camera-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "video0") << "not a device";
  CHECK(list_cameras(dir.string()).empty());

  auto none = Camera::open("/nonexistent-gridwork/video0");
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.error().code == Code::not_found);
  CHECK(none.error().message == "no camera at /nonexistent-gridwork/video0");
  auto file = Camera::open((dir / "video0").string());
  REQUIRE_FALSE(file.is_ok());
  CHECK(file.error().code == Code::invalid);
  CHECK(file.error().message.find("is not a camera") != std::string::npos);
  std::filesystem::remove_all(dir);

  CameraFeed feed("/nonexistent-gridwork/video0");
  CameraFeed::Latest l;
  for (int i = 0; i < 500 && !l.error; ++i) {
    l = feed.latest();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(l.error.has_value());
  CHECK(l.error->code == Code::not_found);
  CHECK(l.seq == 0);
  CHECK(l.frame == nullptr);
}
