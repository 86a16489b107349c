// bench-takeover: issue 7's figure against the real gridwork-server on
// loopback (./dev bench takeover). 50 cadres of one department wait on
// long-polls like tablets; supervisor01 starts a takeover (战时接管) of the
// department's unit grid; each cadre's time from the supervisor's push to
// holding every row of that grid and its descendants. The takeover is ended
// (the grid leaves every tablet) and started again, --rounds times.
//
// Beside it, the physical ceiling: plain SQLite copying the same rows from
// the server's database into 50 fresh files, serially.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "sync/core/device_key.hpp"
#include "net/http_transport.hpp"
#include "shared/codec.hpp"
#include "shared/ddl.hpp"
#include "shared/json.hpp"
#include "shared/schema.hpp"
#include "shared/sqlite.hpp"
#include "shared/uuid.hpp"
#include "sync/device/replica.hpp"
#include "sync/device/sync_client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/timed_transport.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace gw;

constexpr const char* kPassword = "gridwork-demo";  // the demo's, and the added cadres'
constexpr int kWaitMs = 30'000;                     // above the server's 25 s long-poll

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Options {
  int cadres = 50;
  int rounds = 5;
  int round_seconds = 60;  // the bound on each wait: takeover, eviction
  bool page_cache = true;  // false: the server builds every grid page for its reader
};

const char* kHelp =
    "usage: bench-takeover [--cadres N] [--rounds N] [--round-seconds S] [--quick]\n"
    "\n"
    "Starts the gridwork-server beside it (build/bin/) with the demo park on a free\n"
    "loopback port and puts N cadres in department 1 (default 50: cadre01, cadre02 and\n"
    "N-2 added with `user add --department`); each waits on /v1/sync/wait on a thread of\n"
    "its own. supervisor01 starts a takeover of unit grid 1; each cadre's time from just\n"
    "before that push to holding every row of the unit grid and its descendants is one\n"
    "sample. The takeover is ended, every cadre loses the grid again, and it repeats\n"
    "--rounds times (default 5). Then plain SQLite copies the same rows into N fresh\n"
    "files, serially: the ceiling. Every wait is bounded by --round-seconds (default 60).\n"
    "--quick: 10 cadres, 2 rounds. --no-page-cache: the server started with\n"
    "--page-cache-mb 0, every cadre's pages built for it (the cost the cache saves).\n"
    "Prints a report and `bench takeover.METRIC VALUE UNIT` lines; exits 1 when a wait\n"
    "runs out of time or any request or sync fails.\n";

bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto number = [&](int& out) {
      out = i + 1 < argc ? std::atoi(argv[++i]) : 0;
      if (out <= 0) fprintf(stderr, "bench-takeover: %s wants a positive number\n", a.c_str());
      return out > 0;
    };
    if (a == "--help" || a == "-h") {
      fputs(kHelp, stdout);
      exit(0);
    } else if (a == "--quick") {
      o.cadres = 10;
      o.rounds = 2;
    } else if (a == "--no-page-cache") {
      o.page_cache = false;
    } else if (a == "--cadres") {
      if (!number(o.cadres)) return false;
    } else if (a == "--rounds") {
      if (!number(o.rounds)) return false;
    } else if (a == "--round-seconds") {
      if (!number(o.round_seconds)) return false;
    } else {
      fprintf(stderr, "bench-takeover: unknown argument %s\n%s", a.c_str(), kHelp);
      return false;
    }
  }
  return true;
}

// Nearest rank: the smallest sample with at least p of them at or below it.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

// ---- the unit grid, as the server holds it -------------------------------------------

// The tables whose rows live in a grid's bucket: what a takeover hands over.
std::vector<const TableSpec*> grid_tables() {
  std::vector<const TableSpec*> out;
  for (const auto& t : all_tables())
    if (t.bucket == BucketRule::grid) out.push_back(&t);
  return out;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

struct UnitGrid {
  std::string department_id, department_name;
  std::string grid_id, grid_name;
  std::vector<std::string> grids;         // the unit grid and its descendants
  std::map<std::string, int64_t> counts;  // rows per grid table on the server
  int64_t rows = 0;

  // "grid_id IN ('a', 'b', ...)": the grids are ids read from our own server.
  std::string in_grids() const {
    std::string list;
    for (const auto& g : grids) list += (list.empty() ? "" : ", ") + quoted(g);
    return "grid_id IN (" + list + ")";
  }
  // One query: the rows of these grids a store holds, over every grid table.
  std::string count_sql() const {
    std::string sql = "SELECT 0";
    for (const auto* t : grid_tables())
      sql += " + (SELECT count(*) FROM " + std::string(t->name) + " WHERE " + in_grids() + ")";
    return sql;
  }
};

std::string text_of(Db& db, const std::string& sql, const std::string& param = {}) {
  auto q = db.prepare(sql);
  if (!param.empty()) q.bind(1, param);
  return q.step() && !q.is_null(0) ? std::string(q.text(0)) : std::string();
}

// Department 1 (cadre01's) and the unit grid it is linked to, from the
// server's database while it runs (WAL: a reader sees the last commit).
std::optional<UnitGrid> read_unit_grid(const std::string& server_db) {
  SqliteDb db(server_db);
  UnitGrid u;
  u.department_id = text_of(db, "SELECT department_id FROM users WHERE username = 'cadre01'");
  if (u.department_id.empty()) return std::nullopt;
  u.department_name = text_of(db, "SELECT name FROM departments WHERE id = ?", u.department_id);
  u.grid_id = text_of(db, "SELECT grid_id FROM departments WHERE id = ?", u.department_id);
  if (u.grid_id.empty()) return std::nullopt;
  u.grid_name = text_of(db, "SELECT name FROM grids WHERE id = ?", u.grid_id);
  auto tree = db.prepare(
      "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT g.id FROM grids g JOIN sub ON g.parent_id = sub.id) "
      "SELECT id FROM sub");
  tree.bind(1, u.grid_id);
  while (tree.step()) u.grids.emplace_back(tree.text(0));
  for (const auto* t : grid_tables()) {
    int64_t n = db.query_int("SELECT count(*) FROM " + std::string(t->name) + " WHERE " + u.in_grids());
    u.counts[std::string(t->name)] = n;
    u.rows += n;
  }
  return u;
}

// ---- devices ----------------------------------------------------------------------------

// A tablet: its key, its replica in a file of its own, its transport and sync loop.
struct Device {
  std::string user;
  std::string id = "bench-" + UuidV7().next(now_ms());
  sync::DeviceKey key = sync::DeviceKey::generate();
  std::unique_ptr<net::HttpTransport> http;
  std::unique_ptr<gw::test::TimedTransport> timed;
  std::unique_ptr<Db> db;
  std::unique_ptr<Hlc> clock;
  std::unique_ptr<sync::Replica> replica;
  std::unique_ptr<sync::SyncClient> sync;
  net::LoginResult me;
  HlcTime since = 0;  // server_hlc of the last pull: the long-poll's `since`

  Device(const std::string& url, std::string username, const std::string& file) : user(std::move(username)) {
    http = std::make_unique<net::HttpTransport>(url, key);
    db = std::make_unique<SqliteDb>(file);
    clock = std::make_unique<Hlc>(now_ms);
    replica = std::make_unique<sync::Replica>(*db, id, *clock);
    replica->set_key(&key);
    timed = std::make_unique<gw::test::TimedTransport>(*http);
    sync = std::make_unique<sync::SyncClient>(*replica, *timed);
  }
};

// Logs in and syncs once; "" or why not.
std::string log_in_and_sync(Device& d) {
  auto login = d.http->login(d.user, kPassword, d.id, "bench takeover");
  if (!login) return "login " + d.user + ": " + login.error().to_string();
  d.me = *login;
  auto r = d.sync->sync();
  if (!r) return "first sync of " + d.user + ": " + r.error().to_string();
  d.since = r->server_hlc;
  return "";
}

// ---- the rounds' bookkeeping, shared by the cadres' threads and main ------------------

enum class Phase { idle, takeover, release };

struct Sample {
  double wake_ms = 0;      // t0 to the long-poll's answer
  double done_ms = 0;      // t0 to holding the whole grid
  double exchange_ms = 0;  // of the sync after that answer: in exchanges
  int64_t bytes_down = 0;  // what that sync received
};

class Coordinator {
 public:
  Coordinator(size_t cadres, int64_t full) : full_(full), baseline_(cadres, 0), held_(cadres, 0) {}

  void set_baseline(size_t i, int64_t held) { baseline_[i] = held; }

  // A new phase; its clock starts now (t0).
  Clock::time_point begin(Phase p) {
    std::lock_guard lock(m_);
    phase_ = p;
    t0_ = Clock::now();
    samples_.assign(baseline_.size(), std::nullopt);
    reached_ = 0;
    return t0_;
  }

  // A cadre after a sync: how many rows of the unit grid it holds now.
  void report(size_t i, int64_t held, Clock::time_point woke, double exchange_ms, int64_t bytes_down) {
    auto now = Clock::now();
    std::lock_guard lock(m_);
    held_[i] = held;
    int64_t goal = phase_ == Phase::takeover ? full_ : baseline_[i];
    if (phase_ == Phase::idle || held != goal || samples_[i]) return;
    samples_[i] = Sample{std::max(0.0, ms_between(t0_, woke)), ms_between(t0_, now), exchange_ms, bytes_down};
    if (++reached_ == samples_.size()) cv_.notify_all();
  }

  // Until every cadre reached the phase's goal; false at the deadline.
  bool wait_all(Clock::time_point deadline) {
    std::unique_lock lock(m_);
    return cv_.wait_until(lock, deadline, [&] { return reached_ == samples_.size(); });
  }

  std::vector<Sample> samples() {
    std::lock_guard lock(m_);
    std::vector<Sample> out;
    for (const auto& s : samples_)
      if (s) out.push_back(*s);
    return out;
  }

  // The cadres that have not reached the goal, with what they hold.
  std::string laggards(const std::vector<std::unique_ptr<Device>>& cadres) {
    std::lock_guard lock(m_);
    std::string out;
    for (size_t i = 0; i < samples_.size(); ++i)
      if (!samples_[i]) out += " " + cadres[i]->user + " (" + std::to_string(held_[i]) + " rows)";
    return out;
  }

  void error(const std::string& what) {
    std::lock_guard lock(m_);
    if (errors_++ < 5) fprintf(stderr, "  error: %s\n", what.c_str());
  }
  int64_t errors() {
    std::lock_guard lock(m_);
    return errors_;
  }

  std::atomic<bool> stopping{false};

 private:
  std::mutex m_;
  std::condition_variable cv_;
  Phase phase_ = Phase::idle;
  Clock::time_point t0_;
  int64_t full_;
  std::vector<int64_t> baseline_, held_;
  std::vector<std::optional<Sample>> samples_;
  size_t reached_ = 0;
  int64_t errors_ = 0;
};

bool answer_says_changed(const std::string& body) {
  auto j = parse_json(body);
  const Json* changed = j ? j->find("changed") : nullptr;
  return changed && changed->is_bool() && changed->as_bool();
}

// A tablet's loop: wait for a change, sync, count what it holds of the grid.
// Never throws: this is a thread of its own.
void cadre_loop(Device& d, size_t index, const std::string& count_sql, Coordinator& co) {
  try {
    while (!co.stopping) {
      auto answer = d.http->get("/v1/sync/wait?since=" + std::to_string(d.since), kWaitMs);
      auto woke = Clock::now();
      if (co.stopping) return;
      if (!answer) {
        co.error(d.user + " wait: " + answer.error().to_string());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      if (!answer_says_changed(*answer)) continue;  // the long-poll's time ran out: wait again
      d.timed->seconds = 0;
      auto r = d.sync->sync();
      if (!r) {
        if (!co.stopping) co.error(d.user + " sync: " + r.error().to_string());
        continue;
      }
      d.since = r->server_hlc;
      co.report(index, d.db->query_int(count_sql), woke, d.timed->seconds * 1000, r->bytes_down);
    }
  } catch (const std::exception& e) {
    co.error(d.user + ": " + e.what());
  }
}

// The cadres' threads; on the way out (also on an early return) they are told
// to stop and the server is stopped, which answers every long-poll at once.
class Fleet {
 public:
  Fleet(Coordinator& co, test::ChildProcess& server) : co_(co), server_(server) {}
  ~Fleet() { stop(); }
  void start(std::vector<std::unique_ptr<Device>>& cadres, const std::string& count_sql) {
    for (size_t i = 0; i < cadres.size(); ++i)
      threads_.emplace_back(cadre_loop, std::ref(*cadres[i]), i, count_sql, std::ref(co_));
  }
  int stop() {
    co_.stopping = true;
    int status = server_.stop(std::chrono::seconds(30));
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    if (status >= 0) status_ = status;
    return status_;
  }

 private:
  Coordinator& co_;
  test::ChildProcess& server_;
  std::vector<std::thread> threads_;
  int status_ = -1;
};

// ---- the server --------------------------------------------------------------------------

std::string server_binary() {
  auto self = std::filesystem::canonical("/proc/self/exe");
  return (self.parent_path() / "gridwork-server").string();
}

// CPU seconds (user and system, every thread) a process has used so far.
double cpu_seconds(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t name_end = stat.rfind(')');  // the name may hold spaces
  if (name_end == std::string::npos) return 0;
  std::vector<std::string> f;  // from field 3 (state) on
  std::istringstream rest(stat.substr(name_end + 1));
  for (std::string x; rest >> x;) f.push_back(x);
  if (f.size() < 13) return 0;
  return (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds the whole machine has been busy (every core, every process,
// and time stolen by the hypervisor), from /proc/stat: what is not ours in
// it ran beside the benchmark and slowed it.
double machine_busy_seconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu") return 0;
  return (user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Our child gridwork-server's pid, found in /proc (ChildProcess keeps its own).
std::string server_pid() {
  std::string me = std::to_string(getpid());
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in("/proc/" + pid + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos || stat.find("(gridwork-server)") == std::string::npos) continue;
    std::istringstream rest(stat.substr(name_end + 1));
    std::string state, ppid;
    if (rest >> state >> ppid && ppid == me) return pid;
  }
  return "";
}

std::unique_ptr<test::ChildProcess> start_server(const std::string& db, int port, const std::string& log,
                                                bool page_cache) {
  std::vector<std::string> args = {server_binary(), "--db", db, "--listen", "127.0.0.1:" + std::to_string(port),
                                   "--demo", "--quiet"};
  if (!page_cache) args.insert(args.end(), {"--page-cache-mb", "0"});
  auto child = std::make_unique<test::ChildProcess>(
      args, test::ChildOptions{.env = {}, .log = log, .pipe_stdout = true, .own_group = false});
  std::string line;
  while (child->line(&line))
    if (line.find("listening on") != std::string::npos) return child;
  return nullptr;  // it exited first; its log says why
}

// `gridwork-server user add` as an admin would run it, beside the running
// server: the admin commands share its database (WAL), and the server reads
// users and departments from it on every request.
std::string add_cadre(const std::string& db, const std::string& username, const std::string& department,
                      const std::string& log) {
  std::string name = "接管干部" + username.substr(username.size() - 2);
  test::ChildProcess add({server_binary(), "user", "add", username, "--roles", "cadre", "--name", name,
                          "--department", department, "--password", kPassword, "--db", db},
                         test::ChildOptions{.env = {}, .log = log, .pipe_stdout = false, .own_group = false});
  int status = add.wait();
  return status == 0 ? "" : "user add " + username + " exited " + std::to_string(status) + " (see " + log + ")";
}

// A gauge or a sum from the server's /v1/metrics text.
double metric(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atof(text.c_str() + at + name.size() + 2);
}

// Until every cadre is in a long-poll, as tablets sit between changes.
bool all_waiting(net::HttpTransport& http, size_t cadres, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    auto m = http.get("/v1/metrics", 10'000);
    if (m && metric(*m, "gridwork_waiters") >= static_cast<double>(cadres)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

struct Endpoint {
  double sum_s = 0, count = 0;
};

Endpoint endpoint(net::HttpTransport& http, const std::string& path) {
  auto m = http.get("/v1/metrics", 10'000);
  if (!m) return {};
  // An endpoint not asked yet has no lines: zero of each.
  std::string label = "{endpoint=\"" + path + "\"}";
  return {std::max(0.0, metric(*m, "gridwork_request_seconds_sum" + label)),
          std::max(0.0, metric(*m, "gridwork_request_seconds_count" + label))};
}

// Grid pages the server built and served shared so far (0 without a cache).
std::pair<double, double> page_counts(net::HttpTransport& http) {
  auto m = http.get("/v1/metrics", 10'000);
  if (!m) return {0, 0};
  return {std::max(0.0, metric(*m, "gridwork_pull_pages_built_total")),
          std::max(0.0, metric(*m, "gridwork_pull_pages_shared_total"))};
}

// ---- the supervisor's side of a round ----------------------------------------------------

struct Push {
  std::string error;
  double answered_ms = 0;  // t0 to the push's answer
};

// Syncs the supervisor's replica after one local write; the write must be accepted.
Push push_one(Device& sup, Clock::time_point t0) {
  Push out;
  sup.sync->on_progress = [&](const sync::SyncReport& r) {
    if (out.answered_ms == 0 && r.pushed + r.refused > 0) out.answered_ms = ms_between(t0, Clock::now());
  };
  auto r = sup.sync->sync();
  sup.sync->on_progress = nullptr;
  if (!r) out.error = "supervisor sync: " + r.error().to_string();
  else if (r->pushed != 1 || r->refused != 0) {
    out.error = "the server did not accept the takeover write";
    for (const auto& p : sup.replica->problems()) out.error += ": " + p.code + " " + p.reason;
  }
  return out;
}

Result<std::string> start_takeover(Device& sup, const UnitGrid& u, int round) {
  const TableSpec& t = *find_table("takeovers");
  return sup.replica->create(t, fields_of(t, {{"grid_id", Value{u.grid_id}},
                                              {"department_id", Value{u.department_id}},
                                              {"reason", Value{"台风应急演练 " + std::to_string(round)}},
                                              {"started_by", Value{sup.me.user_id}},
                                              {"started_at", Value{now_ms()}}}));
}

Status end_takeover(Device& sup, const std::string& takeover_id) {
  const TableSpec& t = *find_table("takeovers");
  auto r = sup.replica->write(t, takeover_id,
                              fields_of(t, {{"ended_at", Value{now_ms()}}, {"ended_by", Value{sup.me.user_id}}}));
  if (!r) return r.error();
  return Status::ok();
}

struct RoundResult {
  std::vector<Sample> samples;
  double push_ms = 0, release_ms = 0;
  // From t0 to the last cadre holding the grid:
  double wall_s = 0, server_cpu_s = 0, devices_cpu_s = 0, machine_busy_s = 0;
  Endpoint pulls;  // the server's own time for pulls
  double pages_built = 0, pages_shared = 0;  // grid pages built and encoded, served as another's
};

// One takeover and its end; "" or why it failed.
std::string run_round(int round, Device& sup, const UnitGrid& u, Coordinator& co,
                      const std::vector<std::unique_ptr<Device>>& cadres, const Options& o,
                      const std::string& server, RoundResult& out) {
  auto bound = [&] { return Clock::now() + std::chrono::seconds(o.round_seconds); };
  if (!all_waiting(*sup.http, cadres.size(), bound())) return "not every cadre was long-polling before the round";
  auto id = start_takeover(sup, u, round);
  if (!id) return "takeover row: " + id.error().to_string();
  auto pulls = endpoint(*sup.http, "/v1/sync/pull");
  auto pages = page_counts(*sup.http);
  double server_cpu = cpu_seconds(server), devices_cpu = cpu_seconds("self"), busy = machine_busy_seconds();
  auto t0 = co.begin(Phase::takeover);
  auto push = push_one(sup, t0);
  if (!push.error.empty()) return push.error;
  if (!co.wait_all(t0 + std::chrono::seconds(o.round_seconds)))
    return "after " + std::to_string(o.round_seconds) + " s these cadres still lack rows of the unit grid:" +
           co.laggards(cadres);
  out.wall_s = ms_between(t0, Clock::now()) / 1000;
  out.server_cpu_s = cpu_seconds(server) - server_cpu;
  out.devices_cpu_s = cpu_seconds("self") - devices_cpu;
  out.machine_busy_s = machine_busy_seconds() - busy;
  auto pulls_after = endpoint(*sup.http, "/v1/sync/pull");
  out.pulls = {pulls_after.sum_s - pulls.sum_s, pulls_after.count - pulls.count};
  auto pages_after = page_counts(*sup.http);
  out.pages_built = pages_after.first - pages.first;
  out.pages_shared = pages_after.second - pages.second;
  out.samples = co.samples();
  out.push_ms = push.answered_ms;

  // The end: every tablet must lose the grid before the next round starts.
  if (auto st = end_takeover(sup, *id); !st) return "end of the takeover: " + st.error().to_string();
  auto t1 = co.begin(Phase::release);
  if (auto end = push_one(sup, t1); !end.error.empty()) return end.error;
  if (!co.wait_all(t1 + std::chrono::seconds(o.round_seconds)))
    return "after " + std::to_string(o.round_seconds) + " s these cadres still hold rows of the unit grid:" +
           co.laggards(cadres);
  double slowest = 0;
  for (const auto& s : co.samples()) slowest = std::max(slowest, s.done_ms);
  out.release_ms = slowest;
  co.begin(Phase::idle);
  return "";
}

// ---- the ceiling: plain SQLite copying the same rows -------------------------------------

// Copies the unit grid's rows of every grid table from the server's database
// into a fresh file: plain tables (id and the data columns, no clocks, no
// indexes but the key), a plain INSERT per row, one transaction. Returns the
// milliseconds of the copy (read, insert, commit), the file made beforehand.
double raw_copy(Db& server, const UnitGrid& u, const std::string& file) {
  SqliteDb out(file);
  for (const auto* t : grid_tables()) out.exec_ddl(create_table_sql(*t));
  auto t0 = Clock::now();
  Transaction txn(out);
  for (const auto* t : grid_tables()) {
    std::string cols = column_list(*t);
    std::string marks = "?";
    for (size_t i = 0; i < t->columns.size(); ++i) marks += ", ?";
    auto read = server.prepare("SELECT id, " + cols + " FROM " + std::string(t->name) + " WHERE " + u.in_grids());
    auto write = out.prepare("INSERT INTO " + std::string(t->name) + " (id, " + cols + ") VALUES (" + marks + ")");
    int n = static_cast<int>(t->columns.size()) + 1;
    while (read.step()) {
      for (int i = 0; i < n; ++i) write.bind(i + 1, read.value(i));
      write.run();
    }
  }
  txn.commit();
  return ms_between(t0, Clock::now());
}

std::vector<double> raw_copies(const std::string& server_db, const UnitGrid& u, int files, const std::string& dir) {
  SqliteDb server(server_db);
  std::vector<double> ms;
  for (int i = 0; i < files; ++i) ms.push_back(raw_copy(server, u, dir + "/raw-" + std::to_string(i) + ".db"));
  return ms;
}

// ---- setup -------------------------------------------------------------------------------

std::string cadre_name(int i) {  // 0-based
  char buf[32];
  snprintf(buf, sizeof buf, i < 2 ? "cadre%02d" : "tkcadre%02d", i + 1);
  return buf;
}

// Logs in and syncs every device on 4 threads (logins hash with argon2id).
std::string log_in_all(std::vector<std::unique_ptr<Device>>& devices) {
  std::mutex m;
  std::string first_error;
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (size_t i = next++; i < devices.size(); i = next++) {
        std::string why;
        try {
          why = log_in_and_sync(*devices[i]);
        } catch (const std::exception& e) {
          why = devices[i]->user + ": " + e.what();
        }
        std::lock_guard lock(m);
        if (!why.empty() && first_error.empty()) first_error = why;
      }
    });
  for (auto& t : threads) t.join();
  return first_error;
}

struct Report {
  UnitGrid unit;
  int cadres = 0, rounds = 0;
  double add_s = 0, login_s = 0;
  int64_t supervisor_rows = 0, baseline_rows = 0;
  std::vector<RoundResult> results;
  std::vector<double> raw_ms;
  int64_t errors = 0;
  int server_status = -1;
};

// The samples of every round, pooled.
struct Totals {
  std::vector<double> done, wake, sync_ms, exchange_ms, local_ms, push_ms, release_ms;
  double bytes = 0, wall_s = 0, server_cpu_s = 0, devices_cpu_s = 0, busy_s = 0, raw_total = 0;
  Endpoint pulls;
  double pages_built = 0, pages_shared = 0;
};

Totals pooled(const Report& r) {
  Totals t;
  for (const auto& round : r.results) {
    t.wall_s += round.wall_s;
    t.server_cpu_s += round.server_cpu_s;
    t.devices_cpu_s += round.devices_cpu_s;
    t.busy_s += round.machine_busy_s;
    t.pulls.sum_s += round.pulls.sum_s;
    t.pulls.count += round.pulls.count;
    t.pages_built += round.pages_built;
    t.pages_shared += round.pages_shared;
    for (const auto& s : round.samples) {
      t.done.push_back(s.done_ms);
      t.wake.push_back(s.wake_ms);
      t.sync_ms.push_back(s.done_ms - s.wake_ms);
      t.exchange_ms.push_back(s.exchange_ms);
      t.local_ms.push_back(s.done_ms - s.wake_ms - s.exchange_ms);
      t.bytes += static_cast<double>(s.bytes_down);
    }
    t.push_ms.push_back(round.push_ms);
    t.release_ms.push_back(round.release_ms);
  }
  for (double x : r.raw_ms) t.raw_total += x;
  return t;
}

void print_human(const Report& r, const Totals& t) {
  const auto& [done, wake, sync_ms, exchange_ms, local_ms, push_ms, release_ms, bytes, wall_s, server_cpu_s,
               devices_cpu_s, busy_s, raw_total, pulls, pages_built, pages_shared] = t;
  const auto& u = r.unit;
  printf("takeover of %s (%zu grids, %lld rows) by %d cadres of %s, long-polling gridwork-server on loopback;\n"
         "  clients and server share this machine's %u cores\n",
         u.grid_name.c_str(), u.grids.size(), static_cast<long long>(u.rows), r.cadres, u.department_name.c_str(),
         std::thread::hardware_concurrency());
  printf("  rows by table:");
  for (const auto& [table, n] : u.counts) printf(" %s %lld", table.c_str(), static_cast<long long>(n));
  printf("\n  setup: %d cadres added with `user add --department` in %.1f s; %d logins and first syncs in %.1f s"
         " (supervisor01: %lld rows)\n",
         std::max(0, r.cadres - 2), r.add_s, r.cadres + 1, r.login_s, static_cast<long long>(r.supervisor_rows));
  if (r.baseline_rows) printf("  before the takeover the cadres held %lld rows of it (department tasks)\n",
                              static_cast<long long>(r.baseline_rows));
  for (size_t i = 0; i < r.results.size(); ++i) {
    std::vector<double> d;
    for (const auto& s : r.results[i].samples) d.push_back(s.done_ms);
    printf("  round %zu: push answered %.0f ms; first cadre complete %.0f ms, median %.0f ms, last %.0f ms;"
           " grid gone from all %.0f ms after the end\n",
           i + 1, r.results[i].push_ms, percentile(d, 0), percentile(d, 0.5), percentile(d, 1),
           r.results[i].release_ms);
  }
  printf("  push -> every cadre holding the grid (%zu samples): p50 %.0f ms, p99 %.0f ms, max %.0f ms\n", done.size(),
         percentile(done, 0.5), percentile(done, 0.99), percentile(done, 1));
  printf("    t0 -> the long-poll's answer: p50 %.0f ms, p99 %.0f ms; answer -> whole grid (sync, count): p50 %.0f ms,"
         " p99 %.0f ms\n",
         percentile(wake, 0.5), percentile(wake, 0.99), percentile(sync_ms, 0.5), percentile(sync_ms, 0.99));
  printf("    of that sync, in exchanges (HTTP, server): p50 %.0f ms, p99 %.0f ms; on the device (decode, apply,"
         " count): p50 %.0f ms, p99 %.0f ms\n",
         percentile(exchange_ms, 0.5), percentile(exchange_ms, 0.99), percentile(local_ms, 0.5),
         percentile(local_ms, 0.99));
  printf("    a cadre's sync received %.0f KB on average; the server's own time for those pulls: %.0f pulls,"
         " mean %.1f ms\n",
         done.empty() ? 0.0 : bytes / static_cast<double>(done.size()) / 1024, pulls.count,
         pulls.count > 0 ? 1000 * pulls.sum_s / pulls.count : 0.0);
  printf("    CPU from t0 to the last cadre, all rounds (%.1f s of wall time, %u cores): server %.1f s,"
         " the cadres' process %.1f s, anything else %.1f s\n",
         wall_s, std::thread::hardware_concurrency(), server_cpu_s, devices_cpu_s,
         std::max(0.0, busy_s - server_cpu_s - devices_cpu_s));
  printf("    grid pages (the server's page cache%s): %.0f built and encoded, %.0f served as built for another"
         " cadre, per round\n",
         pages_built + pages_shared > 0 ? "" : " off", pages_built / std::max<size_t>(1, r.results.size()),
         pages_shared / std::max<size_t>(1, r.results.size()));
  printf("  ceiling: plain SQLite copying the %lld rows into %zu fresh files, serially: %.1f ms per file"
         " (p99 %.1f), %.0f ms for all\n",
         static_cast<long long>(u.rows), r.raw_ms.size(), mean(r.raw_ms), percentile(r.raw_ms, 0.99), raw_total);
  printf("  the last cadre of all (%.0f ms) against the ceiling for all %zu files (%.0f ms): %.1f x\n",
         percentile(done, 1), r.raw_ms.size(), raw_total, raw_total > 0 ? percentile(done, 1) / raw_total : 0.0);
  printf("  target p99 < 2000 ms: %s; errors: %lld; server exit status %d\n",
         percentile(done, 0.99) < 2000 ? "met" : "missed", static_cast<long long>(r.errors), r.server_status);
  if (r.server_status != 0)
    printf("  warning: the server did not stop cleanly on SIGTERM (status %d) with %d long-polls open;"
           " the figures stand, the stop is a server bug\n",
           r.server_status, r.cadres);

}

// The fixed-format lines (README: `bench NAME.METRIC VALUE UNIT`).
void print_figures(const Report& r, const Totals& t) {
  const auto& [done, wake, sync_ms, exchange_ms, local_ms, push_ms, release_ms, bytes, wall_s, server_cpu_s,
               devices_cpu_s, busy_s, raw_total, pulls, pages_built, pages_shared] = t;
  const auto& u = r.unit;
  double rounds = std::max(1.0, static_cast<double>(r.results.size()));
  printf("bench takeover.cadres %d n\n", r.cadres);
  printf("bench takeover.rounds %d n\n", r.rounds);
  printf("bench takeover.samples %zu n\n", done.size());
  printf("bench takeover.rows %lld rows\n", static_cast<long long>(u.rows));
  printf("bench takeover.p50 %.1f ms\n", percentile(done, 0.5));
  printf("bench takeover.p99 %.1f ms\n", percentile(done, 0.99));
  printf("bench takeover.max %.1f ms\n", percentile(done, 1));
  printf("bench takeover.wake_p50 %.1f ms\n", percentile(wake, 0.5));
  printf("bench takeover.wake_p99 %.1f ms\n", percentile(wake, 0.99));
  printf("bench takeover.push %.1f ms\n", mean(push_ms));
  printf("bench takeover.release_max %.1f ms\n", percentile(release_ms, 1));
  printf("bench takeover.raw_copy_per_device %.2f ms\n", mean(r.raw_ms));
  printf("bench takeover.raw_copy_total %.1f ms\n", raw_total);
  printf("bench takeover.max_vs_raw_total %.2f x\n", raw_total > 0 ? percentile(done, 1) / raw_total : 0.0);
  printf("bench takeover.cpu_per_cadre %.1f ms\n",
         done.empty() ? 0.0 : 1000 * (server_cpu_s + devices_cpu_s) / static_cast<double>(done.size()));
  printf("bench takeover.server_cpu_per_round %.1f ms\n", 1000 * server_cpu_s / rounds);
  printf("bench takeover.pages_built_per_round %.1f pages\n", pages_built / rounds);
  printf("bench takeover.pages_shared_per_round %.1f pages\n", pages_shared / rounds);
  printf("bench takeover.errors %lld count\n", static_cast<long long>(r.errors));
  printf("bench takeover.server_exit %d status\n", r.server_status);
}

void print_report(const Report& r) {
  Totals t = pooled(r);
  print_human(r, t);
  print_figures(r, t);
}

// Everything between the server's start and its stop; "" or why it failed.
std::string run(const Options& o, const std::string& dir, Report& report) {
  std::string db = dir + "/server.db";
  int port = test::ServerProcess::free_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  fprintf(stderr, "[bench-takeover] starting the server with the demo park...\n");
  auto server = start_server(db, port, dir + "/server.log", o.page_cache);
  if (!server) return "the server did not start (" + dir + "/server.log)";

  auto unit = read_unit_grid(db);
  if (!unit) return "the demo park has no department for cadre01, or it has no unit grid";
  report.unit = *unit;
  if (unit->rows == 0) return "unit grid " + unit->grid_name + " holds no rows";

  fprintf(stderr, "[bench-takeover] adding %d cadres to %s...\n", std::max(0, o.cadres - 2),
          unit->department_name.c_str());
  auto t = Clock::now();
  for (int i = 2; i < o.cadres; ++i)
    if (auto why = add_cadre(db, cadre_name(i), unit->department_id, dir + "/admin.log"); !why.empty()) return why;
  report.add_s = ms_between(t, Clock::now()) / 1000;

  fprintf(stderr, "[bench-takeover] logging in supervisor01 and %d cadres...\n", o.cadres);
  auto sup = std::make_unique<Device>(url, "supervisor01", dir + "/supervisor01.db");
  std::vector<std::unique_ptr<Device>> cadres;
  for (int i = 0; i < o.cadres; ++i)
    cadres.push_back(std::make_unique<Device>(url, cadre_name(i), dir + "/" + cadre_name(i) + ".db"));
  t = Clock::now();
  if (auto why = log_in_and_sync(*sup); !why.empty()) return why;
  if (auto why = log_in_all(cadres); !why.empty()) return why;
  report.login_s = ms_between(t, Clock::now()) / 1000;
  report.supervisor_rows = sup->db->query_int(
      "SELECT 0" + [] {
        std::string sum;
        for (const auto& spec : all_tables()) sum += " + (SELECT count(*) FROM " + std::string(spec.name) + ")";
        return sum;
      }());

  Coordinator co(cadres.size(), unit->rows);
  std::string count_sql = unit->count_sql();
  for (size_t i = 0; i < cadres.size(); ++i) {
    int64_t held = cadres[i]->db->query_int(count_sql);
    co.set_baseline(i, held);
    report.baseline_rows += held;
  }

  std::string pid = server_pid();
  if (pid.empty()) return "cannot find the server's process in /proc";
  Fleet fleet(co, *server);
  fleet.start(cadres, count_sql);
  for (int round = 1; round <= o.rounds; ++round) {
    fprintf(stderr, "[bench-takeover] round %d of %d\n", round, o.rounds);
    RoundResult result;
    if (auto why = run_round(round, *sup, *unit, co, cadres, o, pid, result); !why.empty())
      return "round " + std::to_string(round) + ": " + why;
    report.results.push_back(std::move(result));
  }
  report.server_status = fleet.stop();
  report.errors = co.errors();

  fprintf(stderr, "[bench-takeover] the ceiling: plain SQLite copies into %d files...\n", o.cadres);
  report.raw_ms = raw_copies(db, *unit, o.cadres, dir);
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) return 2;
  char tmpl[] = "/tmp/bench-takeover-XXXXXX";
  if (!mkdtemp(tmpl)) {
    fprintf(stderr, "bench-takeover: cannot make a temporary directory\n");
    return 1;
  }
  std::string dir = tmpl;
  Report report;
  report.cadres = o.cadres;
  report.rounds = o.rounds;
  std::string failure;
  try {
    failure = run(o, dir, report);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    fprintf(stderr, "bench-takeover: %s\n(files kept in %s)\n", failure.c_str(), dir.c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  print_report(report);
  // The figures were taken before the server stopped, but a server that
  // does not exit 0 on SIGTERM is a fault of its own (it once crashed with
  // long-polls open): the run fails.
  return report.errors == 0 && report.server_status == 0 ? 0 : 1;
}
