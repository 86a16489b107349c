// gridwork-camera-check: the camera code against a real V4L2 driver, run
// inside the VM of camera_vm_test.sh on vivid's /dev/video0 (the kernel's
// virtual camera, whose default picture is 75% colour bars). Lists the
// cameras, streams frames and looks for the bars, is refused a second open
// of a busy camera, turns a still into a Photo, runs and stops the camera
// thread; with --png, looks for the bars in a screenshot of the camera
// screen instead. Prints what it finds; exit 0 only when all of it holds.
#include <stb_image.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "client/core/camera.hpp"
#include "client/core/photo.hpp"
#include "client/core/tuning.hpp"

using namespace gw;
using namespace gw::client;
using Clock = std::chrono::steady_clock;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

struct Rgb {
  int r, g, b;
};

// vivid's 75% bars left to right, without the black last one.
constexpr Rgb kBars[] = {{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
                         {191, 0, 191},   {191, 0, 0},   {0, 0, 191}};
constexpr const char* kBarNames[] = {"white", "yellow", "cyan", "green", "magenta", "red", "blue"};
constexpr int kTolerance = 40;  // the YUV round trip and scaling move a channel by a few levels

bool near(const unsigned char* px, Rgb c) {
  return std::abs(px[0] - c.r) <= kTolerance && std::abs(px[1] - c.g) <= kTolerance && std::abs(px[2] - c.b) <= kTolerance;
}

// The bars found along row `y` as runs of at least `min_run` pixels of
// each colour: a count, and the names of those missing.
int bars_in_row(const unsigned char* rgba, int width, int y, int min_run, std::string* missing) {
  int found = 0;
  for (size_t i = 0; i < std::size(kBars); ++i) {
    int run = 0, best = 0;
    for (int x = 0; x < width; ++x) {
      run = near(rgba + (static_cast<size_t>(y) * width + x) * 4, kBars[i]) ? run + 1 : 0;
      best = std::max(best, run);
    }
    if (best >= min_run) ++found;
    else *missing += std::string(" ") + kBarNames[i];
  }
  return found;
}

// A frame of vivid's pattern: every bar, in a row below its text overlay.
void check_bars(const Pixels& px, const std::string& what) {
  std::string missing;
  const int found = bars_in_row(px.rgba.data(), px.width, px.height * 3 / 4, px.width / 16, &missing);
  check(found == static_cast<int>(std::size(kBars)), what + ": " + std::to_string(found) + " of 7 colour bars" +
                                                         (missing.empty() ? "" : ", missing" + missing));
}

void check_listing(const std::string& device) {
  const auto cameras = list_cameras();
  std::string names;
  for (const auto& c : cameras) names += " " + c.path + " (" + c.name + ")";
  std::printf("cameras:%s\n", names.c_str());
  check(cameras.size() == 1 && cameras[0].path == device,
        "only " + device + " is listed: vivid's output, VBI and other nodes are not cameras");
  auto none = Camera::open("/dev/video99");
  check(!none && none.error().code == Code::not_found, "/dev/video99: not_found (" +
                                                           (none ? std::string("opened") : none.error().message) + ")");
}

void check_stream(const std::string& device) {
  const auto t0 = Clock::now();
  auto cam = Camera::open(device);
  check(cam.is_ok(), "open " + device + (cam ? "" : ": " + cam.error().message));
  if (!cam) return;
  std::printf("format %s %dx%d, opened in %lld ms\n", (*cam)->format().c_str(), (*cam)->width(), (*cam)->height(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));
  check((*cam)->width() <= tuning::kCameraMaxWidth && (*cam)->height() <= tuning::kCameraMaxHeight &&
            std::max((*cam)->width(), (*cam)->height()) >= tuning::kPhotoLongEdge,
        "the size is the smallest giving a kept picture its whole long edge, within 1920x1080");
  auto busy = Camera::open(device);
  check(!busy && busy.error().code == Code::state,
        "a second open while streaming: state (" + (busy ? std::string("opened") : busy.error().message) + ")");
  Result<Pixels> px = Error{Code::io, "no frame"};
  for (int i = 0; i < 5; ++i) {
    px = (*cam)->grab(10'000);
    if (!px) break;
  }
  check(px.is_ok(), "five frames" + (px ? "" : ": " + px.error().message));
  if (!px) return;
  check(px->width == (*cam)->width() && px->height == (*cam)->height() &&
            px->rgba.size() == static_cast<size_t>(px->width) * px->height * 4,
        "a frame is RGBA at the camera's size");
  check_bars(*px, "the frame");
  auto photo = prepare_photo_pixels(*px);
  check(photo.is_ok(), "the still becomes a Photo" + (photo ? "" : ": " + photo.error().message));
  if (!photo) return;
  check(std::max(photo->width, photo->height) == std::min(tuning::kPhotoLongEdge, std::max(px->width, px->height)) &&
            std::max(photo->thumb_width, photo->thumb_height) == tuning::kPhotoThumbEdge &&
            photo->hash == photo_hash(photo->jpeg),
        "the Photo is " + std::to_string(photo->width) + "x" + std::to_string(photo->height) + ", thumbnail " +
            std::to_string(photo->thumb_width) + "x" + std::to_string(photo->thumb_height) + ", named by its bytes");
  auto kept = decode_pixels(photo->jpeg);
  check(kept.is_ok(), "the kept JPEG decodes");
  if (kept) check_bars(*kept, "the kept picture");
}

void check_feed(const std::string& device) {
  const auto t0 = Clock::now();
  CameraFeed::Latest last;
  {
    CameraFeed feed(device);
    while (Clock::now() - t0 < std::chrono::seconds(20)) {
      last = feed.latest();
      if (last.error || last.seq >= 10) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  check(!last.error && last.seq >= 10 && last.frame,
        "the camera thread keeps the latest frame: " + std::to_string(last.seq) + " frames in " + std::to_string(ms) +
            " ms" + (last.error ? ", " + last.error->message : ""));
  if (last.frame) check_bars(*last.frame, "the thread's latest frame");
  auto again = Camera::open(device);
  check(again.is_ok(), "the stopped thread let the camera go (it opens again)");
}

// A screenshot of `gridwork --screen camera`: the preview shows the bars.
void check_png(const std::string& path) {
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load(path.c_str(), &w, &h, &n, 4);
  check(px != nullptr, "read " + path);
  if (!px) return;
  int best = 0;
  std::string best_missing;
  for (int y = h / 4; y < h * 7 / 8; y += 8) {  // the preview's lower part, below vivid's text
    std::string missing;
    const int found = bars_in_row(px, w, y, w / 40, &missing);
    if (found > best) best = found, best_missing = missing;
  }
  stbi_image_free(px);
  check(best == static_cast<int>(std::size(kBars)), "the screenshot shows " + std::to_string(best) +
                                                        " of 7 colour bars" +
                                                        (best_missing.empty() ? "" : ", missing" + best_missing));
}

}  // namespace

int main(int argc, char** argv) {
  std::string device = "/dev/video0", png;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--device") && i + 1 < argc) device = argv[++i];
    else if (!std::strcmp(argv[i], "--png") && i + 1 < argc) png = argv[++i];
    else {
      std::printf("usage: gridwork-camera-check [--device /dev/videoN] [--png SCREENSHOT]\n");
      return std::strcmp(argv[i], "--help") ? 2 : 0;
    }
  }
  if (!png.empty()) {
    check_png(png);
  } else {
    check_listing(device);
    check_stream(device);
    check_feed(device);
  }
  std::printf("%s\n", failures ? "camera check FAILED" : "camera check passed");
  return failures ? 1 : 0;
}
