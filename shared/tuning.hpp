// Tuning constants in one place, each with the reason for its value
// (after LiteCore's ReplicatorTuning.hh). Change them here only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gw::tuning {

// A device clock more than this ahead of the server's is re-stamped: longer
// would let one wrong clock win every later write; shorter would re-stamp
// honest devices whose NTP has drifted a little (DESIGN §4).
inline constexpr int64_t kMaxClockAheadMs = 60'000;

// Clients fold any server clock up to a year ahead: the server is the
// reference, and a tablet left on its factory date must still catch up.
inline constexpr int64_t kClientFoldAheadMs = 366LL * 24 * 3600 * 1000;

// Rows per transaction when bulk loading (demo park, backfill): past ~1,000
// the gain is flat on SQLite 3.40 while the WAL grows.
inline constexpr size_t kBulkTxnRows = 1000;

}  // namespace gw::tuning

namespace gw::tuning {

// Rows per pull page when the device names no limit: about 0.5 MB of JSON,
// small enough to finish on a weak link, large enough to backfill a unit
// grid (~1,300 households) in a handful of round trips.
inline constexpr int64_t kPullPageRows = 1000;

// Patches in a sync's first push batch: one batch is one server
// transaction and one retry unit on a flaky link, so a sync starts with
// what a weak link carries in a few seconds (~120 KB of households).
inline constexpr size_t kPushBatchPatches = 200;

// A batch answered within kPushGrowMs doubles the batch after next, up to
// the bounds below: on a good link the fixed cost of an exchange (HTTP, a
// commit, the answer) is then spread over more records — 200 -> 1,000
// patches took a tablet's push from ~17,000 to ~22,000 records/s on
// loopback (bench-replicate) — while a slow link never grows its batches.
// One answered after more than kPushShrinkMs halves it again, down to
// kPushBatchPatches: a push holds a database's one writer, and other
// tablets wait behind it (a 1,000-patch push: ~40 ms on SQLite, ~0.6 s on
// PostgreSQL here, bench-replicate).
inline constexpr int64_t kPushGrowMs = 500;
inline constexpr int64_t kPushShrinkMs = 1'000;
// The bounds: ~25 ms of the server's one writer at most, and 1 MB of JSON
// (an eighth of the server's 8 MB body limit, which 200 patches of large
// JSON columns could otherwise pass).
inline constexpr size_t kPushBatchMaxPatches = 1'000;
inline constexpr size_t kPushBatchMaxBytes = 1u << 20;
// Push batches a tablet has with the server at once (over HTTP; one in the
// simulation). With two, the server reads and checks batch k+1 on an HTTP
// thread while its writer merges batch k, and the tablet chains k+2
// meanwhile. More would only queue at the one writer. A batch that reaches
// the writer before the one ahead of it is answered `gap` and sent again.
inline constexpr size_t kPushWindow = 2;

// WAL pages after which a checkpointer copies the WAL back into its SQLite
// file off the writer's thread (shared/wal_checkpointer.hpp): SQLite's own
// default, ~4 MB, so a checkpoint is rare (one per ~2,000 pushed records).
inline constexpr int kWalCheckpointPages = 1000;
// ... and after which the writer's commit finishes the copy itself. Under
// steady writes a checkpoint off the writer is still copying when the next
// write begins, so the WAL never starts over and grows without end (51 MB
// after 40,000 pushed records); the writer's own checkpoint has only the
// pages since the last one to copy, and the WAL restarts behind it.
inline constexpr int kWalWriterCheckpointPages = 4 * kWalCheckpointPages;

// A push body from this size has its signature checked on a thread of its
// own while it is parsed: below it a thread costs more than it saves (a
// 1,000-patch batch is ~600 KB, ~1 ms of SHA-512 and ~2 ms of parsing).
inline constexpr size_t kParallelBodyBytes = 64u << 10;

// How long a tablet keeps the links of its chain after sending them: a
// server restored from a backup gets back from the tablets what it took
// after the copy, so this must outlast the oldest backup one would restore
// (daily backups kept a week, then some); ~3,000 links a month, ~1.5 MB.
inline constexpr int64_t kChainKeepMs = 30LL * 24 * 3600 * 1000;

// Encoded grid pages kept for readers who ask for the same rows (PageCache):
// a takeover's unit grid is ~1,300 households, a few pages of ~0.5 MB, so
// 64 MB holds every page of a dozen grids taken over at once.
inline constexpr size_t kPageCacheBytes = 64u << 20;

// How long a reader waits for another to finish building the page it wants
// before building its own: a page takes ~10-50 ms; past this the builder is
// stuck on the database and waiting longer only adds to the cadre's wait.
inline constexpr int64_t kPageBuildWaitMs = 2'000;

// Entries in one audit answer (GET /v1/audit): a month of a busy park's
// reveals and PII edits (~300 a day) fits with room to spare, and the
// answer stays a few MB. More is refused with a request for a shorter
// period, never cut silently.
inline constexpr int64_t kAuditMaxRows = 50'000;

}  // namespace gw::tuning

namespace gw::tuning {

// Evidence photos (issue 22, DESIGN §14). A kept picture (1,280 px, JPEG
// q80) is 150–400 KB; 2 MB is above any real one (pure noise encodes to
// ~1.2 MB) and below what would let a quota be run down by one file.
inline constexpr int64_t kPhotoMaxBytes = 2LL << 20;
// A 256 px thumbnail is 10–30 KB; noise ~60 KB.
inline constexpr int64_t kThumbMaxBytes = 256LL << 10;
// Photos one record carries, as the park's forms (现场照片, 处置前后) ask:
// nine fill the 3 x 3 grid of thumbnails a report shows.
inline constexpr int kPhotosPerRecord = 9;
// A photo upload's first chunk: on a weak 2G-class link (~20 KB/s) it
// arrives in ~13 s, inside the request timeout, and a link cut mid-chunk
// loses at most that much.
inline constexpr int64_t kBlobChunkBytes = 256LL << 10;
// A chunk answered within kPushGrowMs doubles the next, up to this, which
// is also what the server takes in one request: on a good link a whole
// picture goes in one request, one fsync at each end instead of eight
// (bench-photos: 0.16 x a plain PUT with fixed 256 KB chunks).
inline constexpr int64_t kBlobChunkMaxBytes = kPhotoMaxBytes;
// Whole photos one batch request carries (sync/core/blob_batch.hpp), their
// bytes within kBlobChunkMaxBytes in all: a 2 MB request of 30 KB
// thumbnails, one round trip and one flush where 64 requests took 64.
inline constexpr int kBlobBatchParts = 64;
// A batch's first budget: a quarter of a chunk's, so the first request of
// a sync is a few thumbnails that get through a link cutting every longer
// one; fast answers double it up to kBlobChunkMaxBytes within ~6 requests.
inline constexpr int64_t kBlobBatchFirstBytes = 64LL << 10;

// ---- location (issue 23) ---------------------------------------------------

// A fix whose error exceeds this is no fix: gpsd reports cell-tower-class
// guesses up to tens of km, which would place a case in another district.
inline constexpr double kFixMaxAccuracyM = 100'000;
// The form calls a fix good at 10 m (a building's frontage) and poor from
// 100 m (a block): the grades a worker sees beside the pin.
inline constexpr double kFixGoodM = 10;
inline constexpr double kFixPoorM = 100;

// A grid's boundary may have this many points: a hand-drawn community grid
// has tens to hundreds; thousands mean an unsimplified survey, which the
// map would redraw every frame for nothing.
inline constexpr size_t kPolygonPoints = 4096;

// A patrol's track keeps a fix that is 5 m from the last kept (a few
// strides: GPS jitter at rest is 2-5 m) or 60 s after it (a worker talking
// to a shopkeeper still shows as present), and none poorer than 50 m.
inline constexpr double kTrackMinMetres = 5;
inline constexpr int64_t kTrackMaxGapMs = 60'000;
inline constexpr double kTrackMaxAccuracyM = 50;
// Douglas-Peucker drops points within 3 m of the line kept: under a fix's
// own error, so the replay shows the same streets with a tenth of the points.
inline constexpr double kTrackToleranceM = 3;
// A segment row holds at most this many points (~8 bytes each encoded):
// a patrol's hour at one kept fix every 5 m is ~1,000. More is refused as
// bad input (a runaway receiver), not split.
inline constexpr size_t kTrackSegmentPoints = 2000;
// Segments per patrol: a 12-hour patrol flushing every 2 minutes is 360.
inline constexpr int64_t kTrackSegmentsMax = 1000;
// The tablet closes a segment this often while a patrol runs, so the track
// leaves the tablet while the worker walks, not only at the end. A row costs
// the tablet ~1.4 KB (row, sealed outbox, chain) whatever its points
// (`./dev bench tracks`: 42 KB an hour at 2 minutes, for 1.4 KB of points):
// 5 minutes is as fresh as a supervisor watching a patrol needs, at 12 rows.
inline constexpr int64_t kTrackFlushMs = 5 * 60'000;

}  // namespace gw::tuning
