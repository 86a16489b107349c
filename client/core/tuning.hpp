// The client's tuning constants, each with why it has its value.
#pragma once

#include <cstdint>

namespace gw::client::tuning {

// A tablet online syncs this often on its own: fresh enough for a patrol
// team, light on a park of 200 tablets (about one request a second).
inline constexpr int64_t kSyncIntervalMs = 3 * 60 * 1000;
// The first retry after a failed sync: a weak link often recovers in seconds.
inline constexpr int64_t kSyncRetryFirstMs = 5 * 1000;
// Retries never wait longer than this: a worker walking back into coverage
// should not wait a quarter of an hour for an upload.
inline constexpr int64_t kSyncRetryMaxMs = 5 * 60 * 1000;
// HTTP requests give up after this: a pull page of 1,000 records is ~300 KB,
// which a weak 2G-class link (~20 KB/s) moves in about 15 s.
inline constexpr int kRequestTimeoutMs = 30 * 1000;
// A long-poll gives up after this: the server answers at its 25 s ceiling,
// and a weak link needs a few seconds more to carry the answer back.
inline constexpr int kLongPollTimeoutMs = 35 * 1000;
// A local edit triggers a sync this soon, so records leave the tablet while
// the link is there, yet a burst of edits goes up as one batch.
inline constexpr int64_t kSyncAfterEditMs = 3 * 1000;
// Lists the UI scrolls are capped here: more rows than any grid holds, few
// enough to keep a snapshot under a few MB.
inline constexpr int kMaxListRows = 20000;
// A revealed ID or phone number shows in clear this long, then masked again:
// enough to read it out or dial it, short enough that a tablet left on a
// desk does not keep showing it to whoever picks it up.
inline constexpr int64_t kRevealShowMs = 30 * 1000;

// The visits listed under a household or enterprise opened: the recent
// story a worker needs before knocking, few enough to read each photo row.
inline constexpr int kPastVisits = 10;

// How often the idle time is looked at (auto-lock, Settings::auto_lock_minutes):
// a lock comes at most this late.
inline constexpr int64_t kAutoLockCheckMs = 15 * 1000;

// Evidence photos (issue 22). A picture is kept at this long edge: a face,
// a crack or a licence plate stays readable on a 10-inch screen, and a
// photo is ~150–300 KB at kPhotoJpegQuality, which a weak link carries.
inline constexpr int kPhotoLongEdge = 1280;
// Thumbnails, pulled eagerly with a grid: a list row of photos at a glance.
inline constexpr int kPhotoThumbEdge = 256;
// JPEG quality of what is kept: ~80 is where artefacts stop showing on text
// and edges while the file is a third of quality 95's.
inline constexpr int kPhotoJpegQuality = 80;
// Refused before decoding: a camera's full frame is 12–50 MP; a PNG whose
// header claims more is a decompression bomb (a few KB that unpack to GBs).
inline constexpr int64_t kPhotoMaxPixels = 64'000'000;
// Refused before reading the header: no real photo file is larger.
inline constexpr int64_t kPhotoMaxFileBytes = 40LL << 20;
// Pictures pulled and kept on the tablet (thumbnails, opened ones): a few
// thousand thumbnails and a few hundred pictures, a sliver of a tablet's
// storage; the least recently shown go first. The tablet's own pictures
// not yet on the server never count against it and are never dropped.
inline constexpr int64_t kPhotoCacheBytes = 256LL << 20;

// The camera (client/core/camera.*). A size is asked for up to this: a
// still is kept at kPhotoLongEdge, so a larger frame only costs conversion
// and texture upload on every preview frame.
inline constexpr int kCameraMaxWidth = 1920;
inline constexpr int kCameraMaxHeight = 1080;
// Buffers the driver fills in turn: one being filled, one being converted,
// two spare, so a slow conversion does not make the driver drop frames.
inline constexpr int kCameraBuffers = 4;
// No frame for this long is a camera that stopped: a webcam in low light
// stretches its exposure to ~5 fps, never to seconds.
inline constexpr int kCameraFrameTimeoutMs = 3000;

// Location (client/core/location.*). gpsd is asked for reports and waited
// on this long at a time, so stopping the app never waits longer.
inline constexpr int kGpsPollMs = 500;
// gpsd not there (not started yet, restarting): tried again after 1 s,
// doubling to 30 s, so a tablet without a receiver costs nothing.
inline constexpr int64_t kGpsRetryFirstMs = 1000;
inline constexpr int64_t kGpsRetryMaxMs = 30'000;
// A receiver that gives no error estimate: what a 2D and a 3D fix usually
// are outdoors (a 2D fix has too few satellites to be good).
inline constexpr double kGps2dAccuracyM = 50;
inline constexpr double kGps3dAccuracyM = 15;

// The grid map (client/ui/screens/map.*, issue 23). Closer than 0.1 m a
// pixel shows nothing a GPS fix could tell apart; farther out than 4 times
// the whole park shows the park as a speck.
inline constexpr double kMapMinMetresPerPx = 0.1;
inline constexpr double kMapMaxZoomOut = 4.0;
// A fingertip's half width, design px: a tap this near a pin opens it.
inline constexpr float kMapPinHitPx = 28.0f;
// A press that moves less than this, design px, is a tap; more is a pan.
inline constexpr float kMapTapSlopPx = 12.0f;

}  // namespace gw::client::tuning
