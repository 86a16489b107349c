// The store thread's side of the app: the replica's second connection, the
// parts that read and write it (queries, field actions, the grid office,
// the conflict desk) and what the user has open. Every edit and every sync
// ends in a refresh that publishes fresh view models to the Board; screens
// read only those.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/core/board.hpp"
#include "client/core/conflict_desk.hpp"
#include "client/core/device_replica.hpp"
#include "client/core/field_actions.hpp"
#include "client/core/grid_office.hpp"
#include "client/core/patrol_track.hpp"
#include "client/core/photo_store.hpp"
#include "client/core/queries.hpp"
#include "shared/kpi.hpp"

namespace gw::client {

class Store {
 public:
  // What the user has loaded or opened: kept fresh after edits and syncs.
  struct Shown {
    std::optional<TargetQuery> targets;
    std::optional<std::pair<std::string, std::string>> target;  // kind, id
    std::vector<RevealedNumber> revealed;
    std::optional<CaseFilter> cases;
    std::optional<std::string> dispatch_stage;
    std::optional<KpiQuery> kpi;
    bool takeover_console = false, grid_map = false;
    std::optional<ConflictFilter> conflicts;
    std::optional<std::pair<std::string, std::string>> conflict_record;  // table, row
    std::string open_case, open_patrol, kpi_exported_to;
    std::string photo;  // the picture opened full size
  };

  Store(Board& board, std::function<int64_t()> wall);

  void open(const std::string& path, const std::string& device_id, Me me, HlcTime start,
            std::shared_ptr<DataKey> key);
  // The connection and every view's state go (a lock, a sign-out, a wipe).
  void close();
  bool is_open() const { return r_ != nullptr; }

  DeviceReplica& replica() { return *r_; }
  Queries& queries() { return *queries_; }
  FieldActions& actions() { return *actions_; }
  PhotoStore& photos() { return *photos_; }
  GridOffice& office() { return *office_; }
  ConflictDesk& desk() { return *desk_; }
  const Me& me() const { return me_; }
  Shown shown;

  // A local edit: runs `f`, tells the user its notice, rebuilds the views.
  // true when the edit was recorded (and should leave the tablet soon).
  bool command(const std::function<Notice()>& f);
  // The views an edit can change; reference data (grids, categories) and
  // the households and enterprises to visit change only with a sync.
  void refresh(bool reference_data);
  void refresh_targets();
  void refresh_target();  // the opened one only: a visit just recorded joins its list
  void refresh_cases();  // and the other lists an edit changes: dispatch queue, KPIs, office, desk
  void publish_revealed();  // drops those whose time ran out
  // The picture opened (shown.photo) as the tablet holds it: ready, or
  // loading, or why not (`fetched`: the network thread's try).
  void show_photo(const std::string& hash, const Status& fetched = Status::ok());
  void close_photo();
  bool has_photo(const std::string& hash) { return r_ && photos_->has(hash); }

  // ---- location (issue 23) ----
  // A fix from gpsd: the current one for records and check-ins, offered to
  // the running patrol's track. true when a track segment was written.
  bool on_fix(const geo::Fix& f);
  void on_location_state(LocationView::State s);
  const Whereabouts& where() const { return where_; }
  // Starts recording a patrol this user just started; the one ending
  // writes its last segment inside end_patrol.
  void track_patrol(const std::string& patrol_id);
  PatrolTrack* track() { return track_ ? track_.get() : nullptr; }
  // A worker's day (GridMapView::replay), kept with the map once asked.
  void load_replay(const std::string& worker_id, const std::string& day);

 private:
  Board& board_;
  std::function<int64_t()> wall_;
  std::unique_ptr<DeviceReplica> r_;
  std::unique_ptr<Queries> queries_;
  std::unique_ptr<PhotoStore> photos_;
  std::unique_ptr<FieldActions> actions_;
  std::unique_ptr<GridOffice> office_;
  std::unique_ptr<ConflictDesk> desk_;
  Me me_;
  Whereabouts where_;
  LocationView location_;
  std::unique_ptr<PatrolTrack> track_;
  std::optional<std::pair<std::string, std::string>> replay_;  // worker, day

  std::shared_ptr<const TargetDetail> target_detail();
  void build_grid_index();
  void resume_patrol();
  void publish_location();
  void publish_live();
  bool case_outside_grid(const std::string& case_id);
  std::shared_ptr<const ReplayView> replay_view();  // shown.target's, with its visits' photos
};

}  // namespace gw::client
