#include "client/core/store.hpp"

#include <cstdio>

#include "shared/calendar.hpp"

namespace gw::client {

Store::Store(Board& board, std::function<int64_t()> wall) : board_(board), wall_(std::move(wall)) {}

void Store::open(const std::string& path, const std::string& device_id, Me me, HlcTime start,
                 std::shared_ptr<DataKey> key) {
  close();
  r_ = std::make_unique<DeviceReplica>(path, device_id, wall_, start, std::move(key));
  queries_ = std::make_unique<Queries>(r_->db);
  photos_ = std::make_unique<PhotoStore>(r_->db, *r_->key);
  actions_ = std::make_unique<FieldActions>(r_->replica, *queries_, *photos_, &where_);
  track_ = std::make_unique<PatrolTrack>(r_->replica);
  office_ = std::make_unique<GridOffice>(r_->replica, *queries_);
  desk_ = std::make_unique<ConflictDesk>(r_->replica, *queries_);
  me_ = std::move(me);
  refresh(true);
  resume_patrol();
}

void Store::close() {
  // The parts hold references into the replica: they go first.
  track_.reset();  // points not yet written are lost: at most one flush period
  replay_.reset();
  where_.grids.reset();
  desk_.reset();
  office_.reset();
  actions_.reset();
  photos_.reset();
  queries_.reset();
  r_.reset();
  me_ = Me{};
  shown = Shown{};
}

bool Store::command(const std::function<Notice()>& f) {
  if (!r_) {
    board_.notify(Notice{true, "error.not_signed_in", "", ""});
    return false;
  }
  Notice n = f();
  bool ok = !n.error;
  board_.notify(std::move(n));
  refresh(false);
  refresh_cases();
  return ok;
}

void Store::refresh(bool reference_data) {
  if (!r_) return;
  auto home = std::make_shared<HomeView>(queries_->home(me_, wall_()));
  std::shared_ptr<const Catalog> catalog;
  if (reference_data) {
    catalog = std::make_shared<Catalog>(queries_->catalog(me_));
    build_grid_index();
  }
  for (const auto& p : r_->replica.problems())
    home->problems.push_back(ProblemItem{p.table, p.row, p.state, p.code, p.reason, p.id});
  int64_t pending = r_->replica.pending_count();
  int64_t photos_waiting = photos_->waiting();
  std::shared_ptr<const PatrolView> patrol;
  if (!shown.open_patrol.empty())
    if (auto p = queries_->patrol(shown.open_patrol)) {
      p->photos = photos_->attached(shown.open_patrol);
      patrol = std::make_shared<PatrolView>(std::move(*p));
    }
  std::shared_ptr<const CaseDetail> detail;
  if (!shown.open_case.empty())
    if (auto d = queries_->case_detail(me_, shown.open_case, wall_())) {
      for (const auto& p : home->problems)
        if (p.row == shown.open_case) d->problems.push_back(p);
      d->photos = photos_->attached(shown.open_case);
      d->outside_grid = case_outside_grid(shown.open_case);
      detail = std::make_shared<CaseDetail>(std::move(*d));
    }
  board_.publish([&](Snapshot& s) {
    s.sync.pending = pending;
    s.sync.photos_waiting = photos_waiting;
    s.sync.problems = static_cast<int64_t>(home->problems.size());
    s.home = home;
    if (catalog) s.catalog = catalog;
    s.patrol = patrol;
    s.case_detail = detail;
  });
}

void Store::show_photo(const std::string& hash, const Status& fetched) {
  if (!r_ || hash != shown.photo) return;
  auto v = std::make_shared<PhotoViewer>();
  v->hash = hash;
  if (auto jpeg = photos_->read(hash)) {
    v->state = PhotoViewer::State::ready;
    v->jpeg = std::move(*jpeg);
    photos_->touch(hash, wall_());
  } else if (!fetched) {
    v->state = fetched.code() == Code::state ? PhotoViewer::State::pending : PhotoViewer::State::failed;
    v->error = fetched.error().message;
  }
  board_.publish([&](Snapshot& s) { s.photo = v; });
}

void Store::close_photo() {
  shown.photo.clear();
  board_.publish([](Snapshot& s) { s.photo.reset(); });
}

void Store::refresh_targets() {
  if (!r_ || !shown.targets) return;
  auto t = std::make_shared<TargetList>(queries_->targets(me_, *shown.targets));
  auto detail = target_detail();
  board_.publish([&](Snapshot& s) {
    s.targets = t;
    s.target = detail;
  });
}

void Store::refresh_target() {
  if (!r_) return;
  auto detail = target_detail();
  board_.publish([&](Snapshot& s) { s.target = detail; });
}

std::shared_ptr<const TargetDetail> Store::target_detail() {
  if (!shown.target) return nullptr;
  auto d = queries_->target_detail(me_, shown.target->first, shown.target->second);
  for (auto& v : d.visits) v.photos = photos_->attached(v.id);
  return std::make_shared<TargetDetail>(std::move(d));
}

void Store::publish_revealed() {
  int64_t now = wall_();
  std::erase_if(shown.revealed, [&](const RevealedNumber& r) { return r.until <= now; });
  auto list = std::make_shared<const std::vector<RevealedNumber>>(shown.revealed);
  board_.publish([&](Snapshot& s) { s.revealed = list; });
}

void Store::refresh_cases() {
  if (!r_) return;
  int64_t now = wall_();
  std::shared_ptr<const CaseList> cases;
  std::shared_ptr<const DispatchQueue> dispatch;
  std::shared_ptr<KpiView> kpi;
  std::shared_ptr<const TakeoverConsole> console;
  std::shared_ptr<const GridMapView> map;
  std::shared_ptr<const ConflictQueue> conflicts;
  std::shared_ptr<const RecordConflicts> record;
  if (shown.takeover_console) console = std::make_shared<TakeoverConsole>(office_->console());
  if (shown.grid_map) {
    auto m = std::make_shared<GridMapView>(queries_->grid_map(me_, now));
    if (track_ && track_->active()) m->live = TrackLine{track_->patrol_id(), "", track_->live()};
    if (replay_) m->replay = replay_view();
    map = std::move(m);
  }
  if (shown.conflicts) conflicts = std::make_shared<ConflictQueue>(desk_->queue(*shown.conflicts, now));
  if (shown.conflict_record) {
    auto r = std::make_shared<RecordConflicts>(
        desk_->record(me_, shown.conflict_record->first, shown.conflict_record->second));
    // The evidence beside a contested case: an admin deciding its fields sees what was photographed.
    r->photos = photos_->attached(r->row_id);
    record = std::move(r);
  }
  if (shown.cases) cases = std::make_shared<CaseList>(queries_->cases(me_, *shown.cases, now));
  if (shown.dispatch_stage)
    dispatch = std::make_shared<DispatchQueue>(queries_->dispatch_queue(me_, *shown.dispatch_stage, now));
  if (shown.kpi) {
    kpi = std::make_shared<KpiView>(
        queries_->kpi(shown.kpi->from, shown.kpi->to, std::string(kpi_group_name(shown.kpi->group))));
    kpi->exported_to = shown.kpi_exported_to;
  }
  board_.publish([&](Snapshot& s) {
    if (cases) s.cases = cases;
    if (dispatch) s.dispatch = dispatch;
    if (kpi) s.kpi = kpi;
    if (console) s.takeover = console;
    if (map) s.grid_map = map;
    if (conflicts) s.conflicts = conflicts;
    if (record) s.conflict_record = record;
  });
}

// ---- location (issue 23) ------------------------------------------------------

// Only grids with a polygon: a grid drawn nowhere places nothing.
void Store::build_grid_index() {
  std::vector<GridIndex::Entry> entries;
  auto s = r_->db.prepare(
      "SELECT id, IFNULL(parent_id, ''), IFNULL(code, ''), IFNULL(name, ''), IFNULL(level, 0), polygon FROM grids "
      "WHERE IFNULL(deleted, 0) = 0 AND polygon IS NOT NULL");
  while (s.step()) {
    auto poly = geo::parse_polygon(s.text(5));
    if (!poly) continue;  // refused where it was written; a bad copy here places nothing
    entries.push_back(GridIndex::Entry{std::string(s.text(0)), std::string(s.text(1)), std::string(s.text(2)),
                                       std::string(s.text(3)), static_cast<int>(s.int64(4)), std::move(*poly),
                                       geo::Box{}});
  }
  where_.grids = std::make_shared<const GridIndex>(std::move(entries));
  board_.publish([&](Snapshot& snap) { snap.grid_index = where_.grids; });
  publish_location();  // the grid under the fix may have changed
}

// A patrol of this user still active when the app opened (it was closed or
// crashed mid-patrol): its track goes on.
void Store::resume_patrol() {
  auto s = r_->db.prepare(
      "SELECT id FROM patrols WHERE worker_id = ? AND status = 'active' AND IFNULL(deleted, 0) = 0 "
      "ORDER BY started_at DESC LIMIT 1");
  s.bind(1, me_.user_id);
  std::string id = s.step() ? std::string(s.text(0)) : std::string();
  s.reset();
  if (!id.empty()) track_patrol(id);
}

void Store::track_patrol(const std::string& patrol_id) {
  if (!r_) return;
  auto view = queries_->patrol(patrol_id);
  if (!view || view->status != "active") return;
  if (auto st = track_->begin(patrol_id, view->grid_id, me_.user_id); !st) board_.notify(error_notice(st.error()));
}

bool Store::on_fix(const geo::Fix& f) {
  if (!geo::check_fix(f)) return false;  // the source filters; this is the last line
  where_.fix = f;
  location_.state = LocationView::State::fix;
  location_.fix = f;
  publish_location();
  if (!r_ || !track_ || !track_->active()) return false;
  size_t before = track_->kept();
  auto wrote = track_->offer(f);
  if (!wrote) {
    board_.notify(error_notice(wrote.error()));
    return false;
  }
  if (*wrote) refresh(false);  // the unsynced count
  if (*wrote || track_->kept() != before) publish_live();
  return *wrote;
}

void Store::on_location_state(LocationView::State st) {
  location_.state = st;
  if (st != LocationView::State::fix) where_.fix.reset();  // an old fix is not where the tablet is now
  publish_location();
}

void Store::publish_location() {
  location_.grid_id.clear();
  if (location_.state == LocationView::State::fix && where_.grids)
    if (const GridIndex::Entry* g = where_.grids->grid_at(location_.fix.at_point)) location_.grid_id = g->id;
  board_.publish([&](Snapshot& s) { s.location = location_; });
}

// Only the running line changes: the rest of the map is shared as it was.
void Store::publish_live() {
  if (!shown.grid_map) return;
  TrackLine line{track_->patrol_id(), "", track_->live()};
  board_.publish([&](Snapshot& s) {
    if (!s.grid_map) return;
    auto m = std::make_shared<GridMapView>(*s.grid_map);
    m->live = std::move(line);
    s.grid_map = std::move(m);
  });
}

bool Store::case_outside_grid(const std::string& case_id) {
  auto s = r_->db.prepare("SELECT fix, grid_id FROM cases WHERE id = ? AND fix IS NOT NULL");
  s.bind(1, case_id);
  if (!s.step() || !where_.grids) return false;
  auto fix = geo::parse_fix(s.text(0));
  const GridIndex::Entry* g = where_.grids->find(std::string(s.text(1)));
  // A grid drawn nowhere cannot say: not flagged.
  return fix && g && !geo::contains(g->polygon, fix->at_point);
}

namespace {
std::optional<CivilDate> parse_day(const std::string& day) {
  int y = 0, mo = 0, d = 0;
  if (day.size() != 10 || std::sscanf(day.c_str(), "%4d-%2d-%2d", &y, &mo, &d) != 3) return std::nullopt;
  CivilDate c{y, mo, d};
  if (mo < 1 || mo > 12 || d < 1 || civil_from_days(days_from_civil(c)) != c) return std::nullopt;
  return c;
}
}  // namespace

void Store::load_replay(const std::string& worker_id, const std::string& day) {
  if (!parse_day(day)) return board_.notify(Notice{true, "error.bad_day", day, ""});
  replay_.emplace(worker_id, day);
  shown.grid_map = true;  // the replay is drawn on the map: loaded with it
  refresh_cases();
}

// Rebuilt with the map, so a sync bringing more of the day's segments shows them.
std::shared_ptr<const ReplayView> Store::replay_view() {
  const auto& [worker_id, day] = *replay_;
  auto v = std::make_shared<ReplayView>();
  v->worker_id = worker_id;
  v->day = day;
  v->worker_name = queries_->user_name(worker_id);
  int64_t from = days_from_civil(*parse_day(day)) * 86'400'000 - kChinaOffsetMs;
  int64_t to = from + 86'400'000;
  // Patrols with a segment that day, by their first segment's start.
  auto s = r_->db.prepare(
      "SELECT patrol_id, grid_id FROM tracks WHERE worker_id = ? AND started_at >= ? AND started_at < ? "
      "GROUP BY patrol_id, grid_id ORDER BY MIN(started_at)");
  s.bind(1, worker_id).bind(2, from).bind(3, to);
  std::vector<std::pair<std::string, std::string>> patrols;
  while (s.step()) patrols.emplace_back(s.text(0), s.text(1));
  s.reset();
  for (const auto& [patrol, grid] : patrols) {
    auto points = PatrolTrack::load(r_->db, patrol);
    if (!points) {
      board_.notify(error_notice(points.error()));
      continue;
    }
    v->length_m += geo::length_m(*points);
    if (where_.grids)
      if (const GridIndex::Entry* g = where_.grids->find(grid)) v->inside_ms += geo::time_inside_ms(*points, g->polygon);
    v->lines.push_back(TrackLine{patrol, grid, std::move(*points)});
  }
  auto c = r_->db.prepare(
      "SELECT gw_open(fix, 'checkins.fix') FROM checkins WHERE user_id = ? AND at >= ? AND at < ? "
      "ORDER BY at");
  c.bind(1, worker_id).bind(2, from).bind(3, to);
  while (c.step())
    if (auto f = geo::parse_fix(c.text(0))) v->checkins.push_back(*f);
  c.reset();
  return v;
}

}  // namespace gw::client
