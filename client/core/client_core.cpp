#include "client/core/client_core.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "client/core/board.hpp"
#include "client/core/location.hpp"
#include "client/core/reveals.hpp"
#include "client/core/session.hpp"
#include "client/core/settings_file.hpp"
#include "client/core/store.hpp"
#include "client/core/sync_scheduler.hpp"
#include "client/core/tuning.hpp"
#include "client/core/worker.hpp"
#include "shared/kpi.hpp"
#include "shared/tuning.hpp"

namespace gw::client {

namespace fs = std::filesystem;

namespace {

int64_t system_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Settings initial_settings(const CoreOptions& opt) {
  fs::create_directories(opt.data_dir);
  Settings s = load_settings(opt.data_dir);
  if (!opt.server_url.empty()) s.server_url = opt.server_url;
  return sanitized(s);
}

}  // namespace

// Three threads, each owning its part (DESIGN §2): the network thread the
// Session and the SyncScheduler, the store thread the Store, the watch
// thread the long-poll. The UI thread touches only the Board. What crosses
// from one part to another (a sign-in opens the store, a sync refreshes
// its views, a lock closes both) is posted as a job here.
struct ClientCore::Impl {
  explicit Impl(CoreOptions o);
  ~Impl();

  CoreOptions opt;
  std::function<int64_t()> wall;
  Board board;
  Session session;  // network thread
  SyncScheduler scheduler;  // network thread
  Store store;  // store thread
  Worker store_worker, net_worker, watch_worker;
  // The last touch of the UI (Unix ms): auto-lock counts idle time from it.
  std::atomic<int64_t> last_touch{0};
  std::atomic<uint64_t> lock_generation{0};
  // gpsd's reports (--gpsd), handed to the store thread; none without it.
  std::unique_ptr<LocationSource> location;

  void on_store(std::function<void()> job) { board.post(store_worker, std::move(job)); }
  void on_net(std::function<void()> job) { board.post(net_worker, std::move(job)); }

  // network thread
  void sign_in(const std::string& username, const std::string& secret);
  void close_net();
  void lock(bool by_idle);
  void schedule_lock_check(int64_t delay_ms);
  void check_idle();
  bool wipe_device(net::HttpTransport& http, const std::string& why);  // false: not yet (no link)
  void after_sync(HlcTime seen);
  // store thread: a local edit, then a sync soon if it was recorded
  void command(const std::function<Notice()>& f);
};

ClientCore::Impl::Impl(CoreOptions o)
    : opt(std::move(o)),
      wall(opt.wall ? opt.wall : std::function<int64_t()>(system_ms)),
      board(initial_settings(opt)),
      session(opt, board, wall),
      scheduler(opt, board, session, net_worker, watch_worker, wall,
                SyncScheduler::Hooks{[this](HlcTime seen) { after_sync(seen); },
                                     [this](net::HttpTransport& http, const std::string& why) {
                                       return wipe_device(http, why);
                                     },
                                     [this](const std::string& opened, const Status& outcome) {
                                       on_store([this, opened, outcome] {
                                         if (opened.empty()) return store.refresh(false);
                                         store.show_photo(opened, outcome);
                                       });
                                     }}),
      store(board, wall) {
  store_worker.start();
  net_worker.start();
  watch_worker.start();
  if (!opt.gpsd.empty()) {
    // Not counted by the board: a receiver's steady reports must not keep
    // wait_idle() waiting. Fixes reach the store thread in order.
    LocationSource::Sink sink{
        [this](LocationView::State st) { store_worker.post([this, st] { store.on_location_state(st); }); },
        [this](const geo::Fix& f) {
          store_worker.post([this, f] {
            if (store.on_fix(f)) on_net([this] { scheduler.plan(tuning::kSyncAfterEditMs); });
          });
        }};
    location = std::make_unique<LocationSource>(opt.gpsd, std::move(sink));
  }
}

ClientCore::Impl::~Impl() {
  // Location first (it posts to the store thread), then the network: the
  // long-poll is cut short, a sync in flight finishes its exchange, then
  // the store thread drains the refreshes it queued.
  location.reset();
  scheduler.close();
  watch_worker.stop();
  net_worker.stop();
  store_worker.stop();
}

// ---- sign-in and lock (network thread) ----------------------------------------

void ClientCore::Impl::sign_in(const std::string& username, const std::string& secret) {
  auto fail = [&](std::string key, std::string detail) {
    board.publish([&](Snapshot& s) {
      s.session.busy = false;
      s.session.error_key = std::move(key);
      s.session.error_detail = std::move(detail);
    });
  };
  if (std::string refused = Session::refusal(username, secret); !refused.empty())
    return fail(refused, refused == "error.bad_username" ? username : "");
  close_net();
  SignIn in = session.sign_in(username, secret);
  if (in.outcome == SignIn::Outcome::revoked) {
    if (!wipe_device(session.transport(), in.detail)) fail("error.device_revoked_pending", in.detail);
    return;
  }
  if (in.outcome == SignIn::Outcome::failed) return fail(in.error_key, in.detail);
  const Account& a = session.account();
  Me me{a.user_id, RoleSet::parse(a.roles).value_or(RoleSet{})};
  on_store([this, path = session.user_dir() + "/replica.db", id = a.device_id, me, start = a.clock,
            key = session.data_key()] { store.open(path, id, me, start, key); });
  last_touch = wall();
  schedule_lock_check(tuning::kAutoLockCheckMs);
  board.publish([&](Snapshot& s) {
    s.session = SessionView{true, false, in.offline, a.user_id, a.username, a.name, a.roles,
                            !a.key_by_pin.empty(), "", "", false};
    s.sync = SyncView{};
    s.sync.link = in.offline ? Link::unknown : Link::online;
  });
  scheduler.plan(0);
}

void ClientCore::Impl::close_net() {
  scheduler.cancel();
  ++lock_generation;
  // The store thread's replica holds the data key too: it is wiped there,
  // after that replica is closed (lock(), sign_out()).
  session.close();
}

// The key leaves memory and every view of personal data goes; the unlock
// screen asks for the PIN or password (sign_in, offline); sync waits.
void ClientCore::Impl::lock(bool by_idle) {
  if (!session.is_open()) return;
  std::shared_ptr<DataKey> key = session.data_key();
  close_net();
  board.publish([&](Snapshot& s) {
    SessionView locked;
    locked.username = s.session.username;
    locked.name = s.session.name;
    locked.locked = true;
    s.session = std::move(locked);
    s.sync = SyncView{};
  });
  // The views go on the store thread, after any refresh queued before.
  on_store([this, key] {
    store.close();
    if (key) key->wipe();
    board.publish([](Snapshot& s) {
      Snapshot empty;
      empty.settings = s.settings;
      empty.session = s.session;
      empty.sync = s.sync;
      empty.version = s.version;
      s = std::move(empty);
    });
  });
  if (by_idle) board.notify(Notice{false, "notice.locked_idle", "", ""});
}

void ClientCore::Impl::schedule_lock_check(int64_t delay_ms) {
  uint64_t gen = ++lock_generation;
  net_worker.post_at(Worker::Clock::now() + std::chrono::milliseconds(delay_ms), [this, gen] {
    if (gen == lock_generation.load()) check_idle();
  });
}

// Locks when the UI has been idle past the setting (0: never); else looks
// again later.
void ClientCore::Impl::check_idle() {
  if (!session.is_open() || !opt.auto_lock) return;
  int64_t minutes = board.settings().auto_lock_minutes;
  if (minutes > 0 && wall() - last_touch.load() >= minutes * 60 * 1000) return lock(true);
  schedule_lock_check(tuning::kAutoLockCheckMs);
}

// The wipe order (DESIGN §8): an admin revoked this tablet. What it recorded
// and never pushed goes to the server first (held there for review, so no
// record is lost); then the replica, the device key and the account go.
bool ClientCore::Impl::wipe_device(net::HttpTransport& http, const std::string& why) {
  if (!session.hand_over(http)) return false;
  close_net();
  std::string dir = session.forget();
  on_store([this, dir, why] {
    store.close();  // closes the store's connection before the files go
    std::error_code ec;
    fs::remove_all(dir, ec);
    board.publish([](Snapshot& s) {
      Settings keep = s.settings;
      s = Snapshot{};
      s.settings = keep;
    });
    board.notify(Notice{true, "error.device_wiped", why, ""});
  });
  return true;
}

// The store thread's clock learns what the server's answers taught the
// session's, then every view is rebuilt on the new data.
void ClientCore::Impl::after_sync(HlcTime seen) {
  on_store([this, seen] {
    if (!store.is_open()) return;
    (void)store.replica().clock.fold(seen, gw::tuning::kClientFoldAheadMs);
    store.refresh(true);
    store.refresh_targets();
    store.refresh_cases();
  });
}

void ClientCore::Impl::command(const std::function<Notice()>& f) {
  if (store.command(f)) on_net([this] { scheduler.plan(tuning::kSyncAfterEditMs); });
}

// ---- public API ---------------------------------------------------------------

ClientCore::ClientCore(CoreOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
ClientCore::~ClientCore() = default;

void ClientCore::sign_in(const std::string& username, const std::string& secret) {
  impl_->board.publish([](Snapshot& s) {
    s.session.busy = true;
    s.session.error_key.clear();
    s.session.error_detail.clear();
  });
  impl_->on_net([i = impl_.get(), username, secret] { i->sign_in(username, secret); });
}

void ClientCore::set_pin(const std::string& pin) {
  impl_->on_net([i = impl_.get(), pin] {
    Notice n = i->session.set_pin(pin);
    if (!n.error) i->board.publish([](Snapshot& s) { s.session.has_pin = true; });
    i->board.notify(std::move(n));
  });
}

void ClientCore::sign_out() {
  impl_->on_net([i = impl_.get()] {
    // The token goes: a tablet left signed out cannot sync without the
    // password. The replica, the outbox and the verifiers stay.
    i->session.drop_token();
    std::shared_ptr<DataKey> key = i->session.data_key();
    i->close_net();
    i->on_store([i, key] {
      i->store.close();
      if (key) key->wipe();
    });
    i->board.publish([](Snapshot& s) {
      Settings keep = s.settings;
      s = Snapshot{};
      s.settings = keep;
    });
  });
}

void ClientCore::lock() {
  impl_->on_net([i = impl_.get()] { i->lock(false); });
}

void ClientCore::touch() { impl_->last_touch = impl_->wall(); }

void ClientCore::lock_if_idle() {
  impl_->on_net([i = impl_.get()] { i->check_idle(); });
}

void ClientCore::change_password(const std::string& old_password, const std::string& new_password) {
  impl_->on_net([i = impl_.get(), old_password, new_password] {
    i->board.notify(i->session.change_password(old_password, new_password));
  });
}

void ClientCore::sync_now() {
  impl_->scheduler.interrupt();  // a photo upload under way yields to this sync
  impl_->on_net([i = impl_.get()] {
    if (!i->session.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    i->scheduler.run_now();
  });
}

namespace {
template <class T>
Notice made(const Result<T>& r, const char* key) {
  if (!r) return error_notice(r.error());
  Notice n{false, key, "", ""};
  if constexpr (std::is_same_v<T, std::string>) n.ref = *r;
  return n;
}
Notice done(const Status& st, const char* key) { return st ? Notice{false, key, "", ""} : error_notice(st.error()); }
}  // namespace

void ClientCore::start_patrol(const std::string& grid_id) {
  impl_->on_store([i = impl_.get(), grid_id] {
    i->command([&] {
      auto id = i->store.actions().start_patrol(i->store.me(), grid_id);
      if (id) {
        i->store.shown.open_patrol = *id;
        i->store.track_patrol(*id);  // its track records from the next fix
      }
      return made(id, "notice.patrol_started");
    });
  });
}

void ClientCore::open_patrol(const std::string& patrol_id) {
  impl_->on_store([i = impl_.get(), patrol_id] {
    i->store.shown.open_patrol = patrol_id;
    i->store.refresh(false);
  });
}

void ClientCore::mark_check(const std::string& patrol_id, const std::string& item, CheckMark mark,
                            const std::string& note) {
  impl_->on_store([i = impl_.get(), patrol_id, item, mark, note] {
    i->command([&] { return done(i->store.actions().mark_check(patrol_id, item, mark, note), "notice.saved"); });
  });
}

void ClientCore::report_finding(const std::string& patrol_id, const std::string& item, const std::string& note) {
  impl_->on_store([i = impl_.get(), patrol_id, item, note] {
    i->command([&] {
      return made(i->store.actions().report_finding(i->store.me(), patrol_id, item, note), "notice.finding_reported");
    });
  });
}

void ClientCore::end_patrol(const std::string& patrol_id, const std::string& notes) {
  impl_->on_store([i = impl_.get(), patrol_id, notes] {
    i->command([&] {
      return done(i->store.actions().end_patrol(patrol_id, notes, i->store.track()), "notice.patrol_ended");
    });
  });
}

void ClientCore::check_in(const std::string& grid_id, const std::string& patrol_id) {
  impl_->on_store([i = impl_.get(), grid_id, patrol_id] {
    i->command([&] {
      if (i->store.is_open() && !i->store.where().fix) return Notice{true, "error.no_fix", "", ""};
      return made(i->store.actions().check_in(i->store.me(), grid_id, patrol_id), "notice.checked_in");
    });
  });
}

void ClientCore::record_visit(const NewVisit& visit) {
  impl_->on_store([i = impl_.get(), visit] {
    i->command([&] { return made(i->store.actions().record_visit(i->store.me(), visit), "notice.visit_saved"); });
    i->store.refresh_target();
  });
}

void ClientCore::create_case(const NewCase& c) {
  impl_->on_store([i = impl_.get(), c] {
    i->command([&] {
      auto id = i->store.actions().create_case(i->store.me(), c);
      if (id) i->store.shown.open_case = *id;
      return made(id, "notice.case_saved");
    });
  });
}

void ClientCore::case_action(const std::string& case_id, const std::string& action, const CaseActionInput& in) {
  impl_->on_store([i = impl_.get(), case_id, action, in] {
    i->command([&] { return done(i->store.actions().case_action(i->store.me(), case_id, action, in), "notice.case_updated"); });
  });
}

void ClientCore::attach_photos(const std::string& table, const std::string& record_id,
                               const std::vector<PhotoSource>& files) {
  impl_->on_store([i = impl_.get(), table, record_id, files] {
    i->command([&] {
      return done(i->store.actions().attach_photos(i->store.me(), table, record_id, files), "notice.photos_attached");
    });
  });
}

void ClientCore::open_photo(const std::string& hash) {
  impl_->on_store([i = impl_.get(), hash] {
    i->store.shown.photo = hash;
    i->store.show_photo(hash);
    if (i->store.is_open() && !i->store.has_photo(hash))
      i->on_net([i, hash] { i->scheduler.fetch_photo(hash); });
  });
}

void ClientCore::close_photo() {
  impl_->on_store([i = impl_.get()] { i->store.close_photo(); });
}

void ClientCore::save_settings(const Settings& settings) {
  Settings s = sanitized(settings);
  impl_->board.publish([&](Snapshot& snap) { snap.settings = s; });
  impl_->on_net([i = impl_.get(), s] {
    if (auto st = gw::client::save_settings(i->opt.data_dir, s); !st) return i->board.notify(error_notice(st.error()));
    i->board.notify(Notice{false, "notice.settings_saved", "", ""});
    if (i->session.is_open()) i->scheduler.plan(0);  // a new server address is tried at once
  });
}

void ClientCore::dismiss_problem(const std::string& patch_id) {
  impl_->on_store([i = impl_.get(), patch_id] {
    i->command([&] {
      if (!i->store.replica().replica.dismiss(patch_id)) return Notice{true, "error.not_found", patch_id, ""};
      return Notice{false, "notice.problem_dismissed", "", ""};
    });
  });
}

void ClientCore::mark_notice_read(const std::string& notice_id) {
  impl_->on_store([i = impl_.get(), notice_id] {
    i->command([&] { return done(i->store.actions().mark_notice_read(i->store.me(), notice_id), "notice.notice_read"); });
  });
}

void ClientCore::edit_target(const std::string& kind, const std::string& id,
                             const std::vector<std::pair<std::string, std::string>>& fields) {
  impl_->on_store([i = impl_.get(), kind, id, fields] {
    i->command([&] { return done(i->store.actions().edit_target(kind, id, fields), "notice.record_saved"); });
  });
}

void ClientCore::start_takeover(const std::string& unit_grid_id, const std::string& reason) {
  impl_->on_store([i = impl_.get(), unit_grid_id, reason] {
    i->command([&] {
      return made(i->store.office().start_takeover(i->store.me(), unit_grid_id, reason), "notice.takeover_started");
    });
  });
}

void ClientCore::end_takeover(const std::string& takeover_id) {
  impl_->on_store([i = impl_.get(), takeover_id] {
    i->command([&] { return done(i->store.office().end_takeover(i->store.me(), takeover_id), "notice.takeover_ended"); });
  });
}

void ClientCore::move_responsibility(const std::string& assignment_id, const std::string& to_grid_id) {
  impl_->on_store([i = impl_.get(), assignment_id, to_grid_id] {
    i->command([&] {
      return made(i->store.office().move_responsibility(i->store.me(), assignment_id, to_grid_id),
                  "notice.responsibility_moved");
    });
  });
}

void ClientCore::resolve_conflicts(const std::vector<ConflictDecision>& decisions) {
  impl_->on_store([i = impl_.get(), decisions] {
    i->command([&] {
      auto n = i->store.desk().decide(i->store.me(), decisions);
      if (!n) return error_notice(n.error());
      return Notice{false, "notice.conflicts_resolved", std::to_string(*n), ""};
    });
  });
}

void ClientCore::load_conflicts(const ConflictFilter& f) {
  impl_->on_store([i = impl_.get(), f] {
    if (!i->store.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.shown.conflicts = f;
    i->store.refresh_cases();
  });
}

void ClientCore::open_conflict_record(const std::string& table, const std::string& row_id) {
  impl_->on_store([i = impl_.get(), table, row_id] {
    if (!i->store.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.shown.conflict_record.emplace(table, row_id);
    i->store.refresh_cases();
  });
}

// The log stays on the server: asked for on the network thread, answered
// into the snapshot; offline, the error says so and the record's
// conflicts (base, both sides) still show from the replica.
void ClientCore::load_history(const std::string& table, const std::string& row_id) {
  auto loading = std::make_shared<RecordHistory>();
  loading->table = table, loading->row_id = row_id, loading->loading = true;
  impl_->board.publish([&](Snapshot& s) { s.history = loading; });
  impl_->on_net([i = impl_.get(), table, row_id] {
    auto h = std::make_shared<RecordHistory>();
    h->table = table, h->row_id = row_id;
    if (!i->session.is_open()) {
      h->error = "not signed in";
    } else {
      auto body = i->session.transport().get("/v1/history?table=" + table + "&row=" + row_id, tuning::kRequestTimeoutMs);
      auto decoded = body ? decode_history(*body) : Result<RecordHistory>(body.error());
      if (decoded) *h = std::move(*decoded);
      else h->error = std::string(code_name(decoded.error().code)) + ": " + decoded.error().message;
    }
    i->board.publish([&](Snapshot& s) { s.history = h; });
  });
}

void ClientCore::load_takeover_console() {
  impl_->on_store([i = impl_.get()] {
    if (!i->store.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.shown.takeover_console = true;
    i->store.refresh_cases();
  });
}

void ClientCore::load_grid_map() {
  impl_->on_store([i = impl_.get()] {
    if (!i->store.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.shown.grid_map = true;
    i->store.refresh_cases();
  });
}

void ClientCore::load_replay(const std::string& worker_id, const std::string& day) {
  impl_->on_store([i = impl_.get(), worker_id, day] {
    if (!i->store.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.load_replay(worker_id, day);
  });
}

void ClientCore::search_targets(const TargetQuery& q) {
  impl_->on_store([i = impl_.get(), q] {
    i->store.shown.targets = q;
    i->store.refresh_targets();
  });
}

void ClientCore::open_target(const std::string& kind, const std::string& id) {
  impl_->on_store([i = impl_.get(), kind, id] {
    if (!i->store.is_open()) return;
    if (id.empty()) i->store.shown.target.reset();
    else i->store.shown.target.emplace(kind, id);
    if (!i->store.shown.targets) i->store.shown.targets = TargetQuery{};
    i->store.refresh_targets();
  });
}

void ClientCore::reveal(const std::string& table, const std::string& row_id, const std::string& column) {
  impl_->on_store([i = impl_.get(), table, row_id, column] {
    if (!i->store.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    auto text = reveal_number(i->store.replica().replica, i->store.me(), table, row_id, column);
    if (!text) return i->board.notify(error_notice(text.error()));
    int64_t until = i->wall() + tuning::kRevealShowMs;
    std::erase_if(i->store.shown.revealed, [&](const RevealedNumber& r) {
      return r.table == table && r.row_id == row_id && r.column == column;
    });
    i->store.shown.revealed.push_back(RevealedNumber{table, row_id, column, *text, until});
    i->store.publish_revealed();
    i->board.notify(Notice{false, "notice.revealed", "", ""});
    i->store.refresh(false);  // the unsynced count: the reveal's record waits to go up
    // Not counted as in flight: wait_idle() must not wait out the display time.
    i->store_worker.post_at(Worker::Clock::now() + std::chrono::milliseconds(tuning::kRevealShowMs),
                            [i] { i->store.publish_revealed(); });
    i->on_net([i] { i->scheduler.plan(tuning::kSyncAfterEditMs); });
  });
}

void ClientCore::export_audit_csv(int64_t from_ms, int64_t to_ms) {
  impl_->on_net([i = impl_.get(), from_ms, to_ms] {
    if (!i->session.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    auto body = i->session.transport().get("/v1/audit?from=" + std::to_string(from_ms) + "&to=" + std::to_string(to_ms) +
                                       "&format=csv",
                                   tuning::kRequestTimeoutMs);
    if (!body) {
      // The audit lives on the server: with no link there is nothing to export.
      if (body.error().code == Code::offline) return i->board.notify(Notice{true, "error.audit_offline", "", ""});
      return i->board.notify(error_notice(body.error()));
    }
    fs::path dir = fs::path(i->opt.data_dir) / "exports";
    fs::path file = dir / ("audit-" + std::to_string(from_ms) + "-" + std::to_string(to_ms) + ".csv");
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << "\xEF\xBB\xBF" << *body;  // a byte-order mark, as the KPI export: spreadsheets read UTF-8 right
    out.close();
    if (!out) return i->board.notify(Notice{true, "error.io", "cannot write " + file.string(), ""});
    i->board.notify(Notice{false, "notice.audit_exported", file.string(), ""});
  });
}

void ClientCore::list_cases(const CaseFilter& f) {
  impl_->on_store([i = impl_.get(), f] {
    i->store.shown.cases = f;
    i->store.refresh_cases();
  });
}

void ClientCore::open_case(const std::string& case_id) {
  impl_->on_store([i = impl_.get(), case_id] {
    i->store.shown.open_case = case_id;
    i->store.refresh(false);
  });
}

void ClientCore::list_dispatch(const std::string& stage) {
  impl_->on_store([i = impl_.get(), stage] {
    i->store.shown.dispatch_stage = stage;
    i->store.refresh_cases();
  });
}

void ClientCore::load_kpi(const std::string& from, const std::string& to, const std::string& group) {
  impl_->on_store([i = impl_.get(), from, to, group] {
    if (!i->store.is_open()) return i->board.notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.shown.kpi_exported_to.clear();
    auto g = kpi_group_from_name(group);
    if (!g) {
      // The view says what is wrong; nothing stays loaded to refresh or export.
      i->store.shown.kpi.reset();
      auto v = std::make_shared<KpiView>(i->store.queries().kpi(from, to, group));
      return i->board.publish([&](Snapshot& s) { s.kpi = v; });
    }
    i->store.shown.kpi = KpiQuery{from, to, *g, {}};
    i->store.refresh_cases();
  });
}

void ClientCore::export_kpi_csv() {
  impl_->on_store([i = impl_.get()] {
    if (!i->store.is_open() || !i->store.shown.kpi) return i->board.notify(Notice{true, "error.not_found", "no KPI report loaded", ""});
    auto r = compute_kpi(i->store.replica().db, *i->store.shown.kpi);
    if (!r) return i->board.notify(error_notice(r.error()));
    const KpiQuery& q = *i->store.shown.kpi;
    fs::path dir = fs::path(i->opt.data_dir) / "exports";
    fs::path file = dir / ("kpi-" + std::string(kpi_group_name(q.group)) + "-" + q.from + "-" + q.to + ".csv");
    std::error_code ec;
    fs::create_directories(dir, ec);
    // UTF-8 with a byte-order mark: spreadsheet programs then read the Chinese names right.
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << "\xEF\xBB\xBF" << kpi_csv(*r);
    out.close();
    if (!out) return i->board.notify(Notice{true, "error.io", "cannot write " + file.string(), ""});
    i->store.shown.kpi_exported_to = file.string();
    i->board.notify(Notice{false, "notice.kpi_exported", file.string(), ""});
    i->store.refresh_cases();
  });
}

Snapshot ClientCore::snapshot() const { return impl_->board.snapshot(); }

std::vector<Notice> ClientCore::take_notices() { return impl_->board.take_notices(); }

void ClientCore::wait_idle() { impl_->board.wait_idle(); }

}  // namespace gw::client
