#include "client/core/patrol_track.hpp"

#include <cmath>

#include "shared/codec.hpp"
#include "shared/schema.hpp"
#include "shared/tuning.hpp"

namespace gw::client {

Result<std::vector<geo::TrackPoint>> PatrolTrack::load(Db& db, const std::string& patrol_id) {
  // Sealed on the tablet: opened with the data key (data_key.hpp).
  auto s = db.prepare(
      "SELECT gw_open(points, 'tracks.points') FROM tracks WHERE patrol_id = ? "
      "ORDER BY seq");
  s.bind(1, patrol_id);
  std::vector<geo::TrackPoint> out;
  while (s.step()) {
    auto seg = geo::decode_track(s.text(0));
    if (!seg) return seg.error();
    // Each segment starts where the one before ended: that point once.
    size_t from = !out.empty() && !seg->empty() && seg->front() == out.back() ? 1 : 0;
    out.insert(out.end(), seg->begin() + static_cast<std::ptrdiff_t>(from), seg->end());
  }
  return out;
}

Status PatrolTrack::begin(const std::string& patrol_id, const std::string& grid_id, const std::string& worker_id) {
  drop();
  auto s = replica_.store().db().prepare("SELECT IFNULL(MAX(seq) + 1, 0) FROM tracks WHERE patrol_id = ?");
  s.bind(1, patrol_id);
  int64_t next = s.step() ? s.int64(0) : 0;
  s.reset();
  auto held = load(replica_.store().db(), patrol_id);
  if (!held) return held.error();
  patrol_id_ = patrol_id;
  grid_id_ = grid_id;
  worker_id_ = worker_id;
  next_seq_ = next;
  written_ = std::move(*held);
  // Restarted mid-patrol: the next segment starts where the written ones end.
  if (!written_.empty())
    sampler_.offer(geo::Fix{written_.back().p, 0, written_.back().at_ms, geo::FixSource::gps});
  return Status::ok();
}

void PatrolTrack::drop() {
  patrol_id_.clear();
  grid_id_.clear();
  worker_id_.clear();
  next_seq_ = 0;
  sampler_ = geo::TrackSampler{};
  newest_.reset();
  written_.clear();
}

Result<bool> PatrolTrack::offer(const geo::Fix& f) {
  if (!active()) return false;
  if (geo::check_fix(f) && f.accuracy_m <= tuning::kTrackMaxAccuracyM &&
      (!newest_ || f.at_ms > newest_->at_ms))
    newest_ = geo::quantize({f.at_point, f.at_ms});
  if (!sampler_.offer(f)) return false;
  const auto& pts = sampler_.points();
  bool due = pts.size() > 1 && (pts.back().at_ms - pts.front().at_ms >= tuning::kTrackFlushMs ||
                                pts.size() >= tuning::kTrackSegmentPoints);
  if (!due) return false;
  return flush(false);
}

Result<bool> PatrolTrack::finish() {
  auto r = active() ? flush(true) : Result<bool>(false);
  drop();
  return r;
}

Result<bool> PatrolTrack::flush(bool last) {
  // The end: the newest fix too, when the sampler passed it over.
  bool end_point = last && newest_ && sampler_.size() > 0 && newest_->at_ms > sampler_.points().back().at_ms;
  // take() keeps the last point as the next segment's start: a lone point
  // is that start, nothing to write.
  if (sampler_.size() + (end_point ? 1 : 0) < 2) return false;
  if (next_seq_ >= tuning::kTrackSegmentsMax)
    return Error{Code::too_large, "this patrol's track is full (" + std::to_string(tuning::kTrackSegmentsMax) + " segments)"};
  std::vector<geo::TrackPoint> kept = sampler_.take();
  if (end_point) kept.push_back(*newest_);
  std::vector<geo::TrackPoint> pts = geo::simplify(kept, tuning::kTrackToleranceM);
  for (auto& p : pts) p = geo::quantize(p);  // as it will decode: live shows what is stored
  const TableSpec& t = *find_table("tracks");
  auto length = static_cast<int64_t>(std::llround(geo::length_m(pts)));
  auto id = replica_.create(t, fields_of(t, {{"patrol_id", patrol_id_}, {"grid_id", grid_id_},
                                             {"worker_id", worker_id_}, {"seq", next_seq_},
                                             {"started_at", pts.front().at_ms}, {"ended_at", pts.back().at_ms},
                                             {"points", geo::encode_track(pts)}, {"length_m", length}}));
  if (!id) return id.error();
  ++next_seq_;
  size_t from = !written_.empty() && written_.back() == pts.front() ? 1 : 0;
  written_.insert(written_.end(), pts.begin() + static_cast<std::ptrdiff_t>(from), pts.end());
  return true;
}

std::vector<geo::TrackPoint> PatrolTrack::live() const {
  std::vector<geo::TrackPoint> out = written_;
  for (const auto& p : sampler_.points()) {
    auto q = geo::quantize(p);
    if (out.empty() || !(out.back() == q)) out.push_back(q);
  }
  return out;
}

}  // namespace gw::client
