#include "client/core/store.hpp"

namespace gw::client {

Store::Store(Board& board, std::function<int64_t()> wall) : board_(board), wall_(std::move(wall)) {}

void Store::open(const std::string& path, const std::string& device_id, Me me, HlcTime start,
                 std::shared_ptr<DataKey> key) {
  close();
  r_ = std::make_unique<DeviceReplica>(path, device_id, wall_, start, std::move(key));
  queries_ = std::make_unique<Queries>(r_->db);
  photos_ = std::make_unique<PhotoStore>(r_->db, *r_->key);
  actions_ = std::make_unique<FieldActions>(r_->replica, *queries_, *photos_);
  office_ = std::make_unique<GridOffice>(r_->replica, *queries_);
  desk_ = std::make_unique<ConflictDesk>(r_->replica, *queries_);
  me_ = std::move(me);
  refresh(true);
}

void Store::close() {
  // The parts hold references into the replica: they go first.
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
  if (reference_data) catalog = std::make_shared<Catalog>(queries_->catalog(me_));
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
  if (shown.grid_map) map = std::make_shared<GridMapView>(queries_->grid_map(me_, now));
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

}  // namespace gw::client
