// The write side of the client: what a field user does, as local edits of
// the replica. Each action checks its input first and returns a result a
// user can act on; nothing is written when the input is wrong.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/core/client_core.hpp"
#include "client/core/photo_store.hpp"
#include "client/core/queries.hpp"
#include "sync/device/replica.hpp"

namespace gw::client {

class PatrolTrack;

// Where the tablet is, as the store thread last heard (issue 23): the
// current fix, if any, and the grids' polygons.
struct Whereabouts {
  std::optional<geo::Fix> fix;
  std::shared_ptr<const GridIndex> grids;
};

class FieldActions {
 public:
  FieldActions(sync::Replica& replica, Queries& queries, PhotoStore& photos, const Whereabouts* where = nullptr)
      : replica_(replica), queries_(queries), photos_(photos), where_(where ? where : &nowhere_) {}

  // The patrol's start_fix is the current fix, if any.
  Result<std::string> start_patrol(const Me& me, const std::string& grid_id);
  Status mark_check(const std::string& patrol_id, const std::string& item, CheckMark mark, const std::string& note);
  Result<std::string> report_finding(const Me& me, const std::string& patrol_id, const std::string& item,
                                     const std::string& note);
  // Its end_fix is the current fix; `running`, when it records this
  // patrol, writes its last segment first; distance_m and inside_ms are
  // measured on every segment held.
  Status end_patrol(const std::string& patrol_id, const std::string& notes, PatrolTrack* running = nullptr);
  // 签到 at a grid with the current fix; none is an error, nothing written.
  Result<std::string> check_in(const Me& me, const std::string& grid_id, const std::string& patrol_id);
  Result<std::string> record_visit(const Me& me, const NewVisit& v);
  Result<std::string> create_case(const Me& me, const NewCase& c);
  Status case_action(const Me& me, const std::string& case_id, const std::string& action, const CaseActionInput& in);
  Status mark_notice_read(const Me& me, const std::string& notice_id);
  // Corrects a household's or an enterprise's registered fields (column,
  // value as typed). Only what differs is written; a reviewed field two
  // people change offline becomes a conflict for an admin (DESIGN §7).
  Status edit_target(const std::string& kind, const std::string& id,
                     const std::vector<std::pair<std::string, std::string>>& fields);
  // Evidence photos (issue 22) from files or stills, attached to a case, a step of
  // one (its case_log row), a patrol or a visit: all of them or, when one
  // file is not a photo, none, and the record stays as it was.
  Status attach_photos(const Me& me, const std::string& table, const std::string& record_id,
                       const std::vector<PhotoSource>& files);

 private:
  int64_t now() { return replica_.clock().wall_ms(); }
  Result<std::string> log_case(const Me& me, const std::string& case_id, const std::string& grid_id, std::string_view action,
                  std::string_view from, std::string_view to, const std::string& note);
  Status write_checklist(const std::string& patrol_id, const std::string& item, CheckMark mark,
                         const std::string& note, const std::string& case_id);
  Status attach(const Me& me, std::string_view table, const std::string& record_id, const std::string& grid_id,
                const std::vector<Photo>& photos);
  sync::Replica& replica_;
  Queries& queries_;
  PhotoStore& photos_;
  Whereabouts nowhere_;
  const Whereabouts* where_;
};

}  // namespace gw::client
