// What the screens read: immutable snapshots made by the client core off the
// UI thread. A screen never holds a database handle or a socket; it draws
// the latest snapshot and asks the core for new ones (client_core.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shared/calendar.hpp"
#include "shared/geo.hpp"

namespace gw::client {

enum class Link : uint8_t { unknown, online, offline };

struct SessionView {
  bool signed_in = false;
  bool busy = false;          // a sign-in is under way
  bool offline_unlock = false;  // signed in from the stored verifier, not the server
  std::string user_id, username, name, roles;  // roles: "worker,chief"
  bool has_pin = false;
  std::string error_key;      // i18n key of the last sign-in failure, empty when none
  std::string error_detail;   // the server's or the store's words, untranslated
  bool locked = false;        // locked (idle or by hand): username kept, unlock with PIN or password
};

struct SyncView {
  Link link = Link::unknown;
  bool running = false;
  int64_t pending = 0;          // local records not yet accepted by the server
  int64_t problems = 0;         // rejected or quarantined, kept with reasons
  int64_t last_sync_at = 0;     // Unix ms of the last complete sync, 0: never
  int64_t next_attempt_at = 0;  // when automatic sync tries again, 0: not planned
  // Progress of the sync under way: records and bytes moved so far.
  int64_t records_up = 0, records_down = 0, bytes_up = 0, bytes_down = 0;
  // Photos (issue 22): this tablet's not yet on the server whole, and the
  // bytes moved by the photo queue in this sync.
  int64_t photos_waiting = 0, photo_bytes_up = 0, photo_bytes_down = 0;
  int64_t photo_ms = 0;  // the photo queue's time in this sync
  std::string error;            // the last failure, untranslated
};

struct GridItem {
  std::string id, code, name, kind, mode;  // mode: normal | takeover
  int level = 0;
  bool mine = false;  // held by an active assignment of the user
};

struct AssignmentItem {
  std::string id, grid_id, grid_name, kind;  // kind: responsibility | takeover | task | department_cases
  std::string task;                          // task_ref, if any
  int64_t to_at = 0;
};

struct CaseItem {
  std::string id, grid_id, grid_name, category, category_name, severity, title, status;
  int64_t reported_at = 0, due_at = 0;
  Light light = Light::green;
  bool overdue = false;
  bool takeover = false;  // its grid is under takeover: shorter limit, sorts first
  bool pending = false;   // local changes not yet synced
};

struct ProblemItem {  // a local record the server refused or quarantined
  std::string table, row, state, code, reason;
  std::string patch_id;  // what dismiss_problem() takes
};

// A notice the server addressed to the user: a takeover of a grid they
// work in, a grid given or taken away. `event` picks the words
// (i18n notices.<event>); `words` are the server's own, for a fallback.
struct NoticeItem {
  std::string id, kind, event, words, grid_name, reason;
  int64_t at = 0;
};

struct HomeView {
  std::vector<GridItem> my_grids;
  std::vector<AssignmentItem> assignments;  // active, of the user
  std::vector<CaseItem> due_cases;          // open cases of my grids, most urgent first
  std::vector<GridItem> takeover_grids;     // my grids under takeover: the red banner
  std::vector<ProblemItem> problems;
  std::vector<NoticeItem> notices;          // unread, newest first
  std::string active_patrol_id;             // a patrol of mine still running, if any
  int64_t patrols_today = 0, visits_today = 0;
};

// An ID or phone number as a view carries it (DESIGN §8, shared/mask.hpp):
// masked unless the user's roles need it, with where it comes from, which
// ClientCore::reveal() takes to show it in clear (an audited action).
struct MaskedNumber {
  std::string table, row_id, column;
  std::string text;     // as shown: 138****5678, or clear for an admin
  bool masked = false;  // true: reveal() can show it
};

// A number shown in clear after reveal(), for a short time (Snapshot::revealed).
struct RevealedNumber {
  std::string table, row_id, column, text;
  int64_t until = 0;  // Unix ms: shown masked again from then
};

// The clear text of a masked number while its reveal lasts, else null.
const RevealedNumber* revealed_now(const std::vector<RevealedNumber>* revealed, const MaskedNumber& n, int64_t now_ms);

// A household or enterprise to visit, found by name, address or building.
struct TargetItem {
  std::string id, kind, grid_id, title, subtitle;  // kind: household | enterprise
  bool contested = false;  // an open conflict on one of its fields awaits an admin
  MaskedNumber phone;      // households.phone, enterprises.contact_phone
};

// A household's members, read when the household is picked (open_target).
struct ResidentItem {
  std::string id, name, relation, gender;
  int birth_year = 0;
  MaskedNumber id_number, phone;
};


struct TargetQuery {
  std::string text;  // matched against names, addresses, buildings; empty: all
  std::string kind;  // household | enterprise | empty: both
  int limit = 20000;
};

struct TargetList {
  TargetQuery query;
  std::vector<TargetItem> items;
  int64_t total = 0;  // matches before the limit
};

struct CaseFilter {
  std::string status;    // a status name, "open" (not closed/evaluated/rejected) or empty: all
  std::string grid_id;   // empty: all grids I can read
  std::string category;  // minor class code, major class code (2 digits), or empty
  bool overdue_only = false;
  bool disputes_only = false;  // 矛盾纠纷 categories
};

struct CaseList {
  CaseFilter filter;
  std::vector<CaseItem> items;
};

struct CaseLogItem {
  std::string action, from_status, to_status, actor_name, note;
  int64_t at = 0;
  std::string id;  // the case_log row: what a step's photos name (PhotoItem::record_id)
};

// A workflow action the user may take on a case now, with what it needs.
struct CaseActionItem {
  std::string action;   // accept, reject, dispatch, ... (shared/workflow.hpp)
  std::string to_status;
  bool needs_note = false;        // rejection, rework: a reason
  bool needs_resolution = false;  // resolve: the result
  bool needs_score = false;       // evaluate: 1..5
  bool needs_route = false;       // dispatch: grid or department
};

// An evidence photo on a record (issue 22).
struct PhotoItem {
  std::string hash, thumb_hash;
  std::string record_table, record_id;  // a case's own, or one of its steps (case_log)
  int width = 0, height = 0;
  int64_t taken_at = 0;
  std::string thumb_jpeg;  // empty: not on this tablet yet — 照片上传中 at its author's end, or on its way
  bool uploading = false;  // taken here, not yet on the server whole
};

// A visit already made to the household or enterprise opened: what the
// worker going there next reads first.
struct PastVisit {
  std::string id, purpose, notes, visitor_name;  // notes as stored; visitor_name empty when unknown
  int64_t visited_at = 0;
  std::vector<PhotoItem> photos;  // the store's (PhotoStore), oldest first
};

struct TargetDetail {
  std::string id, kind;
  std::vector<ResidentItem> residents;  // households: members, the head first
  std::vector<PastVisit> visits;        // newest first, at most tuning::kPastVisits
};

// A picture opened full size (ClientCore::open_photo).
struct PhotoViewer {
  enum class State { loading, ready, pending, failed };
  std::string hash;
  State state = State::loading;
  std::string jpeg;   // ready: the picture
  std::string error;  // pending or failed: why, untranslated
};

struct CaseDetail {
  CaseItem item;
  std::string description, location, parties, route, department_name, assignee_name, reporter_name, resolution;
  std::string source;
  std::string caller_name;    // hotline cases; empty where hidden (confidential)
  MaskedNumber caller_phone;  // its text empty where hidden or none
  bool confidential = false;
  bool deferred = false;  // 缓办
  int score = 0, rework = 0;
  std::vector<CaseLogItem> log;  // oldest first
  std::vector<CaseActionItem> actions;
  std::vector<ProblemItem> problems;  // refusals of this case's records
  std::vector<std::string> contested;  // columns with an open conflict: shown before editing
  std::vector<PhotoItem> photos;       // the report's and its steps', oldest first
  bool outside_grid = false;  // its fix lies outside its grid's polygon (issue 23): flagged for the office
};

// The centre's and the chiefs' work list (分流): cases waiting for a step
// the user's roles take, most urgent first (takeover, red, yellow, green,
// then the earliest due).
struct DispatchItem {
  CaseItem item;
  std::string next_action;  // the first step offered: accept, dispatch, verify, close, evaluate
};

struct DispatchQueue {
  std::string stage;  // the filter: a status, or empty for every stage
  std::vector<DispatchItem> items;
  // How many wait in each status (reported, accepted, resolved, verified, closed).
  std::vector<std::pair<std::string, int64_t>> stages;
};

// The KPI screen's figures, computed from the replica (shared/kpi.hpp), so
// a supervisor sees them offline; the server's report gives the same.
struct KpiBar {
  std::string label;  // grid code and name, user's name, department's name
  int64_t due = 0, closed = 0, closed_on_time = 0, deferred = 0, rework = 0, patrols = 0, visits = 0;
  int64_t evaluated = 0;
  int64_t patrol_m = 0, patrol_inside_ms = 0;  // done patrols: metres walked, time inside their grid
  double close_rate = -1, on_time_rate = -1, mean_handling_hours = -1, satisfaction = -1;  // -1: undefined
};

struct KpiView {
  std::string from, to, group;  // YYYY-MM-DD, grid | worker | department
  std::vector<KpiBar> rows;
  KpiBar total;
  std::string error;        // untranslated, when the period is invalid
  std::string exported_to;  // the last CSV written, if any
};

// The supervisor's takeover console (战时接管) and grid desk.
struct TakeoverItem {
  std::string id, grid_id, grid_name, department_id, department_name, reason, started_by, ended_by;
  int64_t started_at = 0, ended_at = 0;  // ended_at 0: running
  bool pending = false;  // recorded here, not yet accepted by the server
};

// A unit grid as a takeover candidate: who would take it over, who works it.
struct UnitGridItem {
  GridItem grid;
  std::string department_id, department_name;  // the linked department (平时包联)
  std::vector<std::string> cadres;   // the department's cadres, by name
  std::vector<std::string> workers;  // names of those responsible for it or a grid below it
  int64_t open_cases = 0;
  std::string takeover_id;  // the takeover running on it, if any
};

// A user's standing responsibility for a grid: what a reassignment moves.
struct ResponsibilityItem {
  std::string assignment_id, user_id, user_name, grid_id, grid_code, grid_name;
  int64_t from_at = 0;
  bool pending = false;
  std::string username;  // the sign-in name (worker01), for --replay and search
};

struct TakeoverConsole {
  std::vector<UnitGridItem> units;                   // by code
  std::vector<TakeoverItem> active;                  // running, longest first
  std::vector<TakeoverItem> ended;                   // the last ones, newest first
  std::vector<ResponsibilityItem> responsibilities;  // by grid code, then name
};

// The grid map: the park's grids from their polygons (lon, lat), with what
// colours them.
struct MapGrid {
  std::string id, parent_id, code, name, kind, mode;
  int level = 0;
  std::vector<std::pair<double, double>> ring;  // lon, lat; empty when the grid has no polygon
  int64_t open_cases = 0, overdue_cases = 0;
  bool takeover = false;  // its own or its unit grid's mode
  bool mine = false;
};

// ---- location (issue 23) ----------------------------------------------------

// Where the tablet is, from gpsd (client/core/location). No fix is never an
// error a form waits on: it saves with "no location".
struct LocationView {
  enum class State : uint8_t {
    off,        // no gpsd configured (--gpsd off)
    searching,  // gpsd not reachable yet; retried
    no_fix,     // gpsd answers, the receiver has no fix
    fix,
  };
  State state = State::off;
  geo::Fix fix;               // when state == fix
  std::string grid_id;        // the level-3 grid under the fix, "" outside every grid
};

// Level-3 grids' polygons for "which grid is this point in" (a case placed
// by its fix, a finding outside the worker's grids). Built on the store
// thread when grids change; immutable, shared with the UI thread.
class GridIndex {
 public:
  struct Entry {
    std::string id, parent_id, code, name;
    int level = 0;
    geo::Polygon polygon;
    geo::Box box;
  };
  explicit GridIndex(std::vector<Entry> grids);
  // The deepest grid containing p (level 3 before its unit grid and zone), or nullptr.
  const Entry* grid_at(geo::LonLat p) const;
  const Entry* find(const std::string& id) const;
  bool contains(const std::string& grid_id, geo::LonLat p) const;
  const std::vector<Entry>& grids() const { return grids_; }

 private:
  std::vector<Entry> grids_;  // deepest level first
};

struct MapPin {  // a case with a fix
  std::string case_id, title, severity, status, grid_id;
  geo::LonLat at;
  bool overdue = false;
};

struct MapPlace {  // an enterprise at its point
  std::string id, name, kind;
  geo::LonLat at;
};

struct TrackLine {  // a patrol's track, its segments joined
  std::string patrol_id, grid_id;
  std::vector<geo::TrackPoint> points;
};

// A worker's day of patrols as the tablet holds them (the grid buckets it
// pulls): what a supervisor replays on the map.
struct ReplayView {
  std::string worker_id, worker_name, day;  // day: YYYY-MM-DD, China time
  std::vector<TrackLine> lines;             // by start time
  std::vector<geo::Fix> checkins;
  double length_m = 0;
  int64_t inside_ms = 0;  // inside each patrol's own grid
};

struct GridMapView {
  std::vector<MapGrid> grids;                // zones first, then unit grids, then level 3
  double west = 0, south = 0, east = 0, north = 0;  // bounds of every ring
  std::vector<MapPin> pins;                  // open cases with a fix in the grids shown
  std::vector<MapPlace> places;              // enterprises with a point
  TrackLine live;                            // the user's running patrol so far, if any
  std::shared_ptr<const ReplayView> replay;  // load_replay()'s, if asked
};

enum class CheckMark : uint8_t { unchecked, ok, problem };

struct ChecklistEntry {
  std::string item;      // stable key: "fire_exits"; its text is i18n "check.<item>"
  std::string category;  // the category a finding on it suggests
  CheckMark mark = CheckMark::unchecked;
  std::string note;
  std::string case_id;   // the case a finding became, if any
};

struct PatrolView {
  std::string id, grid_id, grid_name, grid_kind, status;  // status: active | done
  int64_t started_at = 0, ended_at = 0;
  std::vector<ChecklistEntry> checklist;
  int findings = 0;
  std::string notes;
  std::vector<PhotoItem> photos;  // on the patrol itself (a finding's go on its case), oldest first
};

struct CategoryItem {
  std::string code, name_zh, name_en, major;
  bool dispute = false;
};

// Reference data the forms pick from.
struct Catalog {
  std::vector<GridItem> grids;  // grids the user can record in (held ones first)
  std::vector<CategoryItem> categories;
};

struct Settings {
  std::string server_url;
  std::string lang = "zh_CN";  // zh_CN | en
  float text_scale = 1.0f;     // 0.8 .. 1.6
  bool auto_sync = true;
  // Idle minutes before the app locks (0: never): short enough that a tablet
  // forgotten on a counter is closed before it walks away, long enough not
  // to interrupt a visit's conversation.
  int auto_lock_minutes = 5;
};

// ---- conflict review (DESIGN §7): the admins' queue ----------------------------

// One side of a conflict: a write, with who made it where and when.
struct ConflictSide {
  std::string value;  // as text; empty and known false when the server had no record of it
  bool known = false;
  std::string author_id, author_name, device;
  int64_t at = 0;  // Unix ms of the write
};

// kind review | state: two writes to one field, `ours` the one the server
// held when `theirs` arrived, `base` the value both writers started from.
// kind quarantine: a whole patch held back (`column` "*"): `theirs` is its
// author, `reason` why, `patch_fields` what it would set.
struct ConflictItem {
  std::string id, table, row_id, column, kind, grid_id, grid_name, record_label;
  std::string status;      // open | resolved | refused
  std::string resolution;  // ours | theirs | base | custom | accept (resolved ones)
  ConflictSide base, ours, theirs;
  std::string current;     // the field's value on this tablet now
  std::string reason;      // quarantine
  std::vector<std::pair<std::string, std::string>> patch_fields;  // quarantine: column, value
  std::string resolved_value, resolved_by_name;
  int64_t opened_at = 0, resolved_at = 0;
  bool pending = false;    // decided here, not yet accepted by the server
};

struct ConflictFilter {
  std::string grid_id;  // this grid or any below it; empty: every grid
  std::string table, kind, device;  // device: the one whose write arrived second
  int64_t min_age_ms = 0;           // only conflicts open at least this long
  bool open_only = true;
};

struct ConflictQueue {
  ConflictFilter filter;
  std::vector<ConflictItem> items;  // oldest first
  int64_t open_total = 0;           // open conflicts on the tablet, whatever the filter
  // Facets of the open conflicts, for the filter chips: value, count.
  std::vector<std::pair<std::string, int64_t>> kinds, tables, devices;
};

// The record behind conflicts, side by side: each field as the tablet holds
// it, the contested ones with their conflicts.
struct RecordField {
  std::string column, value;  // value: masked where the column is and the user's roles do not need it
  bool pii = false;
  std::string conflict_id;  // an open conflict on this field, if any
};

struct RecordConflicts {
  std::string table, row_id, label, grid_name;
  std::vector<RecordField> fields;
  std::vector<ConflictItem> conflicts;  // open first, then decided ones
  std::vector<PhotoItem> photos;        // on the record (a case's report and steps), oldest first
};

// Every write the server logged for a record (online only: the log stays on
// the server), oldest first.
struct HistoryEntry {
  std::string patch_id, author_name, device, status, reason;  // status: accepted | quarantined | rejected
  int64_t at = 0;
  std::vector<std::pair<std::string, std::string>> set;  // column, value
};

struct RecordHistory {
  std::string table, row_id;
  std::vector<HistoryEntry> entries;
  bool loading = false;
  std::string error;  // untranslated; set when offline or refused
};

enum class ConflictChoice : uint8_t { ours, theirs, base, custom, accept, refuse };

struct ConflictDecision {
  std::string conflict_id;
  ConflictChoice choice = ConflictChoice::ours;
  std::string custom;  // ConflictChoice::custom: the new value as typed
};

struct Snapshot {
  uint64_t version = 0;  // bumps whenever anything below changes
  SessionView session;
  SyncView sync;
  Settings settings;
  std::shared_ptr<const HomeView> home;
  std::shared_ptr<const Catalog> catalog;
  std::shared_ptr<const TargetList> targets;
  std::shared_ptr<const TargetDetail> target;  // the household or enterprise last opened
  // Numbers revealed in clear, each until its time runs out (reveal()).
  std::shared_ptr<const std::vector<RevealedNumber>> revealed;
  std::shared_ptr<const CaseList> cases;
  std::shared_ptr<const CaseDetail> case_detail;
  std::shared_ptr<const PatrolView> patrol;  // the patrol last opened or started
  std::shared_ptr<const DispatchQueue> dispatch;
  std::shared_ptr<const KpiView> kpi;
  std::shared_ptr<const TakeoverConsole> takeover;
  std::shared_ptr<const GridMapView> grid_map;
  std::shared_ptr<const ConflictQueue> conflicts;
  std::shared_ptr<const RecordConflicts> conflict_record;
  std::shared_ptr<const RecordHistory> history;
  std::shared_ptr<const PhotoViewer> photo;  // the picture opened full size, if any
  LocationView location;
  std::shared_ptr<const GridIndex> grid_index;  // level-3, unit and zone polygons
};

// A message for the user about a command's outcome.
struct Notice {
  bool error = false;
  std::string key;     // i18n key
  std::string detail;  // untranslated detail (server message, record id), may be empty
  std::string ref;     // the id of what was created, if any
};

}  // namespace gw::client
