#include "tests/support/fleet.hpp"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "net/http_transport.hpp"
#include "shared/json.hpp"
#include "shared/schema.hpp"
#include "shared/sqlite.hpp"
#include "shared/uuid.hpp"
#include "sync/core/protocol.hpp"
#include "sync/device/replica.hpp"
#include "sync/core/row_store.hpp"

namespace gw::test {

namespace {

using Clock = std::chrono::steady_clock;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string one_text(Db& db, const std::string& sql) {
  auto s = db.prepare(sql);
  return s.step() ? std::string(s.text(0)) : std::string();
}

}  // namespace

// ---- ledger ---------------------------------------------------------------------------

void Ledger::written(const std::string& device, const std::string& patch_id) {
  std::lock_guard lock(m_);
  written_[device].push_back(patch_id);
  ++totals_.written;
}

void Ledger::accepted(const std::vector<std::string>& patch_ids) {
  std::lock_guard lock(m_);
  acked_.insert(patch_ids.begin(), patch_ids.end());
  totals_.acks += static_cast<int64_t>(patch_ids.size());
}

void Ledger::touched(const std::string& table, const std::string& row) {
  std::lock_guard lock(m_);
  rows_.emplace(table, row);
}

void Ledger::exchange(double ms, Code code) {
  std::lock_guard lock(m_);
  ++totals_.exchanges;
  if (code == Code::ok) {
    latencies_.push_back(ms);
  } else {
    ++totals_.failed;
    ++totals_.failures[std::string(code_name(code))];
  }
}

void Ledger::refused(std::string what) {
  std::lock_guard lock(m_);
  refusals_.push_back(std::move(what));
}

std::vector<std::string> Ledger::refusals() const {
  std::lock_guard lock(m_);
  return refusals_;
}

Ledger::Totals Ledger::totals() const {
  std::lock_guard lock(m_);
  return totals_;
}

std::vector<double> Ledger::take_latencies() {
  std::lock_guard lock(m_);
  return std::exchange(latencies_, {});
}

std::set<std::string> Ledger::acked() const {
  std::lock_guard lock(m_);
  return acked_;
}

std::map<std::string, std::vector<std::string>> Ledger::written_by_device() const {
  std::lock_guard lock(m_);
  return written_;
}

std::set<std::pair<std::string, std::string>> Ledger::rows() const {
  std::lock_guard lock(m_);
  return rows_;
}

// ---- one tablet -----------------------------------------------------------------------

// The app's transport, timed, with the server's acknowledgements noted
// the moment they arrive: an answer heard is an answer the test holds the
// server to, whatever happens to the device or the server afterwards.
class Recorder : public sync::Transport {
 public:
  Recorder(sync::Transport& inner, Ledger& ledger) : inner_(inner), ledger_(ledger) {}
  Result<std::string> exchange(std::string_view path, const std::string& body) override {
    auto t0 = Clock::now();
    auto r = inner_.exchange(path, body);
    ledger_.exchange(std::chrono::duration<double, std::milli>(Clock::now() - t0).count(),
                     r ? Code::ok : r.error().code);
    if (r && path == "/v1/sync/push")
      if (auto j = parse_json(*r))
        if (auto a = sync::decode_push_answer(*j)) ledger_.accepted(a->accepted);
    return r;
  }

 private:
  sync::Transport& inner_;
  Ledger& ledger_;
};

class FleetDevice {
 public:
  FleetDevice(const FleetOptions& o, std::string user_name, size_t index, Ledger& ledger)
      : user(std::move(user_name)),
        id("fleet-" + std::to_string(index) + "-" + UuidV7().next(wall_ms())),
        path(o.dir + "/" + id + ".db"),
        http(o.url, key, o.timeout_ms),
        db(std::make_unique<SqliteDb>(path)),
        replica(std::make_unique<sync::Replica>(*db, id, clock)),
        recorder(http, ledger),
        sync(std::make_unique<sync::SyncClient>(*replica, recorder)) {
    db->make_durable();  // as the app's replica is
    replica->set_key(&key);
    sync->push_batch = 20;  // several exchanges per sync: more moments for a kill to land in
    sync->overlap = true;   // as the app pushes
  }

  struct Target {
    const TableSpec* table;
    std::string id, grid;
  };

  // The rows of its smallest grid, in id order: devices of one grid edit
  // the same few rows, so their writes meet.
  void choose_pool(int size) {
    for (const char* table : {"households", "enterprises"}) {
      auto q = db->prepare(std::string("SELECT id, grid_id FROM ") + table +
                           " WHERE grid_id = (SELECT grid_id FROM " + table +
                           " GROUP BY grid_id ORDER BY count(*), grid_id LIMIT 1) ORDER BY id LIMIT " +
                           std::to_string(size));
      while (q.step()) pool.push_back({find_table(table), std::string(q.text(0)), std::string(q.text(1))});
      if (!pool.empty()) return;
    }
  }

  std::string user, id, path;
  sync::DeviceKey key = sync::DeviceKey::generate();
  net::HttpTransport http;
  Hlc clock{wall_ms};
  std::unique_ptr<Db> db;
  std::unique_ptr<sync::Replica> replica;
  Recorder recorder;
  std::unique_ptr<sync::SyncClient> sync;
  std::string user_id;
  std::vector<Target> pool;
  bool ready = false;
  int64_t counter = 0;
  std::mutex m;  // one thread drives a device at a time
};

// ---- the fleet --------------------------------------------------------------------------

Fleet::Fleet(FleetOptions o) : o_(std::move(o)) {
  std::filesystem::create_directories(o_.dir);
  for (size_t i = 0; i < o_.users.size(); ++i)
    devices_.push_back(std::make_unique<FleetDevice>(o_, o_.users[i], i, ledger_));
}

Fleet::~Fleet() = default;

// Signs one tablet in and pulls its scope, again and again while the
// server is away.
Status Fleet::start_one(FleetDevice& d, Clock::time_point deadline) {
  while (!d.ready) {
    if (Clock::now() > deadline) return Error{Code::offline, d.user + " could not sign in and pull its scope"};
    if (d.user_id.empty()) {
      auto login = d.http.login(d.user, "gridwork-demo", d.id, "fleet tablet");
      if (login) d.user_id = login->user_id;
      else if (login.error().code != Code::offline) return login.error();
    }
    if (!d.user_id.empty() && d.sync->sync()) {
      d.choose_pool(o_.pool);
      if (d.pool.empty()) return Error{Code::not_found, d.user + " holds no household nor enterprise"};
      d.ready = true;
    }
    if (!d.ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::ok();
}

Status Fleet::start(Clock::time_point deadline, int threads) {
  std::atomic<size_t> next{0};
  std::mutex m;
  Status first;
  std::vector<std::thread> ts;
  for (int t = 0; t < std::max(1, threads); ++t)
    ts.emplace_back([&] {
      for (size_t i = next++; i < devices_.size(); i = next++) {
        auto st = start_one(*devices_[i], deadline);
        std::lock_guard lock(m);
        if (!st && first) first = st;
      }
    });
  for (auto& t : ts) t.join();
  return first;
}

void Fleet::step(size_t i, std::mt19937_64& rng) {
  auto& d = *devices_[i];
  std::lock_guard lock(d.m);
  if (!d.ready) return;
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  int roll = static_cast<int>(rng() % 100);
  if (roll < 60) {
    for (size_t k = 0, n = 1 + pick(3); k < n; ++k) {
      const auto& t = d.pool[pick(d.pool.size())];
      // notes and tags merge last-writer-wins; the counts are reviewed
      // columns, so contended ones become conflicts for an admin.
      bool household = t.table->name == std::string_view("households");
      static const char* const kHousehold[] = {"notes", "tags", "members"};
      static const char* const kEnterprise[] = {"notes", "industry", "employees"};
      const char* col = (household ? kHousehold : kEnterprise)[pick(3)];
      Value v = std::string_view(col) == "members" || std::string_view(col) == "employees"
                    ? Value{static_cast<int64_t>(1 + pick(9))}
                    : Value{std::string(col) + " " + d.id.substr(0, 8) + "#" + std::to_string(++d.counter)};
      auto w = d.replica->write(*t.table, t.id, {{static_cast<uint16_t>(t.table->index_of(col)), v}});
      if (w) {
        ledger_.written(d.id, w->id);
        ledger_.touched(std::string(t.table->name), t.id);
      } else {
        ledger_.refused(d.id + ": a local edit of " + t.id + " refused: " + w.error().to_string());
      }
    }
  } else if (roll < 75) {
    const auto& t = d.pool[pick(d.pool.size())];
    const auto& visits = *find_table("visits");
    static const char* const kPurposes[] = {"routine", "care", "dispute", "safety", "policy", "service"};
    auto col = [&](const char* name) { return static_cast<uint16_t>(visits.index_of(name)); };
    bool household = t.table->name == std::string_view("households");
    auto row = d.replica->create(visits, {{col("grid_id"), Value{t.grid}},
                                          {col("target_kind"), Value{std::string(household ? "household" : "enterprise")}},
                                          {col("target_id"), Value{t.id}},
                                          {col("visitor_id"), Value{d.user_id}},
                                          {col("visited_at"), Value{wall_ms()}},
                                          {col("purpose"), Value{std::string(kPurposes[pick(6)])}},
                                          {col("notes"), Value{std::string("走访 ") + std::to_string(++d.counter)}}});
    if (row) {
      ledger_.written(d.id, one_text(*d.db, "SELECT id FROM _outbox WHERE row_id = '" + *row + "' ORDER BY n DESC LIMIT 1"));
      ledger_.touched("visits", *row);
    } else {
      ledger_.refused(d.id + ": a new visit refused: " + row.error().to_string());
    }
  }
  (void)d.sync->sync();  // a failure is in the ledger; the outbox keeps the work
}

bool Fleet::settle(Clock::time_point deadline) {
  for (;;) {
    bool quiet = true, failed = false;
    for (auto& d : devices_) {
      std::lock_guard lock(d->m);
      auto r = d->sync->sync();
      failed = failed || !r;
      if (!r || r->pushed || r->pulled || r->refused || d->replica->pending_count() > 0) quiet = false;
    }
    if (quiet) return true;
    if (Clock::now() > deadline) return false;
    // A refused connection fails at once: no spinning against a server
    // that is still coming up.
    if (failed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The device-side findings are taken before the files close: what is still
// pending, and what the server refused.
void Fleet::close_devices() {
  for (auto& d : devices_) {
    std::lock_guard lock(d->m);
    if (int64_t n = d->replica->pending_count())
      device_problems_.push_back(d->id + ": " + std::to_string(n) + " patches still pending");
    for (const auto& e : d->replica->problems())
      device_problems_.push_back(d->id + ": patch " + e.id + " refused (" + e.reason + ")");
    files_.emplace_back(d->id, d->path);
  }
  devices_.clear();  // every device file closed before it is checked
}

}  // namespace gw::test
