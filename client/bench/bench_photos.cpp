// Evidence photos from one tablet (issue 22): N camera photos of ~3 MB
// attached to cases through the app's core, against the real server on
// loopback. Measures what a worker waits for and what the link carries:
//   capture — a file made into the kept picture and its thumbnail, sealed
//             and written with its attachment row (the app's own command);
//   upload  — the photo queue's throughput (chunks, resume checks, sealed
//             reads, the server's fsyncs and hash check), beside the
//             ceiling: a plain HTTP PUT of the same bytes to the same
//             server's echo handler (PUT /v1/echo), in the same run;
//   latency — a record's way to the server while photos upload, beside the
//             same with nothing uploading (it must not grow);
//   memory  — the peak resident size of the tablet's process and the server's.
// Prints `bench photos.METRIC VALUE UNIT` lines.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cpprest/http_client.h>
#include <stb_image_write.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "client/core/account.hpp"
#include "client/core/client_core.hpp"
#include "client/core/photo.hpp"
#include "shared/rng.hpp"
#include "shared/sqlite.hpp"
#include "shared/tuning.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using Steady = std::chrono::steady_clock;

namespace {

double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

void append(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

// A 12-megapixel photo with grain, ~3 MB at quality 90, as a phone writes one.
std::string camera_file(const std::string& dir, int n) {
  const int w = 4000, h = 3000;
  SeededRng rng(static_cast<uint64_t>(n) + 101);
  std::vector<unsigned char> px(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        px[(static_cast<size_t>(y) * w + x) * 3 + c] =
            static_cast<unsigned char>((x * (c + 1) + y * (n % 5 + 1)) / 24 + static_cast<int>(rng.next() % 24));
  std::string jpeg;
  stbi_write_jpg_to_func(append, &jpeg, w, h, 3, px.data(), 90);
  std::string path = dir + "/IMG_" + std::to_string(1000 + n) + ".jpg";
  std::ofstream(path, std::ios::binary) << jpeg;
  return path;
}

client::Snapshot settle(client::ClientCore& app) {
  app.wait_idle();
  return app.snapshot();
}

std::string first_error(client::ClientCore& app) {
  for (const auto& n : app.take_notices())
    if (n.error) return n.key + ": " + n.detail;
  return "";
}

// The ceiling: each picture and thumbnail in one PUT to the server's echo
// handler, which reads the body and answers its size: the same HTTP stack
// and loopback with no storage, no chunks, no checks.
double put_ceiling_bytes_per_s(const std::string& server_url, const std::string& token,
                               const std::vector<std::string>& blobs) {
  using namespace web::http;
  web::http::client::http_client http(server_url);
  int64_t bytes = 0;
  auto t0 = Steady::now();
  for (const auto& b : blobs) {
    http_request req(methods::PUT);
    req.set_request_uri("/v1/echo");
    req.headers().add("Authorization", "Bearer " + token);
    req.set_body(std::vector<unsigned char>(b.begin(), b.end()));
    auto resp = http.request(req).get();
    resp.extract_vector().get();
    if (resp.status_code() != status_codes::OK)
      throw std::runtime_error("PUT /v1/echo: HTTP " + std::to_string(resp.status_code()));
    bytes += static_cast<int64_t>(b.size());
  }
  return static_cast<double>(bytes) / seconds_since(t0);
}

// The disk's part of a durable upload: each picture written to a file,
// fsynced and renamed into place, as the server must before it says
// "complete" (the tablet then lets its copy go). Bytes per second.
double fsync_floor_bytes_per_s(const std::string& dir, const std::vector<std::string>& blobs) {
  int64_t bytes = 0;
  auto t0 = Steady::now();
  for (size_t i = 0; i < blobs.size(); ++i) {
    std::string part = dir + "/floor.part", done = dir + "/floor-" + std::to_string(i);
    int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, blobs[i].data(), blobs[i].size()) != static_cast<ssize_t>(blobs[i].size()) ||
        ::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(part.c_str(), done.c_str()) != 0)
      throw std::runtime_error("the fsync floor could not write " + part);
    bytes += static_cast<int64_t>(blobs[i].size());
  }
  return static_cast<double>(bytes) / seconds_since(t0);
}

// A visit recorded with automatic sync on, and the time until the server
// holds it (its notes are unique and in clear there).
double record_latency_ms(client::ClientCore& app, const std::string& server_db, const std::string& kind,
                         const std::string& target, int n) {
  client::NewVisit v;
  v.target_kind = kind;
  v.target_id = target;
  v.notes = "bench-photos latency " + std::to_string(n);
  auto t0 = Steady::now();
  app.record_visit(v);
  app.wait_idle();
  if (auto e = first_error(app); !e.empty()) throw std::runtime_error("record_visit: " + e);
  SqliteDb db(server_db);
  auto q = db.prepare("SELECT count(*) FROM visits WHERE notes = ?");
  while (seconds_since(t0) < 60) {
    q.bind(1, v.notes);
    bool there = q.step() && q.int64(0) > 0;
    q.reset();
    if (there) return seconds_since(t0) * 1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 60'000;
}

// Cases reported with the files as their photos, nine a case (the most a
// record takes); the first error, or "".
std::string report_cases(client::ClientCore& app, const std::string& grid, const std::vector<std::string>& files,
                         const std::string& title) {
  for (size_t at = 0; at < files.size(); at += 9) {
    client::NewCase c;
    c.grid_id = grid;
    c.category = "0101";
    c.title = title + " " + std::to_string(at);
    c.photos.assign(files.begin() + static_cast<long>(at), files.begin() + static_cast<long>(std::min(files.size(), at + 9)));
    app.create_case(c);
    settle(app);
    if (auto e = first_error(app); !e.empty()) return e;
  }
  return "";
}

// The server's own time for one endpoint, from its metrics: seconds in all
// and requests, to tell its share of an upload from the tablet's.
std::pair<double, int64_t> server_time(const std::string& server_url, const std::string& endpoint) {
  web::http::client::http_client http(server_url);
  auto text = http.request(web::http::methods::GET, "/v1/metrics").get().extract_string().get();
  double sum = 0;
  int64_t count = 0;
  std::string tag = "{endpoint=\"" + endpoint + "\"} ";
  for (const std::string key : {"gridwork_request_seconds_sum", "gridwork_request_seconds_count"}) {
    auto at = text.find(key + tag);
    if (at == std::string::npos) continue;
    double v = std::stod(text.substr(at + key.size() + tag.size()));
    if (key.back() == 'm') sum = v;
    else count = static_cast<int64_t>(v);
  }
  return {sum, count};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int64_t server_peak_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int photos = 100;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      photos = 12;
    } else if (!std::strcmp(argv[i], "--photos") && i + 1 < argc) {
      photos = std::max(1, std::atoi(argv[++i]));
    } else {
      std::printf("usage: bench-photos [--photos N | --quick]\n"
                  "  N camera photos of ~3 MB (100; --quick: 12) attached to cases by worker01's app core,\n"
                  "  uploaded to the real server on loopback; capture cost, upload throughput beside a\n"
                  "  plain PUT of the same bytes, a record's sync latency while photos upload, peak memory.\n"
                  "  Prints `bench photos.METRIC VALUE UNIT` lines.\n");
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  char tmpl[] = "/tmp/bench-photos-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::vector<std::string> files;
  int64_t file_bytes = 0;
  for (int n = 0; n < photos; ++n) {
    files.push_back(camera_file(dir, n));
    file_bytes += static_cast<int64_t>(std::filesystem::file_size(files.back()));
  }
  std::printf("%d camera files, %.1f MB each on average\n", photos, file_bytes / 1e6 / photos);
  std::fflush(stdout);

  test::ServerProcess server({"--demo"});
  client::CoreOptions o;
  o.data_dir = dir + "/tablet";
  o.server_url = server.url();
  o.auto_sync = false;
  o.auto_lock = false;
  auto app = std::make_unique<client::ClientCore>(o);
  app->sign_in("worker01", "gridwork-demo");
  app->sync_now();
  auto s = settle(*app);
  if (!s.session.signed_in || !s.home || s.home->my_grids.empty()) {
    std::fprintf(stderr, "bench-photos: worker01 could not sign in: %s\n", s.session.error_detail.c_str());
    return 1;
  }
  const std::string grid = s.home->my_grids.front().id;

  // Capture: the app's own command.
  auto t0 = Steady::now();
  if (auto e = report_cases(*app, grid, files, "bench-photos"); !e.empty()) {
    std::fprintf(stderr, "bench-photos: %s\n", e.c_str());
    return 1;
  }
  double capture_ms = seconds_since(t0) * 1000 / photos;
  std::printf("captured in %.1f s\n", capture_ms * photos / 1000);
  // The camera files (~420 MB) still going to disk would stand in the
  // server's flushes' way: setup, not upload.
  ::sync();
  std::fflush(stdout);

  // The kept bytes, for the ceiling: made again here the same way.
  std::vector<std::string> blobs;
  int64_t kept = 0;
  for (const auto& f : files) {
    auto p = client::prepare_photo_file(f);
    kept += static_cast<int64_t>(p->jpeg.size() + p->thumb_jpeg.size());
    blobs.push_back(std::move(p->jpeg));
    blobs.push_back(std::move(p->thumb_jpeg));
  }

  // Upload: one sync pushes the cases and then runs the photo queue dry.
  t0 = Steady::now();
  app->sync_now();
  s = settle(*app);
  double sync_s = seconds_since(t0);
  if (s.sync.photos_waiting != 0) {
    std::fprintf(stderr, "bench-photos: %lld photos still waiting after the sync: %s\n",
                 static_cast<long long>(s.sync.photos_waiting), s.sync.error.c_str());
    return 1;
  }
  // The photo queue's own time: the sync pushed the cases' records first.
  double upload_bps = static_cast<double>(s.sync.photo_bytes_up) * 1000 / std::max<int64_t>(1, s.sync.photo_ms);
  auto [blob_s, blob_n] = server_time(server.url(), "/v1/blobs/{hash}");
  auto [batch_s, batch_n] = server_time(server.url(), "/v1/blobs");
  blob_s += batch_s;
  blob_n += batch_n;
  std::printf("uploaded in %.1f s\n", sync_s);
  std::fflush(stdout);
  auto account = client::AccountFile(o.data_dir + "/users/worker01").load();
  if (!account) {
    std::fprintf(stderr, "bench-photos: %s\n", account.error().to_string().c_str());
    return 1;
  }
  // Best of three: the ceiling is what the link and the server can do.
  double ceiling_bps = 0, bulk_bps = 0;
  for (int i = 0; i < 3; ++i) ceiling_bps = std::max(ceiling_bps, put_ceiling_bytes_per_s(server.url(), account->token, blobs));
  // The same bytes in bodies as large as a request may be: what the link
  // carries with no per-request cost at all, the batches' own ceiling.
  std::vector<std::string> bulk(1);
  for (const auto& b : blobs) {
    if (bulk.back().size() + b.size() > static_cast<size_t>(tuning::kBlobChunkMaxBytes)) bulk.emplace_back();
    bulk.back() += b;
  }
  for (int i = 0; i < 3; ++i) bulk_bps = std::max(bulk_bps, put_ceiling_bytes_per_s(server.url(), account->token, bulk));
  // A durable upload cannot beat the PUT and the disk's fsync one after the other.
  double floor_bps = fsync_floor_bytes_per_s(dir, blobs);
  double durable_bps = 1 / (1 / ceiling_bps + 1 / floor_bps);

  // Latency: a record with nothing uploading, then while a second round
  // of the same number of photos uploads, with automatic sync on.
  std::string kind, household;
  {
    SqliteDb replica(o.data_dir + "/users/worker01/replica.db");
    // worker01 holds its own grids' households and enterprises only: any will do.
    auto q = replica.prepare("SELECT kind, id FROM (SELECT 'household' AS kind, id FROM households UNION ALL "
                             "SELECT 'enterprise', id FROM enterprises) ORDER BY kind DESC, id LIMIT 1");
    if (q.step()) {
      kind = std::string(q.text(0));
      household = std::string(q.text(1));
    }
  }
  // The same tablet opened again with automatic sync, as in the field: an
  // edit plans a sync a few seconds on (kSyncAfterEditMs).
  app.reset();
  o.auto_sync = true;
  app = std::make_unique<client::ClientCore>(o);
  app->sign_in("worker01", "gridwork-demo");
  settle(*app);
  std::vector<double> idle, busy;
  for (int i = 0; i < 3; ++i) idle.push_back(record_latency_ms(*app, server.db_path(), kind, household, i));
  // The second round: new pictures (the first are on the server), taken
  // while the link is there, so the queue starts at the next sync.
  std::vector<std::string> again;
  for (int n = 0; n < photos; ++n) again.push_back(camera_file(dir, photos + n));
  if (auto e = report_cases(*app, grid, again, "bench-photos again"); !e.empty()) {
    std::fprintf(stderr, "bench-photos: %s\n", e.c_str());
    return 1;
  }
  // Wait for the queue to start, then time records while it runs.
  for (int i = 0; i < 200 && app->snapshot().sync.photo_bytes_up == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int i = 0; i < 3 && app->snapshot().sync.photos_waiting > 0; ++i)
    busy.push_back(record_latency_ms(*app, server.db_path(), kind, household, 100 + i));
  int64_t still_waiting = app->snapshot().sync.photos_waiting;

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  int64_t server_kb = server_peak_kb(server.pid());

  std::printf("\ncapture:  %.1f ms a photo (decode %.1f MB, scale to 1280 px and 256 px, encode, hash, seal, write)\n",
              capture_ms, file_bytes / 1e6 / photos);
  std::printf("upload:   %.1f MB/s (%d photos + thumbnails, %.1f MB kept) in the photo queue's %.2f s of a %.2f s sync\n",
              upload_bps / 1e6, photos, kept / 1e6, s.sync.photo_ms / 1000.0, sync_s);
  std::printf("server:   %lld photo requests, %.2f ms each in the server (write, fsync, hash, rename)\n",
              static_cast<long long>(blob_n), blob_n ? blob_s * 1000 / blob_n : 0.0);
  std::printf("ceiling:  %.1f MB/s plain PUT of the same bytes to the server's echo handler (best of 3) -> %.2f x\n", ceiling_bps / 1e6,
              upload_bps / ceiling_bps);
  std::printf("bulk:     %.1f MB/s the same bytes in %zu PUTs of up to %lld MB (best of 3) -> %.2f x\n", bulk_bps / 1e6,
              bulk.size(), static_cast<long long>(tuning::kBlobChunkMaxBytes >> 20), upload_bps / bulk_bps);
  std::printf("durable:  %.1f MB/s writing each to a file with fsync and rename; PUT then fsync: %.1f MB/s -> %.2f x\n",
              floor_bps / 1e6, durable_bps / 1e6, upload_bps / durable_bps);
  std::printf("latency:  a record reaches the server in %.0f ms idle, %.0f ms while photos upload "
              "(%zu measured, %lld photos still queued after)\n",
              median(idle), median(busy), busy.size(), static_cast<long long>(still_waiting));
  std::printf("memory:   tablet process peak %.0f MB, server peak %.0f MB\n\n", ru.ru_maxrss / 1024.0,
              server_kb / 1024.0);
  std::printf("bench photos.capture_ms %.1f ms\n", capture_ms);
  std::printf("bench photos.upload_mb_s %.2f MB/s\n", upload_bps / 1e6);
  std::printf("bench photos.put_ceiling_mb_s %.2f MB/s\n", ceiling_bps / 1e6);
  std::printf("bench photos.upload_vs_put %.2f x\n", upload_bps / ceiling_bps);
  std::printf("bench photos.upload_vs_bulk_put %.2f x\n", upload_bps / bulk_bps);
  std::printf("bench photos.upload_vs_put_fsync %.2f x\n", upload_bps / durable_bps);
  std::printf("bench photos.record_latency_idle_ms %.0f ms\n", median(idle));
  std::printf("bench photos.record_latency_uploading_ms %.0f ms\n", median(busy));
  std::printf("bench photos.tablet_peak_mb %.0f MB\n", ru.ru_maxrss / 1024.0);
  std::printf("bench photos.server_peak_mb %.0f MB\n", server_kb / 1024.0);
  std::filesystem::remove_all(dir);
  return 0;
}
