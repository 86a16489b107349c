#include "shared/schema.hpp"

#include <array>

#include "shared/categories.hpp"
#include "shared/checks.hpp"
#include "shared/geo.hpp"
#include "shared/tuning.hpp"
#include "shared/uuid.hpp"
#include "shared/workflow.hpp"

namespace gw {
namespace {

using sv = std::string_view;

// ---- column kinds ----------------------------------------------------------

constexpr ColumnSpec Text(sv n, uint32_t len = 200) { return {.name = n, .type = ColType::text, .max_len = len}; }
constexpr ColumnSpec Int(sv n) { return {.name = n, .type = ColType::integer}; }
constexpr ColumnSpec Real(sv n) { return {.name = n, .type = ColType::real}; }
constexpr ColumnSpec Bool(sv n) { return {.name = n, .type = ColType::boolean}; }
constexpr ColumnSpec JsonText(sv n, uint32_t bytes) { return {.name = n, .type = ColType::json, .max_len = bytes}; }
// Unix milliseconds UTC (DESIGN §10).
constexpr ColumnSpec Time(sv n) { return Int(n).range(0, 253402300799999); }
// A reference to another row: its UUID.
constexpr ColumnSpec Ref(sv n) { return Text(n, 36).checked(&is_uuid_text, "a UUID"); }
constexpr ColumnSpec Deleted() { return Bool("deleted"); }
// A position fix (shared/geo.hpp): {"lon","lat","acc","at","src"}.
constexpr ColumnSpec FixJson(sv n) { return JsonText(n, 256).verified(&geo::verify_fix_text); }
constexpr ColumnSpec Phone(sv n) {
  return Text(n, 20).personal().masked(Mask::phone).checked(&is_phone_text, "a phone number (digits, '-', '+')");
}

constexpr RoleSet kField{Role::worker, Role::chief, Role::cadre, Role::supervisor, Role::admin};
constexpr RoleSet kOffice{Role::supervisor, Role::admin};

// ---- enums -----------------------------------------------------------------

constexpr sv kGridKinds[] = {"zone", "unit", "community", "enterprise"};
constexpr sv kGridModes[] = {"normal", "takeover"};
constexpr sv kAssignmentKinds[] = {"responsibility", "takeover", "task"};
constexpr sv kGenders[] = {"male", "female"};
constexpr sv kPatrolStatus[] = {"active", "done"};
constexpr sv kVisitTargets[] = {"household", "enterprise"};
constexpr sv kVisitPurposes[] = {"routine", "care", "dispute", "safety", "policy", "service"};
constexpr sv kCaseSources[] = {"patrol", "visit", "hotline", "assigned"};
constexpr sv kSeverities[] = {"low", "normal", "high", "urgent"};
constexpr sv kRoutes[] = {"grid", "department"};
constexpr sv kConflictKinds[] = {"review", "state", "quarantine"};
constexpr sv kConflictStatus[] = {"open", "resolved", "refused"};
// ours: the value the server held first; theirs: the one that arrived second;
// base: what both started from; custom: a new value; accept: a quarantined patch merged.
constexpr sv kResolutions[] = {"ours", "theirs", "base", "custom", "accept"};
constexpr sv kNoticeKinds[] = {"takeover", "assignment", "conflict", "rejected", "case"};
// Records a photo may be attached to: a report, a workflow step (the log
// row of resolve, verify, rework...), a patrol and its findings, a visit.
constexpr sv kAttachable[] = {"cases", "case_log", "patrols", "visits"};

// ---- tables ----------------------------------------------------------------

constexpr ColumnSpec kGrids[] = {
    Ref("parent_id").fixed(),
    Int("level").req().fixed().range(1, 3),
    Text("code", 24).req().fixed(),
    Text("name", 64).req(),
    Text("kind", 16).req().fixed().in(kGridKinds),
    JsonText("polygon", 128 * 1024).verified(&geo::verify_polygon_text),  // GeoJSON, simple (DESIGN §15)
    Ref("department_id"),
    Text("mode", 16).in(kGridModes),
    Int("epoch").range(0, std::numeric_limits<int32_t>::max()),
    Deleted(),
};

constexpr ColumnSpec kDepartments[] = {
    Text("name", 64).req(),
    Text("leader_name", 32).personal(),
    Phone("phone"),
    Ref("grid_id"),  // the unit grid it is linked to (平时包联)
    Deleted(),
};

constexpr ColumnSpec kUsers[] = {
    Text("username", 32).req().fixed(),
    Text("name", 32).req(),
    Text("roles", 64).req().checked(&is_role_list, "a comma-separated list of roles"),
    Ref("department_id"),
    Text("title", 32),
    Bool("disabled"),
    Deleted(),
};

constexpr ColumnSpec kAssignments[] = {
    Ref("user_id").req().fixed(),
    Ref("grid_id").req().fixed(),
    Text("kind", 16).req().fixed().in(kAssignmentKinds),
    Ref("takeover_id").fixed(),
    Text("task_ref", 64),
    Bool("active").req(),
    Time("from_at"),
    Time("to_at"),
    Deleted(),
};

constexpr ColumnSpec kHouseholds[] = {
    Ref("grid_id").req().fixed(),
    Text("address", 200).req().personal().review(),
    Text("building", 32),
    Text("room", 16),
    Text("head_name", 32).req().personal().review(),
    Phone("phone").review(),
    Int("members").range(0, 99).review(),  // registered population: two counts are reviewed
    Text("tags", 200),
    Text("notes", 2000),
    Deleted(),
};

constexpr ColumnSpec kResidents[] = {
    Ref("household_id").req().fixed(),
    Ref("grid_id").req().fixed(),
    Text("name", 32).req().personal().review(),
    Text("gender", 8).in(kGenders),
    Int("birth_year").range(1900, 2100),
    Text("id_number", 18).personal().review().masked(Mask::id_number).checked(&is_id_number_text,
                                                                               "an 18-character ID number"),
    Phone("phone"),
    Text("relation", 16),
    Text("tags", 200),
    Deleted(),
};

constexpr ColumnSpec kEnterprises[] = {
    Ref("grid_id").req().fixed(),
    Text("name", 64).req(),
    Text("credit_code", 18),
    Text("address", 200).req().review(),
    Text("industry", 32),
    Int("employees").range(0, 1000000).review(),  // registered figures, reviewed as households' are
    Bool("large"),
    Text("contact_name", 32).personal().review(),
    Phone("contact_phone").review(),
    Text("notes", 2000),
    Deleted(),
    FixJson("point"),  // schema 6: its gate, surveyed (src "survey") or pinned by a worker
};

constexpr ColumnSpec kPatrols[] = {
    Ref("grid_id").req().fixed(),
    Ref("worker_id").req().fixed(),
    Time("started_at").req().fixed(),
    Time("ended_at"),
    Text("status", 8).req().in(kPatrolStatus),
    JsonText("checklist", 16 * 1024),
    JsonText("route", 256 * 1024),
    Int("findings").range(0, 1000),
    Text("notes", 2000),
    Deleted(),
    // Schema 6: where the patrol began and ended (a worker's whereabouts:
    // sealed on devices), and what its track measured when it ended.
    FixJson("start_fix").personal(),
    FixJson("end_fix").personal(),
    Int("distance_m").range(0, 1'000'000),
    Int("inside_ms").range(0, 7LL * 24 * 3600 * 1000),  // time inside its grid (KPI)
};

constexpr ColumnSpec kVisits[] = {
    Ref("grid_id").req().fixed(),
    Text("target_kind", 16).req().fixed().in(kVisitTargets),
    Ref("target_id").req().fixed(),
    Ref("visitor_id").req().fixed(),
    Time("visited_at").req(),
    Text("purpose", 16).req().in(kVisitPurposes),
    Text("notes", 2000),
    Text("needs", 1000),
    Time("follow_up_at"),
    Deleted(),
    FixJson("fix").personal(),  // schema 6: at a household's door, so sealed as its address is
};

constexpr ColumnSpec kCases[] = {
    Ref("grid_id").req().fixed(),
    Text("source", 16).req().fixed().in(kCaseSources),
    Text("category", 4).req().checked(&is_category_code, "a category code from the code table"),
    Text("severity", 8).req().in(kSeverities),
    Text("title", 100).req(),
    Text("description", 4000).review(),
    JsonText("parties", 8 * 1024).personal(),  // names and phones of the people involved
    Text("location", 200),
    Text("status", 16).req().state().in(kCaseStatusNames),
    Text("route", 16).in(kRoutes),
    Ref("department_id"),
    Ref("assignee_id"),
    Ref("reporter_id").fixed(),
    Text("caller_name", 32).personal(),
    Phone("caller_phone"),
    Bool("confidential").fixed(),  // asked at intake; pulls hide the reporter from other roles
    Time("reported_at").req().fixed(),
    Time("due_at"),
    Text("resolution", 2000),
    Int("score").range(1, 5),
    Int("rework").range(0, 100),
    Ref("patrol_id").fixed(),
    Ref("visit_id").fixed(),
    Deleted(),
    // Schema version 2. The last workflow move and its reason: a status
    // change carries its move, so the server judges it without the log row.
    Text("last_action", 16).in(kCaseActionNames),
    Text("status_note", 2000),
    Bool("deferred"),   // 缓办: left out of what was due (KPIs)
    Time("closed_at"),  // 结案: on time when not after due_at
    FixJson("fix"),     // schema 6: where it was found or reported
};

constexpr ColumnSpec kCaseLog[] = {
    Ref("case_id").req().fixed(),
    Ref("grid_id").req().fixed(),
    Text("action", 16).req().fixed().in(kCaseActionNames),
    Text("from_status", 16).fixed().in(kCaseStatusNames),
    Text("to_status", 16).fixed().in(kCaseStatusNames),
    Ref("actor_id").req().fixed(),
    Text("note", 2000).fixed(),
    Time("at").req().fixed(),
};

constexpr ColumnSpec kTakeovers[] = {
    Ref("grid_id").req().fixed(),
    Ref("department_id").req().fixed(),
    Text("reason", 500).req(),
    Ref("started_by").req().fixed(),
    Time("started_at").req().fixed(),
    Time("ended_at"),
    Ref("ended_by"),
};

constexpr ColumnSpec kConflicts[] = {
    Text("tbl", 32).req().fixed(),
    Ref("row_id").req().fixed(),
    Text("col", 32).req().fixed(),
    Text("kind", 16).req().fixed().in(kConflictKinds),
    Ref("grid_id").req().fixed(),  // the bucket: the grid's workers learn the field is contested
    JsonText("base", 64 * 1024).fixed().holds_copies(),
    JsonText("ours", 64 * 1024).fixed().holds_copies(),    // the value the server held
    JsonText("theirs", 64 * 1024).fixed().holds_copies(),  // the concurrent value (or held patch) that arrived
    Text("status", 16).req().in(kConflictStatus),
    Text("resolution", 16).in(kResolutions),
    JsonText("value", 64 * 1024).holds_copies(),  // the decided value, {"value":..} as the sides hold it
    Ref("resolved_by"),
    Time("resolved_at"),
    // Schema version 3: who brought `theirs`, from which device, and when the
    // server opened it (the queue's filters).
    Ref("author_id").fixed(),
    Text("device", 64).fixed(),
    Time("opened_at").fixed(),
};

// Written by the server (and the office); the recipient marks them read,
// on their own rows only (the server's check of user-bucketed tables).
constexpr ColumnSpec kNotices[] = {
    Ref("user_id").req().fixed().only(kOffice),
    Text("kind", 16).req().fixed().in(kNoticeKinds).only(kOffice),
    Text("title", 100).req().only(kOffice),  // the event: takeover_started, assigned, ... (i18n notices.<title>)
    Text("body", 2000).only(kOffice).holds_copies(),  // the event in words, for readers without the i18n table
    Text("ref_table", 32).only(kOffice),
    Ref("ref_id").only(kOffice),
    Bool("read"),
};

// Schema version 4. A masked number shown in clear (DESIGN §8): recorded on
// the tablet, offline too, and synced up as the audit of who saw what. Only
// its own user writes a row, and nobody changes one.
constexpr ColumnSpec kReveals[] = {
    Ref("user_id").req().fixed(),
    Text("device", 64).req().fixed(),
    Text("tbl", 32).req().fixed(),
    Ref("row_id").req().fixed(),
    Text("col", 32).req().fixed(),
    Ref("grid_id").fixed(),  // the record's grid, where it has one: the audit's context
    Time("at").req().fixed(),
};

// Schema version 5 (issue 22). An evidence photo attached to a record: the
// picture's name (BLAKE2b-256 of its bytes), its thumbnail's and their
// sizes, written once and signed in the device's chain with the record.
// The bytes are not here: they travel on their own queue after the records
// (/v1/blobs, DESIGN §14), checked there against this row's name and size.
constexpr ColumnSpec kAttachments[] = {
    Text("record_table", 16).req().fixed().in(kAttachable),
    Ref("record_id").req().fixed(),
    Ref("grid_id").req().fixed(),  // the record's grid: the bucket, and who may fetch the bytes
    Text("hash", 64).req().fixed().checked(&is_blob_hash, "a BLAKE2b-256 hash in lowercase hex"),
    Int("bytes").req().fixed().range(1, tuning::kPhotoMaxBytes),
    Int("width").req().fixed().range(1, 65535),
    Int("height").req().fixed().range(1, 65535),
    Text("thumb_hash", 64).req().fixed().checked(&is_blob_hash, "a BLAKE2b-256 hash in lowercase hex"),
    Int("thumb_bytes").req().fixed().range(1, tuning::kThumbMaxBytes),
    Ref("author_id").req().fixed(),
    Time("taken_at").req().fixed(),
    Deleted(),  // taken off the record; the bytes stay where the chain names them
};

// Schema version 6 (issue 23). A patrol's track, a segment a row: written
// once while the patrol runs (every kTrackFlushMs) and at its end, so a
// long patrol syncs as it walks and no row is rewritten. Each segment
// starts at the last point of the one before. A worker's movements are
// personal data: sealed on devices.
constexpr ColumnSpec kTracks[] = {
    Ref("patrol_id").req().fixed(),
    Ref("grid_id").req().fixed(),
    Ref("worker_id").req().fixed(),
    Int("seq").req().fixed().range(0, tuning::kTrackSegmentsMax - 1),
    Time("started_at").req().fixed(),
    Time("ended_at").req().fixed(),
    Text("points", 32 * 1024).req().fixed().personal().verified(&geo::verify_track_text),
    Int("length_m").fixed().range(0, 1'000'000),
};

// A check-in (签到) at a grid: where the worker stood and whether that is
// inside the grid's polygon, as the tablet judged it against its copy.
constexpr ColumnSpec kCheckins[] = {
    Ref("grid_id").req().fixed(),
    Ref("user_id").req().fixed(),
    Ref("patrol_id").fixed(),
    Time("at").req().fixed(),
    FixJson("fix").req().fixed().personal(),
    Bool("inside").fixed(),
};

constexpr std::array kTables = {
    TableSpec{"grids", kGrids, BucketRule::global, {}, kOffice, 5},
    TableSpec{"departments", kDepartments, BucketRule::global, {}, kOffice, 5},
    TableSpec{"users", kUsers, BucketRule::global, {}, RoleSet{Role::admin}, 5},
    TableSpec{"assignments", kAssignments, BucketRule::user, "user_id", kOffice, 1},
    TableSpec{"households", kHouseholds, BucketRule::grid, "grid_id", kField, 4},
    TableSpec{"residents", kResidents, BucketRule::grid, "grid_id", kField, 4},
    TableSpec{"enterprises", kEnterprises, BucketRule::grid, "grid_id", kField, 4},
    TableSpec{"patrols", kPatrols, BucketRule::grid, "grid_id", kField, 2},
    TableSpec{"visits", kVisits, BucketRule::grid, "grid_id", kField, 3},
    TableSpec{"cases", kCases, BucketRule::grid, "grid_id", kField, 0},
    TableSpec{"case_log", kCaseLog, BucketRule::grid, "grid_id", kField, 0},
    TableSpec{"takeovers", kTakeovers, BucketRule::global, {}, kOffice, 0},
    TableSpec{"conflicts", kConflicts, BucketRule::grid, "grid_id", RoleSet{Role::admin}, 1},
    TableSpec{"notices", kNotices, BucketRule::user, "user_id", kField, 1},
    TableSpec{"reveals", kReveals, BucketRule::user, "user_id", kField, 3, true},
    // After every record it may be attached to (visits: 3), so its record
    // reaches the server first, in the same batch or one before.
    TableSpec{"attachments", kAttachments, BucketRule::grid, "grid_id", kField, 4},
    // After the patrol they belong to (patrols: 2).
    TableSpec{"tracks", kTracks, BucketRule::grid, "grid_id", kField, 3},
    TableSpec{"checkins", kCheckins, BucketRule::grid, "grid_id", kField, 3},
};

}  // namespace

uint32_t ColumnSpec::limit() const {
  if (max_len) return max_len;
  return type == ColType::json ? 64 * 1024 : 1000;
}

int TableSpec::index_of(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == column) return static_cast<int>(i);
  return -1;
}

const ColumnSpec* TableSpec::find(std::string_view column) const {
  int i = index_of(column);
  return i < 0 ? nullptr : &columns[static_cast<size_t>(i)];
}

bool TableSpec::has_pii() const {
  for (const auto& c : columns)
    if (c.pii) return true;
  return false;
}

std::span<const TableSpec> all_tables() { return kTables; }

const TableSpec* find_table(std::string_view name) {
  for (const auto& t : kTables)
    if (t.name == name) return &t;
  return nullptr;
}

int table_index(const TableSpec& t) { return static_cast<int>(&t - kTables.data()); }

std::string_view type_name(ColType t) {
  switch (t) {
    case ColType::text: return "text";
    case ColType::integer: return "integer";
    case ColType::real: return "real";
    case ColType::boolean: return "boolean";
    case ColType::json: return "json";
  }
  return "text";
}

std::string_view merge_name(Merge m) {
  switch (m) {
    case Merge::lww: return "lww";
    case Merge::review: return "review";
    case Merge::state: return "state";
    case Merge::immutable: return "immutable";
  }
  return "lww";
}

}  // namespace gw
