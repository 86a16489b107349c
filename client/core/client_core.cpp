#include "client/core/client_core.hpp"

#include <sodium.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "client/core/account.hpp"
#include "client/core/backoff.hpp"
#include "client/core/data_key.hpp"
#include "sync/core/device_key.hpp"
#include "client/core/field_actions.hpp"
#include "client/core/conflict_desk.hpp"
#include "client/core/grid_office.hpp"
#include "net/http_transport.hpp"
#include "client/core/queries.hpp"
#include "client/core/reveals.hpp"
#include "client/core/settings_file.hpp"
#include "client/core/tuning.hpp"
#include "client/core/worker.hpp"
#include "shared/json.hpp"
#include "shared/kpi.hpp"
#include "shared/tuning.hpp"
#include "sync/device/sync_client.hpp"

namespace gw::client {

using net::HttpTransport;
using sync::DeviceKey;
namespace fs = std::filesystem;

namespace {

int64_t system_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Notice error_notice(const Error& e) { return Notice{true, message_key(e.code), e.message, ""}; }

// A user's folder name: the account name, kept to characters every file
// system takes, so no name can point outside the data folder.
bool is_safe_username(const std::string& u) {
  if (u.empty() || u.size() > 32 || u[0] == '.') return false;
  for (unsigned char c : u)
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

Db& keyed(Db& db, const DataKey* key) {
  attach_data_key(db, key);
  db.make_durable();
  return db;
}

// One user's replica as one thread sees it: its own SQLite connection, its
// own clock; the two threads' replicas share the file. Personal data is
// sealed under the data key, which outlives the connection.
struct Replica {
  Replica(const std::string& path, const std::string& device_id, const std::function<int64_t()>& wall,
          HlcTime start, std::shared_ptr<DataKey> k)
      : key(std::move(k)), db(path), clock(wall, start), replica(keyed(db, key.get()), device_id, clock, 0, key.get()) {}
  std::shared_ptr<DataKey> key;
  Db db;
  Hlc clock;
  sync::Replica replica;
};

}  // namespace

struct ClientCore::Impl {
  explicit Impl(CoreOptions o);
  ~Impl();

  // ---- shared with the UI thread, under m ----
  mutable std::mutex m;
  std::condition_variable idle_cv;
  Snapshot snap;
  std::vector<Notice> notices;
  int inflight = 0;

  CoreOptions opt;
  std::function<int64_t()> wall;

  // ---- store thread: commands and queries ----
  struct Store {
    std::unique_ptr<Replica> r;
    std::unique_ptr<Queries> queries;
    std::unique_ptr<FieldActions> actions;
    std::unique_ptr<GridOffice> office;
    std::unique_ptr<ConflictDesk> desk;
    Me me;
    std::optional<TargetQuery> targets;
    std::optional<std::pair<std::string, std::string>> target;  // kind, id
    std::vector<RevealedNumber> revealed;
    std::optional<CaseFilter> cases;
    std::optional<std::string> dispatch_stage;
    std::optional<KpiQuery> kpi;
    bool takeover_console = false, grid_map = false;  // loaded: kept fresh
    std::optional<ConflictFilter> conflicts;
    std::optional<std::pair<std::string, std::string>> conflict_record;  // table, row
    std::string open_case, open_patrol, kpi_exported_to;
  } store;
  Worker store_worker;

  // ---- sync thread: sign-in and sync, the only network user ----
  struct Net {
    std::unique_ptr<Replica> r;
    std::string user_dir;
    Account account;
    std::optional<DeviceKey> key;
    std::unique_ptr<HttpTransport> http;
    std::string http_url;
    std::string secret;  // the password of this session, in memory only, to renew the token
    std::shared_ptr<DataKey> data_key;  // unwrapped while unlocked; shared with the store thread's replica
    SyncBackoff backoff;
  } net;
  Worker net_worker;
  std::atomic<uint64_t> sync_generation{0};
  // The last touch of the UI (Unix ms): auto-lock counts idle time from it.
  std::atomic<int64_t> last_touch{0};
  std::atomic<uint64_t> lock_generation{0};
  // Set when the app closes: queued syncs are dropped rather than make the
  // window wait for a slow link (what is recorded is safe in the replica).
  std::atomic<bool> closing{false};

  // ---- watch thread: the long-poll (/v1/sync/wait) that brings what the
  // server merged within seconds instead of at the next planned sync: a
  // takeover reaches the cadres' tablets while the supervisor watches ----
  Worker watch_worker;
  std::atomic<uint64_t> watch_generation{0};
  std::mutex watch_m;
  HttpTransport* watch_http = nullptr;  // the long-poll in flight, under watch_m

  // Posting: counted, so wait_idle() knows when everything has run.
  void on_store(std::function<void()> job) { post(store_worker, std::move(job)); }
  void on_net(std::function<void()> job) { post(net_worker, std::move(job)); }
  void post(Worker& w, std::function<void()> job);

  template <class F>
  void publish(F&& change) {
    {
      std::lock_guard lock(m);
      change(snap);
      ++snap.version;
    }
  }
  void notify(Notice n) {
    std::lock_guard lock(m);
    notices.push_back(std::move(n));
    ++snap.version;
  }

  // net thread
  void sign_in(const std::string& username, const std::string& secret);
  Status login_online(HttpTransport& http, const std::string& username, const std::string& secret);
  Result<bool> unlock_offline(const std::string& secret);
  Status take_key_online(const std::string& secret);
  void lock(bool by_idle);
  void schedule_lock_check(int64_t delay_ms);
  void check_idle();
  void change_password(const std::string& old_pw, const std::string& new_pw);
  HttpTransport& transport();
  void run_sync();
  bool wipe_device(HttpTransport& http, const std::string& why);  // false: not yet (no link)
  void schedule_sync(int64_t delay_ms);
  void close_net();
  void start_watch(HlcTime since);
  void stop_watch();
  void watch(const std::string& url, DeviceKey key, const std::string& token, HlcTime since, uint64_t gen);

  // store thread
  void open_store(const std::string& path, const std::string& device_id, Me me, HlcTime start,
                  std::shared_ptr<DataKey> key);
  // The views an edit can change; reference data (grids, categories) and
  // the households and enterprises to visit change only with a sync.
  void refresh(bool reference_data);
  void refresh_targets();
  void publish_revealed();  // drops those whose time ran out
  void refresh_cases();  // and the other lists an edit changes: dispatch queue, KPIs
  template <class F>
  void command(F&& f);
};

ClientCore::Impl::Impl(CoreOptions o) : opt(std::move(o)) {
  wall = opt.wall ? opt.wall : std::function<int64_t()>(system_ms);
  fs::create_directories(opt.data_dir);
  Settings s = load_settings(opt.data_dir);
  if (!opt.server_url.empty()) s.server_url = opt.server_url;
  snap.settings = sanitized(s);
  store_worker.start();
  net_worker.start();
  watch_worker.start();
}

ClientCore::Impl::~Impl() {
  closing = true;
  // The network first: the long-poll is cut short, a sync in flight
  // finishes its exchange, then the store thread drains the refreshes it
  // queued.
  stop_watch();
  watch_worker.stop();
  net_worker.stop();
  store_worker.stop();
}

void ClientCore::Impl::post(Worker& w, std::function<void()> job) {
  {
    std::lock_guard lock(m);
    ++inflight;
  }
  w.post([this, job = std::move(job)] {
    // Nothing thrown crosses the thread: an I/O fault becomes a notice.
    try {
      job();
    } catch (const SqliteError& e) {
      notify(Notice{true, "error.io", std::string("local store: ") + e.what(), ""});
    } catch (const std::exception& e) {
      notify(Notice{true, "error.internal", e.what(), ""});
    }
    std::lock_guard lock(m);
    --inflight;
    idle_cv.notify_all();
  });
}

// ---- sign-in (net thread) ---------------------------------------------------

HttpTransport& ClientCore::Impl::transport() {
  std::string url;
  {
    std::lock_guard lock(m);
    url = snap.settings.server_url;
  }
  if (!net.http || net.http_url != url) {
    net.http = std::make_unique<HttpTransport>(url, *net.key, tuning::kRequestTimeoutMs, opt.ca_file);
    net.http_url = url;
    net.http->set_token(net.account.token);
  }
  return *net.http;
}

Status ClientCore::Impl::login_online(HttpTransport& http, const std::string& username, const std::string& secret) {
  auto r = http.login(username, secret, net.account.device_id, opt.device_name);
  if (!r) return r.error();
  Account& a = net.account;
  if (a.username != username) a.key_by_password.clear(), a.key_by_pin.clear();
  a.username = r->username.empty() ? username : r->username;
  a.user_id = r->user_id;
  a.name = r->name;
  a.roles = r->roles;
  a.token = r->token;
  a.expires_at = r->expires_at;
  net.secret = secret;
  // Not saved yet: sign_in() saves the account with the data key's wraps.
  return Status::ok();
}

// An unlock with no link: the password's or the PIN's wrap of the data key
// opens under the secret, or (an account from before the data key) the
// password's verifier matches and a data key is made now. false: neither.
Result<bool> ClientCore::Impl::unlock_offline(const std::string& secret) {
  Account& a = net.account;
  for (const std::string* wrapped : {&a.key_by_password, &a.key_by_pin}) {
    if (wrapped->empty()) continue;
    auto k = DataKey::unwrap(*wrapped, secret);
    if (k) {
      net.data_key = *k;
      if (wrapped == &a.key_by_password) net.secret = secret;
      return true;
    }
    if (k.error().code != Code::unauthorized) return k.error();
  }
  if (!a.key_by_password.empty() || !check_verifier(a.password_verifier, secret)) return false;
  net.data_key = DataKey::generate();
  net.secret = secret;
  return true;
}

// After an online sign-in: the data key under the password the server just
// accepted. A tablet whose stored wrap does not open with it (the password
// was changed elsewhere) cannot read its sealed replica: the file is kept
// aside for a later unlock with the old password, and a new key starts a
// new replica that the next sync fills again.
Status ClientCore::Impl::take_key_online(const std::string& secret) {
  Account& a = net.account;
  if (!a.key_by_password.empty()) {
    auto k = DataKey::unwrap(a.key_by_password, secret);
    if (k) {
      net.data_key = *k;
      return Status::ok();
    }
    if (k.error().code != Code::unauthorized) return k.error();
    std::string db = net.user_dir + "/replica.db";
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"})
      if (fs::exists(db + suffix)) fs::rename(db + suffix, db + ".old-key" + suffix, ec);
    notify(Notice{true, "error.replica_set_aside", db + ".old-key", ""});
  }
  net.data_key = DataKey::generate();
  a.key_by_password.clear();
  a.key_by_pin.clear();
  return Status::ok();
}

void ClientCore::Impl::sign_in(const std::string& username, const std::string& secret) {
  auto fail = [&](std::string key, std::string detail) {
    publish([&](Snapshot& s) {
      s.session.busy = false;
      s.session.error_key = std::move(key);
      s.session.error_detail = std::move(detail);
    });
  };
  if (!is_safe_username(username)) return fail("error.bad_username", username);
  if (secret.empty()) return fail("error.no_password", "");
  close_net();
  net.user_dir = opt.data_dir + "/users/" + username;
  fs::create_directories(net.user_dir);
  auto account = AccountFile(net.user_dir).load();
  if (!account) return fail("error.io", account.error().message);
  net.account = *account;
  auto key = DeviceKey::load_or_create(net.user_dir + "/device.key");
  if (!key) return fail("error.io", key.error().message);
  net.key = std::move(*key);
  net.http.reset();

  // A known user with a matching password or PIN unlocks with no link: the
  // worker in a basement must be able to start a patrol. The data key's
  // wraps are the check: a wrong secret does not open them.
  bool known = net.account.username == username && !net.account.user_id.empty();
  auto unlocked = known ? unlock_offline(secret) : Result<bool>(false);
  if (!unlocked) return fail("error.io", unlocked.error().message);
  bool offline_unlock = *unlocked;
  if (!offline_unlock) {
    if (auto st = login_online(transport(), username, secret); !st) {
      const Error& e = st.error();
      if (e.code == Code::offline)
        return fail(known ? "error.wrong_password_offline" : "error.first_login_online", e.message);
      if (e.code == Code::revoked) {
        if (!wipe_device(transport(), e.message)) fail("error.device_revoked_pending", e.message);
        return;
      }
      return fail(e.code == Code::unauthorized ? "error.bad_credentials" : message_key(e.code),
                  e.message);
    }
    if (auto st = take_key_online(secret); !st) return fail("error.io", st.error().message);
  }
  Account& a = net.account;
  if (a.key_by_password.empty()) {
    // A new data key, or one made for an account from before it: wrapped
    // under the password; the old verifiers and any PIN go (set it again).
    auto wrapped = net.data_key->wrap(net.secret);
    if (!wrapped) return fail("error.io", wrapped.error().message);
    a.key_by_password = *wrapped;
    a.key_by_pin.clear();
    a.password_verifier.clear();
    a.pin_verifier.clear();
  }
  if (auto st = AccountFile(net.user_dir).save(a); !st) return fail("error.io", st.error().message);
  try {
    net.r = std::make_unique<Replica>(net.user_dir + "/replica.db", a.device_id, wall, a.clock, net.data_key);
    // A replica written before sealing holds personal data in clear: sealed
    // now, in one pass, before anything reads it.
    net.r->replica.seal_clear();
    net.r->replica.set_key(&*net.key);  // signs the links of this device's patch chain
  } catch (const SqliteError& e) {
    // A replica of a newer schema version is not opened, let alone changed
    // (an older one is brought up to this version when opened).
    net.r.reset();
    return fail(e.code() == SQLITE_MISMATCH ? "error.version_mismatch" : "error.io", e.what());
  }
  Me me{a.user_id, RoleSet::parse(a.roles).value_or(RoleSet{})};
  on_store([this, path = net.user_dir + "/replica.db", id = a.device_id, me, start = a.clock, key = net.data_key] {
    open_store(path, id, me, start, key);
  });
  last_touch = wall();
  schedule_lock_check(tuning::kAutoLockCheckMs);
  publish([&](Snapshot& s) {
    s.session = SessionView{true, false, offline_unlock, a.user_id, a.username, a.name, a.roles,
                            !a.key_by_pin.empty(), "", "", false};
    s.sync = SyncView{};
    s.sync.link = offline_unlock ? Link::unknown : Link::online;
  });
  schedule_sync(0);
}

void ClientCore::Impl::close_net() {
  ++sync_generation;  // cancels planned syncs
  ++lock_generation;
  stop_watch();
  net.r.reset();
  net.http.reset();
  sodium_memzero(net.secret.data(), net.secret.size());
  net.secret.clear();
  // The store thread's replica holds the key too: it is wiped there, after
  // that replica is closed (lock(), sign_out()).
  net.data_key.reset();
}

// ---- lock (net thread) --------------------------------------------------------

// The key leaves memory and every view of personal data goes; the unlock
// screen asks for the PIN or password (sign_in, offline); sync waits.
void ClientCore::Impl::lock(bool by_idle) {
  if (!net.r) return;
  std::shared_ptr<DataKey> key = net.data_key;
  close_net();
  publish([&](Snapshot& s) {
    SessionView locked;
    locked.username = s.session.username;
    locked.name = s.session.name;
    locked.locked = true;
    s.session = std::move(locked);
    s.sync = SyncView{};
  });
  // The views go on the store thread, after any refresh queued before.
  on_store([this, key] {
    store = Store{};
    if (key) key->wipe();
    publish([](Snapshot& s) {
      Snapshot empty;
      empty.settings = s.settings;
      empty.session = s.session;
      empty.sync = s.sync;
      empty.version = s.version;
      s = std::move(empty);
    });
  });
  if (by_idle) notify(Notice{false, "notice.locked_idle", "", ""});
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
  if (!net.r || !opt.auto_lock) return;
  int64_t minutes;
  {
    std::lock_guard lock_m(m);
    minutes = snap.settings.auto_lock_minutes;
  }
  if (minutes > 0 && wall() - last_touch.load() >= minutes * 60 * 1000) return lock(true);
  schedule_lock_check(tuning::kAutoLockCheckMs);
}

// ---- change of password (net thread) ------------------------------------------

// The server learns the new password first (it checks the old one too); the
// data key is then wrapped under the new one. No record is sealed again.
void ClientCore::Impl::change_password(const std::string& old_pw, const std::string& new_pw) {
  if (!net.r || !net.data_key) return notify(Notice{true, "error.not_signed_in", "", ""});
  if (new_pw.size() < 8) return notify(Notice{true, "error.password_too_short", "", ""});
  if (!DataKey::unwrap(net.account.key_by_password, old_pw))
    return notify(Notice{true, "error.bad_credentials", "", ""});
  Json body = Json::object();
  body.set("old", old_pw);
  body.set("new", new_pw);
  if (auto r = transport().exchange("/v1/password", body.dump()); !r) {
    const Error& e = r.error();
    return notify(
        Notice{true, e.code == Code::offline ? "error.password_change_offline" : message_key(e.code), e.message, ""});
  }
  auto wrapped = net.data_key->wrap(new_pw);
  if (!wrapped) return notify(error_notice(wrapped.error()));
  net.account.key_by_password = *wrapped;
  if (auto st = AccountFile(net.user_dir).save(net.account); !st) return notify(error_notice(st.error()));
  net.secret = new_pw;
  notify(Notice{false, "notice.password_changed", "", ""});
}

// ---- sync (net thread) ------------------------------------------------------

void ClientCore::Impl::schedule_sync(int64_t delay_ms) {
  bool automatic;
  {
    std::lock_guard lock(m);
    // The user's setting, unless this run (a test, a screenshot) turned
    // automatic sync off without touching the setting.
    automatic = snap.settings.auto_sync && opt.auto_sync;
  }
  if (!automatic) {
    stop_watch();
    publish([](Snapshot& s) { s.sync.next_attempt_at = 0; });
    return;
  }
  uint64_t gen = ++sync_generation;
  int64_t at = wall() + delay_ms;
  publish([&](Snapshot& s) { s.sync.next_attempt_at = at; });
  net_worker.post_at(Worker::Clock::now() + std::chrono::milliseconds(delay_ms), [this, gen] {
    if (gen == sync_generation.load()) run_sync();
  });
}

void ClientCore::Impl::run_sync() {
  if (!net.r || closing) return;
  publish([](Snapshot& s) {
    s.sync.running = true;
    s.sync.records_up = s.sync.records_down = s.sync.bytes_up = s.sync.bytes_down = 0;
  });
  // One transport for the whole run: a new server address saved meanwhile
  // takes effect at the next sync, never under this one's feet.
  HttpTransport& http = transport();
  sync::SyncClient client(net.r->replica, http);
  client.on_progress = [this](const sync::SyncReport& r) {
    publish([&](Snapshot& s) {
      s.sync.records_up = r.pushed + r.refused;
      s.sync.records_down = r.pulled;
      s.sync.bytes_up = r.bytes_up;
      s.sync.bytes_down = r.bytes_down;
    });
  };
  auto result = client.sync();
  // An expired or revoked token: renew it once with the password of this
  // session, if the user typed it (an unlock by PIN cannot).
  if (!result && result.error().code == Code::unauthorized && !net.secret.empty()) {
    if (auto st = login_online(http, net.account.username, net.secret); st) result = client.sync();
  }
  if (!result && result.error().code == Code::revoked && wipe_device(http, result.error().message)) return;
  int64_t delay;
  if (net.r->clock.last() > net.account.clock) {
    // Kept for the next start, which may have no link to learn it again.
    net.account.clock = net.r->clock.last();
    (void)AccountFile(net.user_dir).save(net.account);
  }
  if (result) {
    delay = net.backoff.after_success();
    start_watch(result->server_hlc);
    int64_t now = wall();
    publish([&](Snapshot& s) {
      s.sync.link = Link::online;
      s.sync.last_sync_at = now;
      s.sync.error.clear();
    });
  } else {
    delay = net.backoff.after_failure();
    const Error& e = result.error();
    publish([&](Snapshot& s) {
      s.sync.link = e.code == Code::offline ? Link::offline : Link::online;
      s.sync.error = e.message;
    });
    if (e.code == Code::unauthorized) notify(Notice{true, "error.sign_in_again", e.message, ""});
  }
  publish([](Snapshot& s) { s.sync.running = false; });
  // The store thread's clock learns what the server's answers taught this
  // one, then every view is rebuilt on the new data.
  HlcTime seen = net.r->clock.last();
  on_store([this, seen] {
    if (!store.r) return;
    (void)store.r->clock.fold(seen, gw::tuning::kClientFoldAheadMs);
    refresh(true);
    refresh_targets();
    refresh_cases();
  });
  schedule_sync(delay);
}

// The wipe order (DESIGN §8): an admin revoked this tablet. What it recorded
// and never pushed goes to the server first (held there for review, so no
// record is lost); then the replica, the device key and the account go.
bool ClientCore::Impl::wipe_device(HttpTransport& http, const std::string& why) {
  if (!net.r && !net.account.device_id.empty() && fs::exists(net.user_dir + "/replica.db")) {
    // Its outbox is sealed: without the data key (no unlock yet) nothing can
    // be handed over, and wiping would lose it. An unlock with the PIN, then
    // a sync, carries the order out.
    if (!net.data_key) return false;
    try {
      net.r = std::make_unique<Replica>(net.user_dir + "/replica.db", net.account.device_id, wall, net.account.clock,
                                        net.data_key);
      net.r->replica.set_key(&*net.key);
    } catch (const SqliteError&) {
      // unreadable: nothing to hand over
    }
  }
  if (net.r && !net.account.token.empty()) {
    http.set_token(net.account.token);
    sync::SyncClient client(net.r->replica, http);
    if (auto held = client.hand_over(); !held) {
      // No link, or the server failed: wiping now would lose what was never
      // pushed. The order stands; the next contact carries it out.
      notify(Notice{true, "error.device_revoked_pending", held.error().message, ""});
      return false;
    }
  }
  close_net();
  std::string dir = net.user_dir;
  net.account = Account{};
  net.key.reset();
  net.data_key.reset();
  on_store([this, dir, why] {
    store = Impl::Store{};  // closes the store's connection before the files go
    std::error_code ec;
    fs::remove_all(dir, ec);
    publish([](Snapshot& s) {
      Settings keep = s.settings;
      s = Snapshot{};
      s.settings = keep;
    });
    notify(Notice{true, "error.device_wiped", why, ""});
  });
  return true;
}

// ---- long-poll (watch thread) --------------------------------------------------

void ClientCore::Impl::start_watch(HlcTime since) {
  {
    std::lock_guard lock(m);
    if (!snap.settings.auto_sync || !opt.auto_sync || since == 0) return;
  }
  stop_watch();  // a watch from before this sync asks about older news
  uint64_t gen = watch_generation.load();
  // Not counted as in flight: wait_idle() must not wait out a long-poll.
  watch_worker.post([this, url = net.http_url, key = *net.key, token = net.account.token, since, gen] {
    watch(url, key, token, since, gen);
  });
}

void ClientCore::Impl::stop_watch() {
  ++watch_generation;
  std::lock_guard lock(watch_m);
  if (watch_http) watch_http->cancel();
}

void ClientCore::Impl::watch(const std::string& url, DeviceKey key, const std::string& token, HlcTime since,
                             uint64_t gen) {
  HttpTransport http(url, key, tuning::kLongPollTimeoutMs, opt.ca_file);
  http.set_token(token);
  {
    std::lock_guard lock(watch_m);
    if (gen != watch_generation.load() || closing) return;
    watch_http = &http;
  }
  // The server answers at its ceiling with nothing changed: ask again. Any
  // failure (no link, an expired token) ends the watch; the planned sync
  // deals with it and starts the next one.
  while (gen == watch_generation.load() && !closing) {
    auto r = http.get("/v1/sync/wait?since=" + std::to_string(since), tuning::kLongPollTimeoutMs);
    if (!r) break;
    auto j = parse_json(*r);
    const Json* changed = j ? j->find("changed") : nullptr;
    if (changed && changed->is_bool() && changed->as_bool()) {
      on_net([this, gen] {
        if (gen != watch_generation.load()) return;  // a sync already ran since
        ++sync_generation;  // this sync replaces the planned one
        run_sync();
      });
      break;
    }
  }
  std::lock_guard lock(watch_m);
  if (watch_http == &http) watch_http = nullptr;
}

// ---- store thread -----------------------------------------------------------

void ClientCore::Impl::open_store(const std::string& path, const std::string& device_id, Me me, HlcTime start,
                                  std::shared_ptr<DataKey> key) {
  store = Store{};
  store.r = std::make_unique<Replica>(path, device_id, wall, start, std::move(key));
  store.queries = std::make_unique<Queries>(store.r->db);
  store.actions = std::make_unique<FieldActions>(store.r->replica, *store.queries);
  store.office = std::make_unique<GridOffice>(store.r->replica, *store.queries);
  store.desk = std::make_unique<ConflictDesk>(store.r->replica, *store.queries);
  store.me = std::move(me);
  refresh(true);
}

void ClientCore::Impl::refresh(bool reference_data) {
  if (!store.r) return;
  auto home = std::make_shared<HomeView>(store.queries->home(store.me, wall()));
  std::shared_ptr<const Catalog> catalog;
  if (reference_data) catalog = std::make_shared<Catalog>(store.queries->catalog(store.me));
  for (const auto& p : store.r->replica.problems())
    home->problems.push_back(ProblemItem{p.table, p.row, p.state, p.code, p.reason, p.id});
  int64_t pending = store.r->replica.pending_count();
  std::shared_ptr<const PatrolView> patrol;
  if (!store.open_patrol.empty())
    if (auto p = store.queries->patrol(store.open_patrol)) patrol = std::make_shared<PatrolView>(std::move(*p));
  std::shared_ptr<const CaseDetail> detail;
  if (!store.open_case.empty())
    if (auto d = store.queries->case_detail(store.me, store.open_case, wall())) {
      for (const auto& p : home->problems)
        if (p.row == store.open_case) d->problems.push_back(p);
      detail = std::make_shared<CaseDetail>(std::move(*d));
    }
  publish([&](Snapshot& s) {
    s.sync.pending = pending;
    s.sync.problems = static_cast<int64_t>(home->problems.size());
    s.home = home;
    if (catalog) s.catalog = catalog;
    s.patrol = patrol;
    s.case_detail = detail;
  });
}

void ClientCore::Impl::refresh_targets() {
  if (!store.r || !store.targets) return;
  auto t = std::make_shared<TargetList>(store.queries->targets(store.me, *store.targets));
  std::shared_ptr<const TargetDetail> detail;
  if (store.target)
    detail = std::make_shared<TargetDetail>(store.queries->target_detail(store.me, store.target->first,
                                                                         store.target->second));
  publish([&](Snapshot& s) {
    s.targets = t;
    s.target = detail;
  });
}

void ClientCore::Impl::publish_revealed() {
  int64_t now = wall();
  std::erase_if(store.revealed, [&](const RevealedNumber& r) { return r.until <= now; });
  auto list = std::make_shared<const std::vector<RevealedNumber>>(store.revealed);
  publish([&](Snapshot& s) { s.revealed = list; });
}

void ClientCore::Impl::refresh_cases() {
  if (!store.r) return;
  std::shared_ptr<const CaseList> cases;
  std::shared_ptr<const DispatchQueue> dispatch;
  std::shared_ptr<KpiView> kpi;
  std::shared_ptr<const TakeoverConsole> console;
  std::shared_ptr<const GridMapView> map;
  if (store.takeover_console) console = std::make_shared<TakeoverConsole>(store.office->console());
  if (store.grid_map) map = std::make_shared<GridMapView>(store.queries->grid_map(store.me, wall()));
  std::shared_ptr<const ConflictQueue> conflicts;
  std::shared_ptr<const RecordConflicts> record;
  if (store.conflicts) conflicts = std::make_shared<ConflictQueue>(store.desk->queue(*store.conflicts, wall()));
  if (store.conflict_record)
    record = std::make_shared<RecordConflicts>(
        store.desk->record(store.me, store.conflict_record->first, store.conflict_record->second));
  if (store.cases) cases = std::make_shared<CaseList>(store.queries->cases(store.me, *store.cases, wall()));
  if (store.dispatch_stage)
    dispatch = std::make_shared<DispatchQueue>(store.queries->dispatch_queue(store.me, *store.dispatch_stage, wall()));
  if (store.kpi) {
    kpi = std::make_shared<KpiView>(store.queries->kpi(store.kpi->from, store.kpi->to,
                                                      std::string(kpi_group_name(store.kpi->group))));
    kpi->exported_to = store.kpi_exported_to;
  }
  publish([&](Snapshot& s) {
    if (cases) s.cases = cases;
    if (dispatch) s.dispatch = dispatch;
    if (kpi) s.kpi = kpi;
    if (console) s.takeover = console;
    if (map) s.grid_map = map;
    if (conflicts) s.conflicts = conflicts;
    if (record) s.conflict_record = record;
  });
}

// A local edit: run it, tell the user, rebuild the views, and have the
// record leave the tablet soon if there is a link.
template <class F>
void ClientCore::Impl::command(F&& f) {
  if (!store.r) return notify(Notice{true, "error.not_signed_in", "", ""});
  Notice n = f();
  bool ok = !n.error;
  notify(std::move(n));
  refresh(false);
  refresh_cases();
  if (ok) on_net([this] { schedule_sync(tuning::kSyncAfterEditMs); });
}

// ---- public API ---------------------------------------------------------------

ClientCore::ClientCore(CoreOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
ClientCore::~ClientCore() = default;

void ClientCore::sign_in(const std::string& username, const std::string& secret) {
  impl_->publish([](Snapshot& s) {
    s.session.busy = true;
    s.session.error_key.clear();
    s.session.error_detail.clear();
  });
  impl_->on_net([i = impl_.get(), username, secret] { i->sign_in(username, secret); });
}

void ClientCore::set_pin(const std::string& pin) {
  impl_->on_net([i = impl_.get(), pin] {
    if (!i->net.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    if (!is_valid_pin(pin)) return i->notify(Notice{true, "error.bad_pin", "", ""});
    auto v = i->net.data_key->wrap(pin);
    if (!v) return i->notify(error_notice(v.error()));
    i->net.account.key_by_pin = *v;
    if (auto st = AccountFile(i->net.user_dir).save(i->net.account); !st) return i->notify(error_notice(st.error()));
    i->publish([](Snapshot& s) { s.session.has_pin = true; });
    i->notify(Notice{false, "notice.pin_set", "", ""});
  });
}

void ClientCore::sign_out() {
  impl_->on_net([i = impl_.get()] {
    if (i->net.r) {
      // The token goes: a tablet left signed out cannot sync without the
      // password. The replica, the outbox and the verifiers stay.
      i->net.account.token.clear();
      (void)AccountFile(i->net.user_dir).save(i->net.account);
    }
    std::shared_ptr<DataKey> key = i->net.data_key;
    i->close_net();
    i->on_store([i, key] {
      i->store = Impl::Store{};
      if (key) key->wipe();
    });
    i->publish([](Snapshot& s) {
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
  impl_->on_net([i = impl_.get(), old_password, new_password] { i->change_password(old_password, new_password); });
}

void ClientCore::sync_now() {
  impl_->on_net([i = impl_.get()] {
    if (!i->net.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    ++i->sync_generation;  // this sync replaces the planned one
    i->run_sync();
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
      auto id = i->store.actions->start_patrol(i->store.me, grid_id);
      if (id) i->store.open_patrol = *id;
      return made(id, "notice.patrol_started");
    });
  });
}

void ClientCore::open_patrol(const std::string& patrol_id) {
  impl_->on_store([i = impl_.get(), patrol_id] {
    i->store.open_patrol = patrol_id;
    i->refresh(false);
  });
}

void ClientCore::mark_check(const std::string& patrol_id, const std::string& item, CheckMark mark,
                            const std::string& note) {
  impl_->on_store([i = impl_.get(), patrol_id, item, mark, note] {
    i->command([&] { return done(i->store.actions->mark_check(patrol_id, item, mark, note), "notice.saved"); });
  });
}

void ClientCore::report_finding(const std::string& patrol_id, const std::string& item, const std::string& note) {
  impl_->on_store([i = impl_.get(), patrol_id, item, note] {
    i->command([&] {
      return made(i->store.actions->report_finding(i->store.me, patrol_id, item, note), "notice.finding_reported");
    });
  });
}

void ClientCore::end_patrol(const std::string& patrol_id, const std::string& notes) {
  impl_->on_store([i = impl_.get(), patrol_id, notes] {
    i->command([&] { return done(i->store.actions->end_patrol(patrol_id, notes), "notice.patrol_ended"); });
  });
}

void ClientCore::record_visit(const NewVisit& visit) {
  impl_->on_store([i = impl_.get(), visit] {
    i->command([&] { return made(i->store.actions->record_visit(i->store.me, visit), "notice.visit_saved"); });
  });
}

void ClientCore::create_case(const NewCase& c) {
  impl_->on_store([i = impl_.get(), c] {
    i->command([&] {
      auto id = i->store.actions->create_case(i->store.me, c);
      if (id) i->store.open_case = *id;
      return made(id, "notice.case_saved");
    });
  });
}

void ClientCore::case_action(const std::string& case_id, const std::string& action, const CaseActionInput& in) {
  impl_->on_store([i = impl_.get(), case_id, action, in] {
    i->command([&] { return done(i->store.actions->case_action(i->store.me, case_id, action, in), "notice.case_updated"); });
  });
}

void ClientCore::save_settings(const Settings& settings) {
  Settings s = sanitized(settings);
  impl_->publish([&](Snapshot& snap) { snap.settings = s; });
  impl_->on_net([i = impl_.get(), s] {
    if (auto st = gw::client::save_settings(i->opt.data_dir, s); !st) return i->notify(error_notice(st.error()));
    i->notify(Notice{false, "notice.settings_saved", "", ""});
    if (i->net.r) i->schedule_sync(0);  // a new server address is tried at once
  });
}

void ClientCore::dismiss_problem(const std::string& patch_id) {
  impl_->on_store([i = impl_.get(), patch_id] {
    i->command([&] {
      if (!i->store.r->replica.dismiss(patch_id)) return Notice{true, "error.not_found", patch_id, ""};
      return Notice{false, "notice.problem_dismissed", "", ""};
    });
  });
}

void ClientCore::mark_notice_read(const std::string& notice_id) {
  impl_->on_store([i = impl_.get(), notice_id] {
    i->command([&] { return done(i->store.actions->mark_notice_read(i->store.me, notice_id), "notice.notice_read"); });
  });
}

void ClientCore::edit_target(const std::string& kind, const std::string& id,
                             const std::vector<std::pair<std::string, std::string>>& fields) {
  impl_->on_store([i = impl_.get(), kind, id, fields] {
    i->command([&] { return done(i->store.actions->edit_target(kind, id, fields), "notice.record_saved"); });
  });
}

void ClientCore::start_takeover(const std::string& unit_grid_id, const std::string& reason) {
  impl_->on_store([i = impl_.get(), unit_grid_id, reason] {
    i->command([&] {
      return made(i->store.office->start_takeover(i->store.me, unit_grid_id, reason), "notice.takeover_started");
    });
  });
}

void ClientCore::end_takeover(const std::string& takeover_id) {
  impl_->on_store([i = impl_.get(), takeover_id] {
    i->command([&] { return done(i->store.office->end_takeover(i->store.me, takeover_id), "notice.takeover_ended"); });
  });
}

void ClientCore::move_responsibility(const std::string& assignment_id, const std::string& to_grid_id) {
  impl_->on_store([i = impl_.get(), assignment_id, to_grid_id] {
    i->command([&] {
      return made(i->store.office->move_responsibility(i->store.me, assignment_id, to_grid_id),
                  "notice.responsibility_moved");
    });
  });
}

void ClientCore::resolve_conflicts(const std::vector<ConflictDecision>& decisions) {
  impl_->on_store([i = impl_.get(), decisions] {
    i->command([&] {
      auto n = i->store.desk->decide(i->store.me, decisions);
      if (!n) return error_notice(n.error());
      return Notice{false, "notice.conflicts_resolved", std::to_string(*n), ""};
    });
  });
}

void ClientCore::load_conflicts(const ConflictFilter& f) {
  impl_->on_store([i = impl_.get(), f] {
    if (!i->store.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.conflicts = f;
    i->refresh_cases();
  });
}

void ClientCore::open_conflict_record(const std::string& table, const std::string& row_id) {
  impl_->on_store([i = impl_.get(), table, row_id] {
    if (!i->store.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.conflict_record.emplace(table, row_id);
    i->refresh_cases();
  });
}

// The log stays on the server: asked for on the network thread, answered
// into the snapshot; offline, the error says so and the record's
// conflicts (base, both sides) still show from the replica.
void ClientCore::load_history(const std::string& table, const std::string& row_id) {
  auto loading = std::make_shared<RecordHistory>();
  loading->table = table, loading->row_id = row_id, loading->loading = true;
  impl_->publish([&](Snapshot& s) { s.history = loading; });
  impl_->on_net([i = impl_.get(), table, row_id] {
    auto h = std::make_shared<RecordHistory>();
    h->table = table, h->row_id = row_id;
    if (!i->net.r) {
      h->error = "not signed in";
    } else {
      auto body = i->transport().get("/v1/history?table=" + table + "&row=" + row_id, tuning::kRequestTimeoutMs);
      auto decoded = body ? decode_history(*body) : Result<RecordHistory>(body.error());
      if (decoded) *h = std::move(*decoded);
      else h->error = std::string(code_name(decoded.error().code)) + ": " + decoded.error().message;
    }
    i->publish([&](Snapshot& s) { s.history = h; });
  });
}

void ClientCore::load_takeover_console() {
  impl_->on_store([i = impl_.get()] {
    if (!i->store.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.takeover_console = true;
    i->refresh_cases();
  });
}

void ClientCore::load_grid_map() {
  impl_->on_store([i = impl_.get()] {
    if (!i->store.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.grid_map = true;
    i->refresh_cases();
  });
}

void ClientCore::search_targets(const TargetQuery& q) {
  impl_->on_store([i = impl_.get(), q] {
    i->store.targets = q;
    i->refresh_targets();
  });
}

void ClientCore::open_target(const std::string& kind, const std::string& id) {
  impl_->on_store([i = impl_.get(), kind, id] {
    if (!i->store.r) return;
    if (id.empty()) i->store.target.reset();
    else i->store.target.emplace(kind, id);
    if (!i->store.targets) i->store.targets = TargetQuery{};
    i->refresh_targets();
  });
}

void ClientCore::reveal(const std::string& table, const std::string& row_id, const std::string& column) {
  impl_->on_store([i = impl_.get(), table, row_id, column] {
    if (!i->store.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    auto text = reveal_number(i->store.r->replica, i->store.me, table, row_id, column);
    if (!text) return i->notify(error_notice(text.error()));
    int64_t until = i->wall() + tuning::kRevealShowMs;
    std::erase_if(i->store.revealed, [&](const RevealedNumber& r) {
      return r.table == table && r.row_id == row_id && r.column == column;
    });
    i->store.revealed.push_back(RevealedNumber{table, row_id, column, *text, until});
    i->publish_revealed();
    i->notify(Notice{false, "notice.revealed", "", ""});
    i->refresh(false);  // the unsynced count: the reveal's record waits to go up
    // Not counted as in flight: wait_idle() must not wait out the display time.
    i->store_worker.post_at(Worker::Clock::now() + std::chrono::milliseconds(tuning::kRevealShowMs),
                            [i] { i->publish_revealed(); });
    i->on_net([i] { i->schedule_sync(tuning::kSyncAfterEditMs); });
  });
}

void ClientCore::export_audit_csv(int64_t from_ms, int64_t to_ms) {
  impl_->on_net([i = impl_.get(), from_ms, to_ms] {
    if (!i->net.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    auto body = i->transport().get("/v1/audit?from=" + std::to_string(from_ms) + "&to=" + std::to_string(to_ms) +
                                       "&format=csv",
                                   tuning::kRequestTimeoutMs);
    if (!body) {
      // The audit lives on the server: with no link there is nothing to export.
      if (body.error().code == Code::offline) return i->notify(Notice{true, "error.audit_offline", "", ""});
      return i->notify(error_notice(body.error()));
    }
    fs::path dir = fs::path(i->opt.data_dir) / "exports";
    fs::path file = dir / ("audit-" + std::to_string(from_ms) + "-" + std::to_string(to_ms) + ".csv");
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << "\xEF\xBB\xBF" << *body;  // a byte-order mark, as the KPI export: spreadsheets read UTF-8 right
    out.close();
    if (!out) return i->notify(Notice{true, "error.io", "cannot write " + file.string(), ""});
    i->notify(Notice{false, "notice.audit_exported", file.string(), ""});
  });
}

void ClientCore::list_cases(const CaseFilter& f) {
  impl_->on_store([i = impl_.get(), f] {
    i->store.cases = f;
    i->refresh_cases();
  });
}

void ClientCore::open_case(const std::string& case_id) {
  impl_->on_store([i = impl_.get(), case_id] {
    i->store.open_case = case_id;
    i->refresh(false);
  });
}

void ClientCore::list_dispatch(const std::string& stage) {
  impl_->on_store([i = impl_.get(), stage] {
    i->store.dispatch_stage = stage;
    i->refresh_cases();
  });
}

void ClientCore::load_kpi(const std::string& from, const std::string& to, const std::string& group) {
  impl_->on_store([i = impl_.get(), from, to, group] {
    if (!i->store.r) return i->notify(Notice{true, "error.not_signed_in", "", ""});
    i->store.kpi_exported_to.clear();
    auto g = kpi_group_from_name(group);
    if (!g) {
      // The view says what is wrong; nothing stays loaded to refresh or export.
      i->store.kpi.reset();
      auto v = std::make_shared<KpiView>(i->store.queries->kpi(from, to, group));
      return i->publish([&](Snapshot& s) { s.kpi = v; });
    }
    i->store.kpi = KpiQuery{from, to, *g, {}};
    i->refresh_cases();
  });
}

void ClientCore::export_kpi_csv() {
  impl_->on_store([i = impl_.get()] {
    if (!i->store.r || !i->store.kpi) return i->notify(Notice{true, "error.not_found", "no KPI report loaded", ""});
    auto r = compute_kpi(i->store.r->db, *i->store.kpi);
    if (!r) return i->notify(error_notice(r.error()));
    const KpiQuery& q = *i->store.kpi;
    fs::path dir = fs::path(i->opt.data_dir) / "exports";
    fs::path file = dir / ("kpi-" + std::string(kpi_group_name(q.group)) + "-" + q.from + "-" + q.to + ".csv");
    std::error_code ec;
    fs::create_directories(dir, ec);
    // UTF-8 with a byte-order mark: spreadsheet programs then read the Chinese names right.
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << "\xEF\xBB\xBF" << kpi_csv(*r);
    out.close();
    if (!out) return i->notify(Notice{true, "error.io", "cannot write " + file.string(), ""});
    i->store.kpi_exported_to = file.string();
    i->notify(Notice{false, "notice.kpi_exported", file.string(), ""});
    i->refresh_cases();
  });
}

Snapshot ClientCore::snapshot() const {
  std::lock_guard lock(impl_->m);
  return impl_->snap;
}

std::vector<Notice> ClientCore::take_notices() {
  std::lock_guard lock(impl_->m);
  std::vector<Notice> out;
  out.swap(impl_->notices);
  return out;
}

void ClientCore::wait_idle() {
  std::unique_lock lock(impl_->m);
  impl_->idle_cv.wait(lock, [&] { return impl_->inflight == 0; });
}

}  // namespace gw::client
