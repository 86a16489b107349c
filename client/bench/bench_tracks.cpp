// What an hour of patrol costs the tablet (issue 23): a walk along streets
// at 1 Hz from the receiver, with stops, through the tablet's own path —
// TrackSampler, a segment every tuning::kTrackFlushMs, Douglas–Peucker,
// the track codec, rows sealed in a real replica with their outbox — beside
// the physical ceiling of storing every fix as a plain SQLite row.
// Prints `bench tracks.METRIC VALUE UNIT` lines.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "client/core/data_key.hpp"
#include "shared/codec.hpp"
#include "shared/geo.hpp"
#include "shared/rng.hpp"
#include "shared/sqlite.hpp"
#include "shared/tuning.hpp"
#include "sync/device/replica.hpp"

using namespace gw;
using Steady = std::chrono::steady_clock;

namespace {

constexpr geo::LonLat kQingmeng{118.55, 24.87};

// An hour at 1 Hz: legs of 50-250 m along a street grid at ~1.3 m/s, a
// stop of 2-6 minutes now and then (a shop, a gate), fixes scattered by a
// phone-class receiver's 2-4 m.
std::vector<geo::Fix> hour_of_fixes(uint64_t seed, int64_t t0) {
  SeededRng rng(seed);
  geo::LocalProjection proj(kQingmeng);
  std::vector<geo::Fix> out;
  double x = 0, y = 0, hx = 1, hy = 0, leg = 0;
  int64_t stop_until = 0;
  for (int s = 0; s < 3600; ++s) {
    int64_t t = t0 + s * 1000LL;
    if (t >= stop_until) {
      if (leg <= 0) {
        if (rng.chance(0.15)) stop_until = t + (120 + rng.below(240)) * 1000LL;
        int turn = rng.below(3);  // left, straight, right
        if (turn != 1) std::swap(hx, hy), (turn == 0 ? hx : hy) *= -1;
        leg = 50 + rng.below(200);
      }
      x += hx * 1.3, y += hy * 1.3, leg -= 1.3;
    }
    auto noise = [&] { return (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * 2.5; };
    out.push_back({proj.to_lonlat({x + noise(), y + noise()}), 3 + rng.uniform() * 4, t, geo::FixSource::gps});
  }
  return out;
}

int64_t file_bytes(const std::string& path) {
  std::error_code ec;
  int64_t n = 0;
  for (const char* ext : {"", "-wal"}) {
    auto size = std::filesystem::file_size(path + ext, ec);
    if (!ec) n += static_cast<int64_t>(size);
  }
  return n;
}

void line(const char* metric, double value, const char* unit) { std::printf("bench tracks.%s %.4g %s\n", metric, value, unit); }

}  // namespace

int main(int argc, char** argv) {
  int hours = 8;  // a working day
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--hours") && i + 1 < argc) {
      hours = std::max(1, std::atoi(argv[++i]));
    } else {
      std::printf("usage: bench-tracks [--hours N]\n"
                  "  N hours (default 8) of 1 Hz fixes of a walk with stops through the tablet's track path\n"
                  "  (sampler, segments every %lld s, Douglas-Peucker %.0f m, codec, sealed replica rows) and,\n"
                  "  as the ceiling, every fix as a plain SQLite row; prints `bench tracks.METRIC VALUE UNIT`\n",
                  static_cast<long long>(tuning::kTrackFlushMs / 1000), tuning::kTrackToleranceM);
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  std::string dir = std::filesystem::temp_directory_path() / ("bench-tracks-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const TableSpec& tracks = *find_table("tracks");

  // The tablet's path, into a sealed replica like the app's.
  auto key = client::DataKey::generate();
  SqliteDb db(dir + "/replica.db");
  client::attach_data_key(db, key.get());
  Hlc clock([] { return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count(); });
  sync::Replica replica(db, "bench-tracks", clock, 31, key.get());
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  int64_t empty = file_bytes(dir + "/replica.db");

  size_t fixes = 0, kept = 0, simplified = 0, segments = 0, encoded = 0;
  double cpu_us = 0, length = 0;
  int64_t t0 = 1'765'000'000'000;
  for (int h = 0; h < hours; ++h) {
    auto hour = hour_of_fixes(0x7ac5 + static_cast<uint64_t>(h), t0 + h * 3'600'000LL);
    fixes += hour.size();
    geo::TrackSampler sampler;
    int64_t flushed_at = hour.front().at_ms;
    auto flush = [&] {
      if (sampler.size() < 2) return;
      auto t = Steady::now();
      auto raw = sampler.take();
      kept += raw.size();
      auto line_kept = geo::simplify(raw, tuning::kTrackToleranceM);
      std::string text = geo::encode_track(line_kept);
      cpu_us += std::chrono::duration<double, std::micro>(Steady::now() - t).count();
      simplified += line_kept.size();
      encoded += text.size();
      length += geo::length_m(line_kept);
      auto id = replica.create(tracks, fields_of(tracks, {{"patrol_id", std::string("0193a000-0000-7000-8000-000000000001")},
                                                          {"grid_id", std::string("0193a000-0000-7000-8000-000000000002")},
                                                          {"worker_id", std::string("0193a000-0000-7000-8000-000000000003")},
                                                          {"seq", static_cast<int64_t>(segments)},
                                                          {"started_at", line_kept.front().at_ms},
                                                          {"ended_at", line_kept.back().at_ms},
                                                          {"points", text}}));
      if (!id) throw std::runtime_error(id.error().to_string());
      ++segments;
    };
    for (const auto& f : hour) {
      auto t = Steady::now();
      sampler.offer(f);
      cpu_us += std::chrono::duration<double, std::micro>(Steady::now() - t).count();
      if (f.at_ms - flushed_at >= tuning::kTrackFlushMs) flush(), flushed_at = f.at_ms;
    }
    flush();
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  int64_t tablet = file_bytes(dir + "/replica.db") - empty;

  // The ceiling: every fix a row of four numbers, no sampling, no outbox.
  SqliteDb raw(dir + "/raw.db");
  raw.exec("CREATE TABLE fixes (lon REAL, lat REAL, acc REAL, at INTEGER)");
  raw.exec("BEGIN");
  {
    auto ins = raw.prepare("INSERT INTO fixes VALUES (?, ?, ?, ?)");
    for (int h = 0; h < hours; ++h)
      for (const auto& f : hour_of_fixes(0x7ac5 + static_cast<uint64_t>(h), t0 + h * 3'600'000LL)) {
        ins.bind(1, f.at_point.lon).bind(2, f.at_point.lat).bind(3, f.accuracy_m).bind(4, f.at_ms);
        ins.step();
        ins.reset();
      }
  }
  raw.exec("COMMIT");
  raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  int64_t ceiling = file_bytes(dir + "/raw.db");

  double h = hours;
  line("fixes_per_hour", static_cast<double>(fixes) / h, "fixes");
  line("kept_by_sampler_per_hour", static_cast<double>(kept) / h, "points");
  line("kept_after_simplify_per_hour", static_cast<double>(simplified) / h, "points");
  line("segments_per_hour", static_cast<double>(segments) / h, "rows");
  line("walk_per_hour", length / h, "m");
  line("encoded_per_hour", static_cast<double>(encoded) / h, "bytes");
  line("encoded_per_point", static_cast<double>(encoded) / static_cast<double>(simplified), "bytes");
  line("tablet_file_per_hour", static_cast<double>(tablet) / h, "bytes");
  line("ceiling_raw_sqlite_per_hour", static_cast<double>(ceiling) / h, "bytes");
  line("tablet_vs_ceiling", static_cast<double>(tablet) / static_cast<double>(ceiling), "x");
  line("cpu_per_hour", cpu_us / h, "us");
  std::filesystem::remove_all(dir);
  return 0;
}
