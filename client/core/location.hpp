// Where the tablet is (issue 23): a thread reading gpsd through libgps.
// gpsd is the standard on Linux tablets; it owns the receiver and hands
// every client JSON reports. This thread connects, watches, turns each
// report with a position into a geo::Fix and hands it on; when gpsd is not
// there it retries with a growing pause. Nothing here waits on the UI or the
// store thread, and they never wait on it: a missing receiver means "no
// location", never a stalled form.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "client/core/views.hpp"
#include "shared/geo.hpp"

namespace gw::client {

// What a gpsd report says about position, without libgps's types, so the
// rules below are tested without a daemon.
struct GpsReading {
  int mode = 0;         // gpsd's MODE_*: 0 not seen, 1 no fix, 2 2D, 3 3D
  double lat = 0, lon = 0;
  double eph = 0;       // metres; NaN when the receiver does not say
  int64_t time_ms = 0;  // the fix's UTC time; 0 when unknown
};

// A fix to keep, or none: a 2D or 3D fix with finite, in-range
// coordinates (gpsd reports NaN before a fix and on some receivers after
// losing one). No eph: a default by mode (tuning::kGps2dAccuracyM / 3d).
// No time: none (gpsd's first report of a cycle may come before the
// sentence with the date; stamped with the tablet's clock it would sit in
// the track out of order and block every later fix).
std::optional<geo::Fix> fix_from_reading(const GpsReading& r);

class LocationSource {
 public:
  struct Sink {
    std::function<void(LocationView::State)> state;  // searching / no_fix, on change
    std::function<void(const geo::Fix&)> fix;         // every fix kept
  };
  // host_port: "host:port" (":port" or "host" alone take gpsd's defaults).
  LocationSource(std::string host_port, Sink sink);
  ~LocationSource();  // stops the thread; returns within ~tuning::kGpsPollMs
  LocationSource(const LocationSource&) = delete;
  LocationSource& operator=(const LocationSource&) = delete;

 private:
  void run();
  void session(const std::string& host, const std::string& port);
  bool pause(int64_t ms);  // false: stopping
  void set_state(LocationView::State s);

  std::string host_port_;
  Sink sink_;
  std::atomic<bool> stop_{false};
  std::mutex m_;
  std::condition_variable cv_;
  std::optional<LocationView::State> state_;
  std::thread thread_;
};

}  // namespace gw::client
