// bench-client: the tablet client's own figures, on the real binary in a real
// (virtual) window. A demo server on loopback; a whole-park replica synced
// into a data dir first (not timed); then `gridwork --bench` under Xvfb:
// cold start to first frame, frame times while the visit list of every
// household scrolls, and peak resident memory. Built a second time as
// bench-map (GRIDWORK_BENCH_MAP; or --map): the grid map's frame times with
// every grid, 1,000 pins and a day's tracks (gridwork --bench-map, issue 23).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "client/core/client_core.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/server_process.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kSkip = 77;  // no Xvfb here: the run cannot measure anything (./dev deps installs it)

#ifndef GRIDWORK_BENCH_MAP
#define GRIDWORK_BENCH_MAP 0
#endif

struct Options {
  bool map = GRIDWORK_BENCH_MAP;
  bool quick = false;
  std::string user = "supervisor01";
  int frames = 600;
};

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A child whose stdout we read; stderr goes to a file; killed on scope exit.
int usage(int code) {
  std::printf(
      "usage: bench-client [--quick] [--user NAME] [--frames N]\n\n"
      "Starts a demo gridwork-server on loopback, syncs NAME's replica (default\n"
      "supervisor01: the whole park) into a temp dir, then runs the real gridwork\n"
      "binary under Xvfb with --bench: start to first frame, frame times while the\n"
      "visit list scrolls through every household, peak memory. --quick: worker01,\n"
      "120 frames. --map: the grid map instead (every grid, 1,000 pins, a day's\n"
      "tracks, panning; `bench map.METRIC` lines). Prints `bench client.METRIC VALUE\n"
      "UNIT` lines. Exit 77 without Xvfb.\n");
  return code;
}

bool on_path(const char* tool) { return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0; }

// The replica the client starts from: synced once, like a device used yesterday.
bool sync_replica(const std::string& url, const std::string& data, const std::string& user, double* seconds) {
  const auto t0 = Clock::now();
  gw::client::CoreOptions o;
  o.data_dir = data;
  o.server_url = url;
  o.auto_sync = false;
  gw::client::ClientCore core(o);
  core.sign_in(user, "gridwork-demo");
  core.wait_idle();
  if (!core.snapshot().session.signed_in) return false;
  core.sync_now();
  core.wait_idle();
  const auto snap = core.snapshot();
  *seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("replica of %s synced in %.1f s (%lld records down)\n", user.c_str(), *seconds,
              static_cast<long long>(snap.sync.records_down));
  return snap.sync.error.empty() && snap.sync.last_sync_at > 0;
}

int run(const Options& opt, const fs::path& dir);

int report_map(const Options& opt, std::map<std::string, double>& fig) {
  std::printf("\nGridwork grid map, %s, 1280x800 under Xvfb (Mesa llvmpipe)\n", opt.user.c_str());
  std::printf("  grids %.0f, pins %.0f, track points %.0f, frames %.0f (panning)\n", fig["grids"], fig["pins"],
              fig["track_points"], fig["frames"]);
  std::printf("  vertices a frame           %7.0f\n", fig["vertices"]);
  std::printf("  frame time p50             %7.2f ms\n", fig["frame_p50_ms"]);
  std::printf("  frame time p99             %7.2f ms   (target < 16 ms: %s)\n", fig["frame_p99_ms"],
              fig["frame_p99_ms"] < 16 ? "ok" : "OVER TARGET");
  std::printf("  frame time max             %7.2f ms\n", fig["frame_max_ms"]);
  std::printf("    of a median frame: swap %.2f ms, GL submit %.2f ms\n", fig["swap_p50_ms"], fig["gl_p50_ms"]);
  std::printf("bench map.frame_p50_ms %.2f ms\n", fig["frame_p50_ms"]);
  std::printf("bench map.frame_p99_ms %.2f ms\n", fig["frame_p99_ms"]);
  std::printf("bench map.pins %.0f pins\n", fig["pins"]);
  std::printf("bench map.track_points %.0f points\n", fig["track_points"]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return usage(0);
    if (a == "--quick") {
      opt.quick = true;
      opt.user = "worker01";
      opt.frames = 120;
    } else if (a == "--map") {
      opt.map = true;
    } else if (a == "--user" && i + 1 < argc) {
      opt.user = argv[++i];
    } else if (a == "--frames" && i + 1 < argc) {
      opt.frames = std::max(10, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "bench-client: unknown option %s\n", a.c_str());
      return usage(2);
    }
  }
  if (!on_path("Xvfb")) {
    std::printf("bench-client: Xvfb is not installed (./dev deps installs it); skipped\n");
    return kSkip;
  }
  char tmpl[] = "/tmp/gw-bench-client-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const int rc = run(opt, tmpl);
  if (rc == 0) fs::remove_all(tmpl);  // kept on failure: the logs are there
  return rc;
}

namespace {

// The children stop (in reverse order) before main removes their files.
int run(const Options& opt, const fs::path& dir) {

  const int port = gw::test::ServerProcess::free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  gw::test::ChildProcess server(
      {GRIDWORK_SERVER_BIN, "--db", (dir / "park.db").string(), "--listen", "127.0.0.1:" + std::to_string(port), "--demo"},
      {.env = {}, .log = (dir / "server.log").string(), .pipe_stdout = true, .own_group = false});
  std::string line;
  bool ready = false;
  while (!ready && server.line(&line)) ready = line.find("listening on") != std::string::npos;
  if (!ready) {
    std::fprintf(stderr, "bench-client: the server did not start (see %s)\n", (dir / "server.log").c_str());
    return 1;
  }
  const std::string data = (dir / "device").string();
  double sync_s = 0;
  if (!sync_replica(url, data, opt.user, &sync_s)) {
    std::fprintf(stderr, "bench-client: the first sync of %s failed\n", opt.user.c_str());
    return 1;
  }

  gw::test::Xvfb xvfb(200, (dir / "xvfb.log").string());
  if (!xvfb.ready()) {
    std::fprintf(stderr, "bench-client: Xvfb did not start (see %s)\n", (dir / "xvfb.log").c_str());
    return 1;
  }
  const std::string& display = xvfb.display();

  const int64_t spawned = unix_ms();
  gw::test::ChildProcess app(
      {GRIDWORK_CLIENT_BIN, "--server", url, "--data", data, "--user", opt.user, "--password", "gridwork-demo", "--size",
       "1280x800", opt.map ? "--bench-map" : "--bench", "--bench-frames", std::to_string(opt.frames)},
      {.env = {{"DISPLAY", display}}, .log = (dir / "gridwork.log").string(), .pipe_stdout = true, .own_group = false});
  std::map<std::string, double> fig;
  while (app.line(&line)) {
    char key[64];
    double value = 0;
    if (std::sscanf(line.c_str(), "bench %63s %lf", key, &value) == 2) fig[key] = value;
  }
  const int rc = app.wait();
  if (rc != 0 || !fig.count("frame_p99_ms")) {
    std::fprintf(stderr, "bench-client: gridwork --bench failed (exit %d); see %s\n", rc, (dir / "gridwork.log").c_str());
    return 1;
  }
  if (opt.map) return report_map(opt, fig);
  const double start_ms = fig["first_frame_unix_ms"] - static_cast<double>(spawned);
  const double rss_mb = fig["rss_kb"] / 1024.0;
  auto verdict = [](bool ok) { return ok ? "ok" : "OVER TARGET"; };
  std::printf("\nGridwork client, %s's replica, 1280x800 under Xvfb (Mesa llvmpipe)\n", opt.user.c_str());
  std::printf("  cold start to first frame  %7.0f ms   (target < 1000 ms: %s)\n", start_ms, verdict(start_ms < 1000));
  std::printf("  visit list rows            %7.0f\n", fig["rows"]);
  std::printf("  frames timed (scrolling)   %7.0f\n", fig["frames"]);
  std::printf("  frame time p50             %7.2f ms\n", fig["frame_p50_ms"]);
  std::printf("  frame time p99             %7.2f ms   (target < 16 ms: %s)\n", fig["frame_p99_ms"],
              verdict(fig["frame_p99_ms"] < 16));
  std::printf("  frame time max             %7.2f ms\n", fig["frame_max_ms"]);
  std::printf("    of a median frame: swap (software rasterising + present) %.2f ms, GL submit %.2f ms\n",
              fig["swap_p50_ms"], fig["gl_p50_ms"]);
  std::printf("  peak resident memory       %7.1f MB   (target < 200 MB: %s)\n", rss_mb, verdict(rss_mb < 200));
  std::printf("bench client.start_ms %.0f ms\n", start_ms);
  std::printf("bench client.frame_p50_ms %.2f ms\n", fig["frame_p50_ms"]);
  std::printf("bench client.frame_p99_ms %.2f ms\n", fig["frame_p99_ms"]);
  std::printf("bench client.rss_mb %.1f MB\n", rss_mb);
  std::printf("bench client.rows %.0f rows\n", fig["rows"]);
  return 0;
}

}  // namespace
