// Evidence photos from the tablet's own camera (issue 22): V4L2 capture
// devices (/dev/video*), opened for mmap streaming, their frames as RGBA
// for the preview and for the still that becomes a Photo
// (prepare_photo_pixels). MJPEG is asked for first (a webcam sends its large
// sizes only so), else YUYV, the two formats every UVC camera offers.
// Every expected failure is a Result: no camera, one in use, a format we
// cannot read, a camera that stopped sending.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "client/core/photo.hpp"
#include "shared/error.hpp"

namespace gw::client {

struct CameraInfo {
  std::string path;  // /dev/videoN
  std::string name;  // the driver's name for it (VIDIOC_QUERYCAP's card)
};

// The capture devices among `dir`/video*, by number: those VIDIOC_QUERYCAP
// says capture video and stream. An output or metadata node is not one.
std::vector<CameraInfo> list_cameras(const std::string& dir = "/dev");

// One YUYV frame (4:2:2, bytes Y0 U Y1 V; BT.601 limited range, as webcams
// send) as RGBA. Code::invalid when `yuyv` is shorter than the size says.
Result<Pixels> yuyv_to_rgba(std::string_view yuyv, int width, int height, int bytes_per_line);

// One MJPEG frame as RGBA. Many webcams leave out the Huffman tables (the
// standard ones are implied, as in Motion-JPEG AVI): those are put in first.
Result<Pixels> mjpeg_to_rgba(std::string_view jpeg);

// An open camera, streaming. Used by one thread at a time.
class Camera {
 public:
  // Opens `path`, picks MJPEG else YUYV at the smallest size that gives a
  // kept picture its whole long edge (within 1920x1080), maps
  // tuning::kCameraBuffers buffers and starts streaming. Code::not_found: no
  // such device; Code::state: another program has it; Code::invalid: not a
  // capture device, or neither format is offered; Code::forbidden: no
  // permission.
  static Result<std::unique_ptr<Camera>> open(const std::string& path);
  ~Camera();  // stops streaming, unmaps, closes
  Camera(const Camera&) = delete;
  Camera& operator=(const Camera&) = delete;

  // The next frame, waiting at most `timeout_ms` (Code::io when none came).
  // A readable `wake_fd` (an eventfd) ends the wait early: Code::state.
  Result<Pixels> grab(int timeout_ms, int wake_fd = -1);

  int width() const { return width_; }
  int height() const { return height_; }
  std::string format() const;  // "MJPG" or "YUYV"

 private:
  Camera() = default;
  struct Buffer {
    void* start = nullptr;
    size_t length = 0;
  };
  Status negotiate(const std::string& path);
  Status start_streaming(const std::string& path);
  Result<Pixels> convert(const Buffer& b, size_t used) const;

  int fd_ = -1;
  uint32_t fourcc_ = 0;
  int width_ = 0, height_ = 0, bytes_per_line_ = 0;
  std::vector<Buffer> buffers_;
  bool streaming_ = false;
};

// The camera thread: opens the camera and keeps its latest frame in a
// slot the UI thread copies a pointer from, so the UI only uploads a
// texture. The destructor stops and joins it.
class CameraFeed {
 public:
  explicit CameraFeed(std::string path);
  ~CameraFeed();
  CameraFeed(const CameraFeed&) = delete;
  CameraFeed& operator=(const CameraFeed&) = delete;

  struct Latest {
    std::shared_ptr<const Pixels> frame;  // null until the first
    uint64_t seq = 0;                     // frames so far; a new one bumps it
    std::optional<Error> error;           // the feed stopped on it
  };
  Latest latest() const;

 private:
  void run();
  void fail(Error e);

  const std::string path_;
  int wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Latest latest_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace gw::client
