// V4L2 capture (camera.hpp): finding, opening, streaming, and the thread
// that keeps the latest frame. The frames' conversion is camera_frames.cpp.
#include "client/core/camera.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <utility>

#include "client/core/tuning.hpp"

namespace gw::client {
namespace {

using Clock = std::chrono::steady_clock;

// ioctl, again when a signal cut it short.
int xioctl(int fd, unsigned long request, void* arg) {
  int r = 0;
  do r = ::ioctl(fd, request, arg);
  while (r == -1 && errno == EINTR);
  return r;
}

std::string fourcc_name(uint32_t f) {
  std::string s;
  for (int i = 0; i < 4; ++i) s += static_cast<char>(f >> (8 * i) & 0xFF);
  return s;
}

// An errno met opening or setting up `path`, as the user reads it.
Error device_error(const std::string& path, int err, const std::string& doing) {
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO: return Error{Code::not_found, "no camera at " + path};
    case EBUSY: return Error{Code::state, "the camera " + path + " is in use by another program"};
    case EACCES:
    case EPERM:
      return Error{Code::forbidden, "no permission to open the camera " + path + " (is the user in the video group?)"};
    default: return Error{Code::io, "the camera " + path + " failed " + doing + ": " + std::strerror(err)};
  }
}

// What this node does (device_caps), not the whole device it belongs to.
bool is_capture(const v4l2_capability& cap) {
  const uint32_t c = cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps : cap.capabilities;
  return (c & V4L2_CAP_VIDEO_CAPTURE) && (c & V4L2_CAP_STREAMING);
}

std::string card_name(const v4l2_capability& cap) {
  const auto* card = reinterpret_cast<const char*>(cap.card);
  return std::string(card, strnlen(card, sizeof cap.card));
}

// The size to ask for: of the discrete sizes offered within the maximum,
// the smallest whose long edge gives a kept picture its whole long edge,
// else the largest. A camera listing ranges (or nothing) is asked for
// 16:9 at that edge and answers what it can.
std::pair<uint32_t, uint32_t> pick_size(int fd, uint32_t fourcc) {
  std::vector<std::pair<uint32_t, uint32_t>> sizes;
  v4l2_frmsizeenum s{};
  s.pixel_format = fourcc;
  for (s.index = 0; xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &s) == 0 && s.type == V4L2_FRMSIZE_TYPE_DISCRETE; ++s.index)
    if (s.discrete.width <= static_cast<uint32_t>(tuning::kCameraMaxWidth) &&
        s.discrete.height <= static_cast<uint32_t>(tuning::kCameraMaxHeight))
      sizes.emplace_back(s.discrete.width, s.discrete.height);
  if (sizes.empty()) return {tuning::kPhotoLongEdge, tuning::kPhotoLongEdge * 9 / 16};
  std::sort(sizes.begin(), sizes.end(), [](auto a, auto b) { return a.first * a.second < b.first * b.second; });
  for (const auto& sz : sizes)
    if (std::max(sz.first, sz.second) >= static_cast<uint32_t>(tuning::kPhotoLongEdge)) return sz;
  return sizes.back();
}

}  // namespace

std::vector<CameraInfo> list_cameras(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::pair<int, CameraInfo>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() <= 5 || name.compare(0, 5, "video") != 0 ||
        !std::all_of(name.begin() + 5, name.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    const int fd = ::open(e.path().c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;  // gone, or not ours to open: not offered
    v4l2_capability cap{};
    const bool capture = xioctl(fd, VIDIOC_QUERYCAP, &cap) == 0 && is_capture(cap);
    ::close(fd);
    if (capture) found.push_back({std::stoi(name.substr(5)), CameraInfo{e.path().string(), card_name(cap)}});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<CameraInfo> out;
  for (auto& [n, info] : found) out.push_back(std::move(info));
  return out;
}

Result<std::unique_ptr<Camera>> Camera::open(const std::string& path) {
  std::unique_ptr<Camera> c(new Camera());
  c->fd_ = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (c->fd_ < 0) return device_error(path, errno, "to open");
  v4l2_capability cap{};
  if (xioctl(c->fd_, VIDIOC_QUERYCAP, &cap) < 0) return Error{Code::invalid, path + " is not a camera (no V4L2 device)"};
  if (!is_capture(cap))
    return Error{Code::invalid, path + " (" + card_name(cap) + ") is not a camera: it does not capture video"};
  if (Status st = c->negotiate(path); !st) return st.error();
  if (Status st = c->start_streaming(path); !st) return st.error();
  return c;
}

Camera::~Camera() {
  if (fd_ < 0) return;
  if (streaming_) {
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    xioctl(fd_, VIDIOC_STREAMOFF, &type);
  }
  for (const Buffer& b : buffers_) ::munmap(b.start, b.length);
  if (!buffers_.empty()) {
    v4l2_requestbuffers none{};  // the driver frees its buffers
    none.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    none.memory = V4L2_MEMORY_MMAP;
    xioctl(fd_, VIDIOC_REQBUFS, &none);
  }
  ::close(fd_);
}

std::string Camera::format() const { return fourcc_name(fourcc_); }

Status Camera::negotiate(const std::string& path) {
  std::vector<uint32_t> offered;
  v4l2_fmtdesc d{};
  d.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  for (d.index = 0; xioctl(fd_, VIDIOC_ENUM_FMT, &d) == 0; ++d.index) offered.push_back(d.pixelformat);
  for (uint32_t want : {V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_JPEG, V4L2_PIX_FMT_YUYV})
    if (!fourcc_ && std::find(offered.begin(), offered.end(), want) != offered.end()) fourcc_ = want;
  if (!fourcc_) {
    std::string names;
    for (uint32_t f : offered) names += (names.empty() ? "" : ", ") + fourcc_name(f);
    return Error{Code::invalid, "the camera " + path + " sends neither MJPEG nor YUYV (it offers " +
                                    (names.empty() ? "nothing" : names) + ")"};
  }
  const auto [w, h] = pick_size(fd_, fourcc_);
  v4l2_format f{};
  f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  f.fmt.pix.width = w;
  f.fmt.pix.height = h;
  f.fmt.pix.pixelformat = fourcc_;
  f.fmt.pix.field = V4L2_FIELD_ANY;
  if (xioctl(fd_, VIDIOC_S_FMT, &f) < 0) return device_error(path, errno, "to take the format " + format());
  if (f.fmt.pix.pixelformat != fourcc_)
    return Error{Code::invalid, "the camera " + path + " refused " + format() + " (it answered " +
                                    fourcc_name(f.fmt.pix.pixelformat) + ")"};
  width_ = static_cast<int>(f.fmt.pix.width);
  height_ = static_cast<int>(f.fmt.pix.height);
  bytes_per_line_ = f.fmt.pix.bytesperline ? static_cast<int>(f.fmt.pix.bytesperline) : width_ * 2;
  return Status::ok();
}

Status Camera::start_streaming(const std::string& path) {
  v4l2_requestbuffers req{};
  req.count = tuning::kCameraBuffers;
  req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  req.memory = V4L2_MEMORY_MMAP;
  if (xioctl(fd_, VIDIOC_REQBUFS, &req) < 0)
    return errno == EINVAL ? Error{Code::invalid, "the camera " + path + " cannot stream into mapped buffers"}
                           : device_error(path, errno, "to give it buffers");
  if (req.count < 2)
    return Error{Code::io, "the camera " + path + " gave " + std::to_string(req.count) + " buffer: streaming needs 2"};
  for (uint32_t i = 0; i < req.count; ++i) {
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    b.index = i;
    if (xioctl(fd_, VIDIOC_QUERYBUF, &b) < 0) return device_error(path, errno, "to describe its buffers");
    void* p = ::mmap(nullptr, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, b.m.offset);
    if (p == MAP_FAILED) return device_error(path, errno, "to map its buffers");
    buffers_.push_back(Buffer{p, b.length});
    if (xioctl(fd_, VIDIOC_QBUF, &b) < 0) return device_error(path, errno, "to queue its buffers");
  }
  v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (xioctl(fd_, VIDIOC_STREAMON, &type) < 0) return device_error(path, errno, "to start streaming");
  streaming_ = true;
  return Status::ok();
}

Result<Pixels> Camera::grab(int timeout_ms, int wake_fd) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Error{Code::io, "the camera sent no frame in " + std::to_string(timeout_ms) + " ms"};
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};  // a negative fd is skipped
    const int n = ::poll(fds, 2, static_cast<int>(left));
    if (n < 0 && errno != EINTR) return Error{Code::io, std::string("waiting for the camera failed: ") + std::strerror(errno)};
    if (n <= 0) continue;
    if (fds[1].revents & POLLIN) return Error{Code::state, "the camera was stopped"};
    if (fds[0].revents & (POLLERR | POLLHUP)) return Error{Code::io, "the camera went away (unplugged?)"};
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    if (xioctl(fd_, VIDIOC_DQBUF, &b) < 0) {
      if (errno == EAGAIN) continue;
      return Error{Code::io, std::string("the camera failed to hand over a frame: ") + std::strerror(errno)};
    }
    Result<Pixels> px = b.flags & V4L2_BUF_FLAG_ERROR ? Result<Pixels>(Error{Code::invalid, "the camera sent a damaged frame"})
                                                      : convert(buffers_.at(b.index), b.bytesused);
    if (xioctl(fd_, VIDIOC_QBUF, &b) < 0)
      return Error{Code::io, std::string("the camera failed to take a buffer back: ") + std::strerror(errno)};
    return px;
  }
}

Result<Pixels> Camera::convert(const Buffer& b, size_t used) const {
  const std::string_view bytes(static_cast<const char*>(b.start), used ? std::min(used, b.length) : b.length);
  if (fourcc_ == V4L2_PIX_FMT_YUYV) return yuyv_to_rgba(bytes, width_, height_, bytes_per_line_);
  return mjpeg_to_rgba(bytes);
}

CameraFeed::CameraFeed(std::string path)
    : path_(std::move(path)), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), thread_([this] { run(); }) {}

CameraFeed::~CameraFeed() {
  stop_ = true;
  const uint64_t one = 1;
  if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof one) < 0) {
    // Without the wake the thread still sees stop_ within a frame's timeout.
  }
  thread_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

CameraFeed::Latest CameraFeed::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void CameraFeed::fail(Error e) {
  std::lock_guard lock(mu_);
  latest_.error = std::move(e);
}

void CameraFeed::run() {
  auto camera = Camera::open(path_);
  if (!camera) return fail(camera.error());
  Clock::time_point damaged_since{};
  while (!stop_) {
    auto px = (*camera)->grab(tuning::kCameraFrameTimeoutMs, wake_fd_);
    if (px) {
      damaged_since = {};
      auto frame = std::make_shared<const Pixels>(std::move(*px));
      std::lock_guard lock(mu_);
      latest_.frame = std::move(frame);
      ++latest_.seq;
      continue;
    }
    if (stop_) return;
    if (px.error().code != Code::invalid) return fail(px.error());
    // A damaged frame (a webcam's torn MJPEG) is skipped; only damaged ones for as long as no frame at all is a fault.
    const auto now = Clock::now();
    if (damaged_since == Clock::time_point{}) damaged_since = now;
    else if (now - damaged_since > std::chrono::milliseconds(tuning::kCameraFrameTimeoutMs)) return fail(px.error());
  }
}

}  // namespace gw::client
