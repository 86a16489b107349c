// The tablet app without its window: session, local replica, commands, view
// models and the sync scheduler. Everything here runs off the UI thread:
// a store thread owns the replica's connection for commands and queries, a
// sync thread owns a second connection and the network. The UI thread only
// posts requests and reads the latest Snapshot, so a slow link or a large
// pull never stalls a frame.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/core/photo.hpp"
#include "client/core/views.hpp"

namespace gw::client {

struct CoreOptions {
  std::string data_dir;      // replica.db, device.key, account.json, settings.json
  std::string server_url;    // overrides the stored setting when not empty
  std::string ca_file;       // PEM trusted for an https server besides the system's CAs
  std::string device_name = "gridwork tablet";
  std::function<int64_t()> wall;  // Unix ms; empty: the system clock
  bool auto_sync = true;     // false: only sync_now() syncs (tests)
  bool auto_lock = true;     // false: never locks when idle (tests that drive no input)
  std::string gpsd;          // "host:port" of gpsd (issue 23); empty: no location
};

struct NewCase {
  std::string grid_id, category, severity = "normal", title, description, location;
  std::string parties;   // free text: who is involved (stored as a JSON list of names)
  std::string source = "patrol";  // patrol | visit | hotline | assigned
  std::string patrol_id, visit_id;
  // Hotline intake (民声热线, supervisors): who called; confidential hides
  // the caller and the reporter from every other role.
  std::string caller_name, caller_phone;
  bool confidential = false;
  std::vector<PhotoSource> photos;  // 现场照片, up to tuning::kPhotosPerRecord
  std::optional<geo::Fix> fix;      // where: the tablet's fix or a pin placed by hand; none: no location
};

struct NewVisit {
  std::string target_kind, target_id;  // household | enterprise
  std::string purpose = "routine";
  std::string notes, needs;
  int64_t follow_up_at = 0;  // 0: none
  std::vector<PhotoSource> photos;
  std::optional<geo::Fix> fix;
};

struct CaseActionInput {
  std::string note;        // reason of a rejection, rework, escalation or deferral
  std::string resolution;  // resolve
  std::string route;       // dispatch: grid | department
  int score = 0;           // evaluate
  std::vector<PhotoSource> photos;  // the step's evidence (处置前后), on its log row
};

class ClientCore {
 public:
  explicit ClientCore(CoreOptions options);
  ~ClientCore();
  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  // ---- session ----
  // Unlocks offline when this device knows the user and the password (or
  // PIN) matches; otherwise signs in at the server. Outcome in the snapshot.
  void sign_in(const std::string& username, const std::string& secret);
  void set_pin(const std::string& pin);  // 4-8 digits; offline unlock with it
  void sign_out();                       // keeps the replica and the outbox
  // The data key leaves memory, the views of personal data go, sync waits;
  // sign_in() with the PIN or password unlocks again, offline too. The app
  // locks itself after the settings' idle minutes (touch() on every input).
  void lock();
  void touch();
  void lock_if_idle();  // what the idle timer runs; for tests with a clock of their own
  // Online only: the server checks the old password and takes the new one
  // (8 or more characters); the data key is then wrapped under the new one.
  void change_password(const std::string& old_password, const std::string& new_password);

  // ---- commands: outcomes arrive as notices ----
  void sync_now();
  void start_patrol(const std::string& grid_id);
  void open_patrol(const std::string& patrol_id);
  void mark_check(const std::string& patrol_id, const std::string& item, CheckMark mark, const std::string& note);
  // A finding on a checklist item becomes a case in one tap.
  void report_finding(const std::string& patrol_id, const std::string& item, const std::string& note);
  void end_patrol(const std::string& patrol_id, const std::string& notes);
  // 签到: a checkins row at the grid with the current fix, inside or not
  // (issue 23); no fix is a notice, not a row.
  void check_in(const std::string& grid_id, const std::string& patrol_id);
  void record_visit(const NewVisit& visit);
  void create_case(const NewCase& c);
  void case_action(const std::string& case_id, const std::string& action, const CaseActionInput& in);
  // Evidence photos from files or stills on a record already saved (a case, a step's
  // case_log row, a patrol, a visit); new records take theirs in NewCase,
  // NewVisit and CaseActionInput. Sealed on the tablet, uploaded after the
  // records (DESIGN §14).
  void attach_photos(const std::string& table, const std::string& record_id, const std::vector<PhotoSource>& files);
  // Shows a picture full size (Snapshot::photo): from the tablet, or fetched
  // from the server when only its thumbnail is here.
  void open_photo(const std::string& hash);
  void close_photo();
  void save_settings(const Settings& s);
  // The user has seen a refused record and let it go: it leaves the list.
  // (A quarantined one stays in the server's review queue for an admin.)
  void dismiss_problem(const std::string& patch_id);
  void mark_notice_read(const std::string& notice_id);
  // A household's or enterprise's registered fields corrected: column, value as typed.
  void edit_target(const std::string& kind, const std::string& id,
                   const std::vector<std::pair<std::string, std::string>>& fields);
  // Supervisors: hand a unit grid to its linked department (战时接管) and
  // give it back; move a user's responsibility to another grid. Offline
  // too: the rows sync when the tablet reconnects, and the server judges.
  void start_takeover(const std::string& unit_grid_id, const std::string& reason);
  void end_takeover(const std::string& takeover_id);
  void move_responsibility(const std::string& assignment_id, const std::string& to_grid_id);
  // Admins (DESIGN §7): decide conflicts, one field or many at once, also
  // offline; each decision is a write to its `conflicts` row, and the server
  // writes the chosen value over both sides. A quarantined patch is accepted
  // (merged as it was recorded) or refused (kept in the log).
  void resolve_conflicts(const std::vector<ConflictDecision>& decisions);

  // Shows a masked ID or phone number in clear for tuning::kRevealShowMs
  // (Snapshot::revealed), after recording the reveal as a `reveals` row that
  // syncs up as the audit (DESIGN §8); offline too.
  void reveal(const std::string& table, const std::string& row_id, const std::string& column);
  // Supervisors and admins: the server's personal-data audit of [from, to]
  // (Unix ms) as CSV under DATA/exports; online only. The notice names the file.
  void export_audit_csv(int64_t from_ms, int64_t to_ms);

  // ---- queries: results arrive in the snapshot ----
  void search_targets(const TargetQuery& q);
  // A household's or enterprise's details beside the visit form (Snapshot::target).
  void open_target(const std::string& kind, const std::string& id);
  void list_cases(const CaseFilter& f);
  void open_case(const std::string& case_id);
  // The dispatch queue; stage: a status to show alone, or empty for all.
  void list_dispatch(const std::string& stage);
  // KPIs of the period over the replica; group: grid | worker | department.
  void load_kpi(const std::string& from, const std::string& to, const std::string& group);
  // Writes the KPIs last loaded as CSV under DATA/exports; the notice and
  // KpiView::exported_to name the file.
  void export_kpi_csv();
  // The takeover console and the grid map; kept fresh after edits and syncs
  // once loaded.
  void load_takeover_console();
  void load_grid_map();
  // Supervisors: a worker's patrols and check-ins of a day (YYYY-MM-DD, China
  // time) on the map (GridMapView::replay), from the tracks rows held here.
  void load_replay(const std::string& worker_id, const std::string& day);
  // The conflict queue under a filter, kept fresh; a record's conflicts side
  // by side; the record's history from the server (online only).
  void load_conflicts(const ConflictFilter& f);
  void open_conflict_record(const std::string& table, const std::string& row_id);
  void load_history(const std::string& table, const std::string& row_id);

  // ---- UI thread ----
  Snapshot snapshot() const;
  std::vector<Notice> take_notices();
  // Blocks until every request posted before the call has run, including a
  // sync asked for; for tests and --screenshot.
  void wait_idle();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::client
