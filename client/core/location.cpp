#include "client/core/location.hpp"

#include <gps.h>

#include <cerrno>
#include <chrono>
#include <cmath>

#include "client/core/tuning.hpp"

namespace gw::client {

std::optional<geo::Fix> fix_from_reading(const GpsReading& r) {
  if (r.mode < MODE_2D || r.time_ms <= 0) return std::nullopt;
  if (!std::isfinite(r.lat) || !std::isfinite(r.lon)) return std::nullopt;
  geo::Fix f;
  f.at_point = geo::LonLat{r.lon, r.lat};
  f.accuracy_m = std::isfinite(r.eph) && r.eph >= 0 ? r.eph
                 : r.mode >= MODE_3D                ? tuning::kGps3dAccuracyM
                                                    : tuning::kGps2dAccuracyM;
  f.at_ms = r.time_ms;
  f.source = geo::FixSource::gps;
  if (!geo::check_fix(f)) return std::nullopt;  // out of range: a receiver's garbage, not a place
  return f;
}

LocationSource::LocationSource(std::string host_port, Sink sink)
    : host_port_(std::move(host_port)), sink_(std::move(sink)) {
  thread_ = std::thread([this] { run(); });
}

LocationSource::~LocationSource() {
  {
    std::lock_guard lock(m_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool LocationSource::pause(int64_t ms) {
  std::unique_lock lock(m_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_.load(); });
  return !stop_;
}

void LocationSource::set_state(LocationView::State s) {
  if (state_ == s) return;
  state_ = s;
  if (sink_.state) sink_.state(s);
}

void LocationSource::run() {
  std::string host = "localhost", port = DEFAULT_GPSD_PORT;
  if (size_t colon = host_port_.rfind(':'); colon != std::string::npos) {
    if (colon > 0) host = host_port_.substr(0, colon);
    if (colon + 1 < host_port_.size()) port = host_port_.substr(colon + 1);
  } else if (!host_port_.empty()) {
    host = host_port_;
  }
  int64_t wait = tuning::kGpsRetryFirstMs;
  while (!stop_) {
    set_state(LocationView::State::searching);
    bool had_reports = false;
    {
      gps_data_t data{};
      if (gps_open(host.c_str(), port.c_str(), &data) == 0) {
        gps_stream(&data, WATCH_ENABLE | WATCH_JSON, nullptr);
        std::optional<geo::Fix> last;
        // One report is a gpsd that works: the pause starts small again.
        while (!stop_) {
          errno = 0;  // a timeout leaves it alone; a failed select sets it
          if (!gps_waiting(&data, tuning::kGpsPollMs * 1000)) {
            if (errno != 0 && errno != EINTR && errno != EAGAIN) break;
            continue;
          }
          if (gps_read(&data, nullptr, 0) < 0) break;  // gpsd went away
          had_reports = true;
          if (!(data.set & MODE_SET)) continue;
          GpsReading r;
          r.mode = data.fix.mode;
          r.lat = data.fix.latitude;
          r.lon = data.fix.longitude;
          r.eph = data.fix.eph;
          if (data.fix.time.tv_sec > 0)
            r.time_ms = static_cast<int64_t>(data.fix.time.tv_sec) * 1000 + data.fix.time.tv_nsec / 1'000'000;
          auto f = fix_from_reading(r);
          // A position with no time yet changes nothing; no position is no fix.
          if (f) set_state(LocationView::State::fix);
          else if (r.mode < MODE_2D || !std::isfinite(r.lat) || !std::isfinite(r.lon)) set_state(LocationView::State::no_fix);
          // A SKY report after a TPV still carries the TPV's fix: passed on once.
          if (!f || (last && last->at_ms == f->at_ms && last->at_point == f->at_point)) continue;
          last = f;
          if (sink_.fix) sink_.fix(*f);
        }
        gps_stream(&data, WATCH_DISABLE, nullptr);
        gps_close(&data);
      }
    }
    if (had_reports) wait = tuning::kGpsRetryFirstMs;
    set_state(LocationView::State::searching);
    if (!pause(wait)) return;
    wait = std::min(wait * 2, tuning::kGpsRetryMaxMs);
  }
}

}  // namespace gw::client
