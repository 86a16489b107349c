// A running patrol's track (巡查轨迹, issue 23), recorded on the store
// thread. Every fix is offered to a geo::TrackSampler; every
// tuning::kTrackFlushMs of fix time, and when the patrol ends, the kept
// points are simplified (Douglas-Peucker) and written as one `tracks` row,
// the next seq, through the replica like every record: signed, in the
// outbox, synced in the grid's bucket. A segment starts at the last point
// of the one before, so the rows join into one line.
//
// The seq comes from the rows already held, so an app restarted mid-patrol
// goes on from the next one and never writes a seq twice; the points kept
// but not yet written when it stopped are lost (at most one flush period).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shared/geo.hpp"
#include "sync/device/replica.hpp"

namespace gw::client {

class PatrolTrack {
 public:
  explicit PatrolTrack(sync::Replica& replica) : replica_(replica) {}

  // Starts recording `patrol_id` (a patrol of this user, just started or
  // found active when the app opened): the seq goes on after the rows held.
  Status begin(const std::string& patrol_id, const std::string& grid_id, const std::string& worker_id);
  bool active() const { return !patrol_id_.empty(); }
  const std::string& patrol_id() const { return patrol_id_; }

  // A fix: kept or not by the sampler; a segment is written when the
  // current one spans kTrackFlushMs of fix time or its point limit.
  // true when a row was written (it should leave the tablet soon).
  Result<bool> offer(const geo::Fix& f);
  // The patrol ends: what is left is written (if more than the segment's
  // start point), and recording stops.
  Result<bool> finish();
  // Recording stops without writing (the store closes: a lock, sign-out).
  void drop();

  // The running patrol so far: written segments, joined, then the points
  // not yet written.
  std::vector<geo::TrackPoint> live() const;
  size_t kept() const { return written_.size() + sampler_.size(); }  // grows when live() changes

  // Every segment of a patrol as held here, joined by seq (the shared
  // first point of each next segment once).
  static Result<std::vector<geo::TrackPoint>> load(Db& db, const std::string& patrol_id);

 private:
  Result<bool> flush(bool last);

  sync::Replica& replica_;
  std::string patrol_id_, grid_id_, worker_id_;
  int64_t next_seq_ = 0;
  geo::TrackSampler sampler_;
  // The newest fix good enough for a track, kept or not: the patrol's end
  // is where the worker stood, not the last point 5 m before it.
  std::optional<geo::TrackPoint> newest_;
  std::vector<geo::TrackPoint> written_;
};

}  // namespace gw::client
